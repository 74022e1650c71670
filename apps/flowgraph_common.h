/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Small helpers shared by the subcommands that build flowgraphs on the shipped models.
 */
#ifndef SEMCOM_APPS_FLOWGRAPH_COMMON_H
#define SEMCOM_APPS_FLOWGRAPH_COMMON_H

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace semcom::apps {

//! The model prefix (PREFIX_encoder.json, PREFIX_rxK.json) of --scheme, or --models when given.
inline std::string scheme_model_prefix(const std::string& scheme, const std::string& models)
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

//! The header's scheme code (docs/frame-format.md) of a manifest's scheme name, 0 if unknown.
inline int frame_scheme_code(const std::string& manifest_scheme)
{
    if (manifest_scheme == "deepscm")
        return 1;
    if (manifest_scheme == "cm")
        return 2;
    if (manifest_scheme == "mijscc")
        return 3;
    if (manifest_scheme == "amijscc")
        return 4;
    if (manifest_scheme == "separate")
        return 5;
    return 0;
}

//! --json FILE: the results, indented; a path that cannot be written is an error.
inline void write_json_file(const std::string& path, const nlohmann::json& j)
{
    std::ofstream f(path);
    if (!f)
        throw std::runtime_error("--json: cannot write '" + path + "'");
    f << j.dump(2) << "\n";
}

} // namespace semcom::apps

#endif
