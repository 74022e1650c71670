/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_MESSAGE_PARSERS_H
#define INCLUDED_SEMCOM_MESSAGE_PARSERS_H

#include <pmt/pmt.h>
#include <semcom/quantizer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace semcom {

/*
 * What the blocks read from PMTs that may come from another process (gr-zeromq messages and
 * tags): the quantizer side information of a frame and the "snr" messages of the SNR feedback. Only
 * pmt and semcom-core, so that fuzz/fuzz_side_info.cc and fuzz/fuzz_snr_message.cc test exactly
 * this code on pmt::deserialize_str of arbitrary bytes. Nothing here throws: a PMT that cannot be
 * used is refused with a reason.
 */

/*!
 * pmt::deserialize_str, after checking that the bytes hold what they claim: GNU Radio's deserialiser
 * (3.10) allocates the length a vector or uniform vector claims before reading it and loops over
 * it (9 bytes can claim 2^32 elements: gigabytes, or minutes), and recurses once per nesting level.
 * std::invalid_argument when a length claims more bytes than follow, the nesting is deeper than 32
 * or a tag is unknown; pmt's own exceptions otherwise.
 */
pmt::pmt_t deserialize_checked(const std::string& bytes);

//! One stream tag of a gr-zeromq message: offset in the publisher's item count.
struct StreamTag {
    std::uint64_t offset = 0;
    pmt::pmt_t key, value, srcid;
};

//! A gr-zeromq stream message (pub_sink with pass_tags, GNU Radio 3.10: tag header version 1).
struct StreamMessage {
    std::uint64_t offset = 0;     //!< the publisher's item count at the first item
    std::vector<StreamTag> tags;  //!< each at offset .. offset + items - 1
    std::size_t payload_at = 0;   //!< the first byte of the items
    std::size_t items = 0;        //!< whole items after the header
};

/*!
 * A message of gr-zeromq's pub_sink / push_sink (3.10), checked before any of it is used: with
 * tags, the header magic 0x5FF0 and version 1, the publisher's offset, a tag count that the bytes
 * can hold, each tag's offset and its key, value and source id read with deserialize_checked's
 * checks; then the items. std::invalid_argument naming what is wrong: a header that is not one,
 * more tags than bytes, a PMT refused, a tag outside the message's items, items that are not whole
 * (size not a multiple of \p itemsize). gr-zeromq's own parser hands the PMTs to pmt::deserialize
 * unchecked and throws out of the source block's work() on a short header.
 */
StreamMessage parse_stream_message(const char* data, std::size_t size, std::size_t itemsize, bool with_tags);

//! A finite number that a float holds, from an integer or real PMT (not complex); nullopt otherwise.
std::optional<float> finite_float(const pmt::pmt_t& v);

/*!
 * The quantizer side information of a frame-info dict: bits (1..8), z_min <= z_max, gain > 0 (finite
 * floats), values (even, 0..2^31 - 2) and sent (0..values / 2; absent: 0). nullopt when a field is
 * missing, of the wrong type or out of range; \p why (when given) then says which.
 */
std::optional<::semcom::QuantizedFrameInfo> quantized_info_from_pmt(const pmt::pmt_t& d,
                                                                    std::string* why = nullptr);

//! The most SNR values one message may carry (a transmitter serves at most 64 receivers).
constexpr std::size_t max_snr_values = 64;

//! What an "snr" message asks of an encoder (semantic_encoder's "snr" port).
struct SnrMessage {
    enum class Kind {
        invalid,      //!< nothing usable: error says why
        all,          //!< one SNR for every receiver: all_db
        per_receiver, //!< one SNR per receiver, in order: values
        reports       //!< receiver -> SNR reports: reports (entries that are not are in errors)
    };
    Kind kind = Kind::invalid;
    float all_db = 0.0f;
    std::vector<float> values;
    std::vector<std::pair<long, double>> reports; //!< (receiver, SNR dB) as given: SnrTable::report checks them
    std::vector<std::string> errors;              //!< one line each
};

/*!
 * Reads an "snr" message: a number, or a dict with snr_db: that SNR for all; an f32vector, a vector
 * or a list of numbers: one per receiver (at most max_snr_values); any other dict: receiver -> SNR
 * reports, a receiver being a number or a symbol "rxK" / "K". Every value must be a finite number a
 * float holds.
 */
SnrMessage parse_snr_message(const pmt::pmt_t& m);

//! The neural decoder's "snr" port: a number or a dict with snr_db, finite; \p fallback otherwise.
float snr_from_message(const pmt::pmt_t& msg, float fallback);

} // namespace semcom
} // namespace gr

#endif
