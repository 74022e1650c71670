/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/scheme.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace semcom {

namespace {

struct KindName {
    TransmitKind kind;
    const char* name;
};
constexpr KindName kind_names[] = { { TransmitKind::superposition, "superposition" },
                                    { TransmitKind::quantized, "quantized" },
                                    { TransmitKind::analog, "analog" },
                                    { TransmitKind::indices, "indices" },
                                    { TransmitKind::separate, "separate" },
                                    { TransmitKind::codebook, "codebook" } };

SchemeTable make_instance()
{
    auto table = SchemeTable::builtin();
    const char* path = std::getenv("SEMCOM_SCHEMES");
    if (path && *path) {
        std::ifstream f(path);
        if (!f)
            throw std::invalid_argument(std::string("SEMCOM_SCHEMES: cannot read '") + path + "'");
        std::stringstream text;
        text << f.rdbuf();
        table.add_from_text(text.str(), path);
    }
    return table;
}

} // namespace

const char* transmit_kind_name(TransmitKind kind)
{
    for (const auto& k : kind_names)
        if (k.kind == kind)
            return k.name;
    return "?";
}

std::optional<TransmitKind> parse_transmit_kind(const std::string& name)
{
    for (const auto& k : kind_names)
        if (name == k.name)
            return k.kind;
    return std::nullopt;
}

SchemeTable SchemeTable::builtin()
{
    SchemeTable t;
    t.add({ "deepscm", 1, TransmitKind::superposition, "models/deepscm_conv",
            "DeepSCM: superposition coded modulation of hierarchical semantics (4QAM x 16QAM)" });
    t.add({ "cm", 2, TransmitKind::superposition, "models/cm_joint_conv",
            "coded-modulation baseline: one encoder on the flat 64QAM super-constellation" });
    t.add({ "mijscc", 3, TransmitKind::quantized, "models/mijscc_conv_q8",
            "MIJSCC: quantized features (8 bits), one receiver" });
    t.add({ "amijscc", 4, TransmitKind::quantized, "models/amijscc_conv",
            "A-MIJSCC: quantized features, fewer symbols at high SNR (the encoder takes the SNR)" });
    t.add({ "separate", 5, TransmitKind::separate, "models/separate",
            "separate coding: JPEG + LDPC + QAM in the same channel uses" });
    t.add({ "asc", 6, TransmitKind::quantized, "models/asc",
            "ASC: 64 pooled CNN features, 8-bit quantized (uncompressed here; ratios and resources: semcom alloc)" });
    t.add({ "deepbroadcast", 7, TransmitKind::analog, "models/deepbroadcast",
            "DeepBroadcast: per-user task-channel-aware sub-encoders fused with every receiver's SNR (8 analog "
            "symbols)" });
    t.add({ "deepbroadcast_16qam", 8, TransmitKind::indices, "models/deepbroadcast_16qam",
            "DeepBroadcast, digital: the same encoder's outputs on 8 Gray 16QAM symbols (32 bits per image)" });
    t.add({ "udeepsc", 9, TransmitKind::codebook, "models/udeepsc",
            "U-DeepSC: one Transformer model for image recovery, fine and coarse classes; codebook indices on "
            "16QAM, fewer at high SNR; multi-exit decoder" });
    return t;
}

void SchemeTable::add(Scheme row)
{
    if (row.name.empty())
        throw std::invalid_argument("scheme table: a row without a name");
    if (row.header_code == 0)
        throw std::invalid_argument("scheme table: '" + row.name + "': header code 0 is reserved");
    if (find(row.name))
        throw std::invalid_argument("scheme table: scheme '" + row.name + "' is already in the table");
    if (const auto* other = find(row.header_code))
        throw std::invalid_argument("scheme table: '" + row.name + "': header code " +
                                    std::to_string(row.header_code) + " is taken by '" + other->name + "'");
    d_rows.push_back(std::move(row));
}

void SchemeTable::add_from_text(const std::string& text, const std::string& origin)
{
    std::istringstream in(text);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        const auto hash = line.find('#');
        if (hash != std::string::npos)
            line.erase(hash);
        std::istringstream fields(line);
        std::string name, code_text, kind_text, models, extra;
        if (!(fields >> name))
            continue; // blank or comment
        const std::string where = origin + ":" + std::to_string(number) + ": ";
        if (!(fields >> code_text >> kind_text))
            throw std::invalid_argument(where + "expected NAME CODE KIND [MODEL_PREFIX]");
        fields >> models;
        if (fields >> extra)
            throw std::invalid_argument(where + "unexpected '" + extra + "' after the model prefix");
        std::size_t used = 0;
        long code = -1;
        try {
            code = std::stol(code_text, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != code_text.size() || code < 1 || code > 255)
            throw std::invalid_argument(where + "header code '" + code_text + "' is not an integer in 1..255");
        const auto kind = parse_transmit_kind(kind_text);
        if (!kind)
            throw std::invalid_argument(where + "unknown transmit kind '" + kind_text +
                                        "' (superposition, quantized, analog, indices, separate)");
        try {
            add({ name, std::uint8_t(code), *kind, models, "from " + origin });
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(where + e.what());
        }
    }
}

const SchemeTable& SchemeTable::instance()
{
    static const SchemeTable table = make_instance();
    return table;
}

const Scheme* SchemeTable::find(const std::string& name) const
{
    for (const auto& r : d_rows)
        if (r.name == name)
            return &r;
    return nullptr;
}

const Scheme* SchemeTable::find(std::uint8_t header_code) const
{
    for (const auto& r : d_rows)
        if (r.header_code == header_code)
            return &r;
    return nullptr;
}

const Scheme& SchemeTable::at(const std::string& name) const
{
    if (const auto* r = find(name))
        return *r;
    throw std::invalid_argument("unknown scheme '" + name + "' (" + names() + ")");
}

std::string SchemeTable::names() const
{
    std::string s;
    for (const auto& r : d_rows)
        s += (s.empty() ? "" : ", ") + r.name;
    return s;
}

} // namespace semcom
