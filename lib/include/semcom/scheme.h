/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_SCHEME_H
#define SEMCOM_SCHEME_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom {

/*!
 * \brief How a scheme's encoder outputs become channel symbols (docs/model-manifest.md, transmit.kind).
 *
 * Each kind has one transmitter and one receiver chain builder (gr-semcom: semcom.transmitter /
 * semcom.receiver); a new kind of transmission adds a value here and one builder there.
 */
enum class TransmitKind {
    superposition, //!< K index streams -> superposition QAM (one layer: a plain constellation)
    quantized,     //!< float features -> q-bit quantizer -> complex symbols, range per frame
    analog,        //!< float features sent as they are (through the 8-bit quantized mapper)
    indices,       //!< codebook indices, one point of one constellation each
    separate,      //!< separate source and channel coding (JPEG + LDPC + QAM), no encoder network
    codebook,      //!< codebook indices of the kept tokens, one segment per receiver (keep masks as side information)
};

//! "superposition", "quantized", ... as the manifest spells them.
const char* transmit_kind_name(TransmitKind kind);
//! The kind named \p name; nullopt for a name the table does not know.
std::optional<TransmitKind> parse_transmit_kind(const std::string& name);

//! One row of the scheme table: what the system speaks (the gr-dvbs2rx defs.py habit).
struct Scheme {
    std::string name;           //!< as in manifests and --scheme: "deepscm"
    std::uint8_t header_code;   //!< the burst header's scheme byte (docs/frame-format.md), 1..255
    TransmitKind kind;          //!< the transmission its models need
    std::string default_models; //!< shipped model prefix (PREFIX_encoder.json, PREFIX_rxK.json); "" if none
    std::string description;    //!< one line for --help
};

/*!
 * \brief The scheme table: the only source of truth for the frame header's scheme code, the
 * apps' --scheme choices and their default models, and the transmit kind a scheme's models carry.
 *
 * The built-in rows are the shipped schemes. Rows for schemes under development (a test's toy
 * scheme, an out-of-tree scheme) come from the file named by the environment variable
 * SEMCOM_SCHEMES, read once at first use: one row per line, `NAME CODE KIND [MODEL_PREFIX]`,
 * `#` starts a comment. A row that repeats a name or a code, an unknown kind or a code outside
 * 1..255 is an error (std::invalid_argument naming the file and line), never silently skipped.
 */
class SchemeTable
{
public:
    //! The process-wide table: built-in rows plus $SEMCOM_SCHEMES.
    static const SchemeTable& instance();

    //! The built-in rows only.
    static SchemeTable builtin();

    //! Adds a row; std::invalid_argument if its name or code is taken or the code is 0.
    void add(Scheme row);
    //! Adds the rows of a table file (format above); \p origin names it in errors.
    void add_from_text(const std::string& text, const std::string& origin);

    const Scheme* find(const std::string& name) const;
    const Scheme* find(std::uint8_t header_code) const;
    //! The row of \p name; std::invalid_argument listing the known names otherwise.
    const Scheme& at(const std::string& name) const;

    //! "deepscm, cm, mijscc, ..." in table order.
    std::string names() const;
    const std::vector<Scheme>& rows() const { return d_rows; }

private:
    std::vector<Scheme> d_rows;
};

} // namespace semcom

#endif
