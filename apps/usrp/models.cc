/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "models.h"

#include <filesystem>
#include <map>
#include <stdexcept>

namespace semcom::apps {

namespace {

namespace fs = std::filesystem;

// The shipped model prefix of --scheme and the header's scheme code (docs/frame-format.md) of a
// manifest's scheme. A stand-in for the scheme table of semcom-core (issue 11, item 2), which
// replaces it and apps/flowgraph_common.h.
std::string model_prefix(const std::string& scheme, const std::string& models)
{
    if (!models.empty())
        return models;
    static const std::map<std::string, std::string> shipped{ { "deepscm", "models/deepscm_4qam16qam" },
                                                             { "cm", "models/cm_joint" },
                                                             { "mijscc", "models/mijscc_q8" },
                                                             { "amijscc", "models/amijscc" },
                                                             { "separate", "models/separate" } };
    const auto it = shipped.find(scheme);
    if (it == shipped.end())
        throw std::invalid_argument("unknown --scheme '" + scheme + "' (deepscm, cm, mijscc, amijscc, separate)");
    return it->second;
}

int header_scheme_code(const std::string& manifest_scheme)
{
    static const std::map<std::string, int> codes{
        { "deepscm", 1 }, { "cm", 2 }, { "mijscc", 3 }, { "amijscc", 4 }, { "separate", 5 }
    };
    const auto it = codes.find(manifest_scheme);
    return it == codes.end() ? 0 : it->second;
}

void load_decoder(ModelSet& m, const UsrpOptions& o)
{
    m.decoder_path = m.prefix + "_rx" + std::to_string(o.receiver) + ".json";
    if (!fs::exists(m.decoder_path))
        throw std::runtime_error("--receiver " + std::to_string(o.receiver) + ": model not found: '" + m.decoder_path +
                                 "'");
    m.decoder = neural::Manifest::load(m.decoder_path);
    if (m.decoder.channel_uses != m.encoder.channel_uses)
        throw std::runtime_error("'" + m.decoder_path + "' expects " + std::to_string(m.decoder.channel_uses) +
                                 " symbols per image, its encoder sends " + std::to_string(m.n));
}

} // namespace

ModelSet resolve_models(const UsrpOptions& o)
{
    ModelSet m;
    if (o.models.empty() && (o.scheme == "amijscc" || o.scheme == "separate"))
        throw std::invalid_argument("--scheme " + o.scheme + ": not over the air yet (deepscm, cm, mijscc)");
    m.prefix = model_prefix(o.scheme, o.models);
    m.encoder_path = m.prefix + "_encoder.json";
    if (!fs::exists(m.encoder_path))
        throw std::runtime_error("model not found: '" + m.encoder_path + "' (train and export one, see python/README.md)");
    m.encoder = neural::Manifest::load(m.encoder_path);
    m.quantized = m.encoder.constellations.empty();
    if (m.quantized && (m.encoder.inputs.size() != 1 || m.encoder.outputs.size() != 1))
        throw std::runtime_error("'" + m.encoder_path + "': scheme '" + m.encoder.scheme +
                                 "' needs the receivers' SNR at the encoder (A-MIJSCC): not over the air yet");
    m.scheme_code = header_scheme_code(m.encoder.scheme);
    if (m.scheme_code == 0)
        throw std::runtime_error("'" + m.encoder_path + "': scheme '" + m.encoder.scheme +
                                 "' has no code in the burst header (docs/frame-format.md)");
    m.n = int(m.encoder.channel_uses);
    for (const auto& c : m.encoder.constellations)
        m.layers.push_back(c.name);
    m.alphas.assign(m.encoder.alphas.begin(), m.encoder.alphas.end());
    if (m.encoder.quantizer)
        m.bits = int(m.encoder.quantizer->bits);
    if (o.role == "rx")
        load_decoder(m, o);
    return m;
}

} // namespace semcom::apps
