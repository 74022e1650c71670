/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "alloc_scenario.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

namespace semcom::apps {

namespace {

using nlohmann::json;

//! "CONFIG: where: what" for every problem in the file.
[[noreturn]] void bad(const Scenario& s, const std::string& where, const std::string& what)
{
    throw std::invalid_argument(s.path + ": " + where + ": " + what);
}

void only_keys(const Scenario& s, const json& j, const std::string& where, const std::set<std::string>& known)
{
    if (!j.is_object())
        bad(s, where, "expected an object");
    for (const auto& item : j.items())
        if (!known.count(item.key())) {
            std::string list;
            for (const auto& k : known)
                list += (list.empty() ? "" : ", ") + k;
            bad(s, where, "unknown field '" + item.key() + "' (" + list + ")");
        }
}

double number(const Scenario& s, const json& j, const std::string& where, bool positive = true)
{
    if (!j.is_number())
        bad(s, where, "expected a number");
    const double v = j.get<double>();
    if (!std::isfinite(v) || (positive && v <= 0))
        bad(s, where, positive ? "must be a finite number > 0" : "must be a finite number");
    return v;
}

// The paper's Table IV fits (digest §2.5): η(o) of the VGG and ResNet backbones on STL-10.
const std::map<std::pair<std::string, int>, std::array<double, 4>> kTableIV{
    { { "vgg", -5 }, { -9.503e-17, 36.77, 0.9044, -0.01869 } },
    { { "vgg", 0 }, { -2.202e-16, 35.94, 0.9137, -0.02349 } },
    { { "vgg", 5 }, { -2.76e-18, 40.33, 0.9205, -0.02257 } },
    { { "resnet", -5 }, { -6.205e-08, 16.45, 0.9228, -0.06917 } },
    { { "resnet", 0 }, { -2.893e-16, 35.68, 0.9482, -0.04151 } },
    { { "resnet", 5 }, { -8.875e-16, 34.54, 0.9458, 0.007934 } },
};

EtaSource read_eta(const Scenario& s, const json& j, const std::string& where)
{
    only_keys(s, j, where, { "zeta", "points", "table", "snr_db", "manifest", "path", "model" });
    EtaSource out;
    const std::string model = j.value("model", "fit");
    if (model != "fit" && model != "measured")
        bad(s, where + ".model", "must be \"fit\" (the two-exponential) or \"measured\" (the manifest's points)");
    if (j.contains("points")) {
        const json& pts = j["points"];
        if (!pts.is_array())
            bad(s, where + ".points", "expected [[o, eta], ...]");
        for (std::size_t k = 0; k < pts.size(); ++k) {
            const std::string at = where + ".points[" + std::to_string(k) + "]";
            if (!pts[k].is_array() || pts[k].size() != 2)
                bad(s, at, "expected [o, eta]");
            out.eta.points.push_back({ number(s, pts[k][0], at, false), number(s, pts[k][1], at, false) });
        }
    } else if (j.contains("zeta")) {
        if (!j["zeta"].is_array() || j["zeta"].size() != 4)
            bad(s, where + ".zeta", "expected four numbers [z1, z2, z3, z4]");
        for (int i = 0; i < 4; ++i)
            out.eta.zeta[i] = number(s, j["zeta"][i], where + ".zeta[" + std::to_string(i) + "]", false);
    } else if (j.contains("table")) {
        const std::string backbone = j["table"].is_string() ? j["table"].get<std::string>() : "";
        const int snr = j.contains("snr_db") ? int(number(s, j["snr_db"], where + ".snr_db", false)) : 0;
        const auto it = kTableIV.find({ backbone, snr });
        if (it == kTableIV.end())
            bad(s, where, "table must be \"vgg\" or \"resnet\" with snr_db -5, 0 or 5 (the paper's Table IV)");
        out.eta.zeta = it->second;
    } else if (j.contains("manifest")) {
        if (!j["manifest"].is_string())
            bad(s, where + ".manifest", "expected a path");
        std::filesystem::path file = j["manifest"].get<std::string>();
        if (file.is_relative())
            file = std::filesystem::path(s.path).parent_path() / file;
        const std::string path = j.value("path", "digital");
        const bool analog = path == "analog";
        if (!analog && path != "digital")
            bad(s, where + ".path", "must be \"digital\" or \"analog\"");
        if (analog && !j.contains("snr_db"))
            bad(s, where, "path \"analog\" needs snr_db");
        const double snr = analog ? number(s, j["snr_db"], where + ".snr_db", false) : 0.0;
        try {
            const AscManifest m = read_asc_manifest(file.string());
            out.eta = m.eta_model(path, snr, model == "measured");
            out.features = m.features;
            out.bits_per_feature = m.bits_per_feature;
        } catch (const std::invalid_argument& e) {
            bad(s, where + ".manifest", e.what());
        }
        std::string stem = file.string();
        const std::string suffix = "_encoder.json";
        if (stem.size() > suffix.size() && stem.compare(stem.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.models = stem.substr(0, stem.size() - suffix.size());
    } else {
        bad(s, where, "needs zeta, points, table or manifest");
    }
    try {
        out.eta.validate();
    } catch (const std::invalid_argument& e) {
        bad(s, where, e.what());
    }
    return out;
}

json cell_users(const Scenario& s, std::uint64_t seed);
std::vector<alloc::User> read_users(const Scenario& s, const json& entries, int* common_features, std::string* models);

} // namespace

AscManifest read_asc_manifest(const std::string& file)
{
    std::ifstream in(file);
    if (!in)
        throw std::invalid_argument("cannot read " + file);
    json m;
    try {
        m = json::parse(in);
    } catch (const json::exception& e) {
        throw std::invalid_argument(file + " is not JSON (" + e.what() + ")");
    }
    if (!m.contains("asc") || !m["asc"].is_object())
        throw std::invalid_argument(file + " has no `asc` object (not an ASC model)");
    const json& a = m["asc"];
    AscManifest out;
    out.file = file;
    if (!a.contains("features") || !a["features"].is_number_integer() || a["features"].get<int>() <= 0)
        throw std::invalid_argument(file + ": asc.features must be a positive integer");
    out.features = a["features"].get<int>();
    out.bits_per_feature = a.value("bits_per_feature", 8);
    if (!a.contains("order") || !a["order"].is_array())
        throw std::invalid_argument(file + ": no asc.order");
    try {
        out.order = a["order"].get<std::vector<int>>();
        if (int(out.order.size()) != out.features)
            throw std::invalid_argument("asc.order has " + std::to_string(out.order.size()) + " entries for " +
                                        std::to_string(out.features) + " features");
        asc::keep_mask(out.order, 0.0); // throws unless a permutation
    } catch (const std::exception& e) {
        throw std::invalid_argument(file + ": " + e.what());
    }
    out.eta = a.value("eta", json::array());
    return out;
}

alloc::EtaModel AscManifest::eta_model(const std::string& path, double snr_db, bool measured) const
{
    const bool analog = path == "analog";
    for (const auto& e : eta) {
        if (e.value("path", "") != path || (analog && !(e["snr_db"].is_number() && e["snr_db"].get<double>() == snr_db)))
            continue;
        alloc::EtaModel model;
        try {
            model.zeta = e.at("zeta").get<std::array<double, 4>>();
            if (measured)
                model.points = e.at("points").get<std::vector<std::array<double, 2>>>();
        } catch (const json::exception&) {
            throw std::invalid_argument(file + ": asc.eta entry without four zeta values" +
                                        std::string(measured ? " or its points" : ""));
        }
        return model;
    }
    throw std::invalid_argument(file + " has no η fit for path " + path +
                                (analog ? " at " + std::to_string(snr_db) + " dB" : ""));
}

Scenario load_scenario(const std::string& path)
{
    Scenario s;
    s.path = path;
    std::ifstream in(path);
    if (!in)
        throw std::invalid_argument(path + ": cannot read");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw std::invalid_argument(path + ": not JSON (" + std::string(e.what()) + ")");
    }
    only_keys(s, j, "top level", { "budget", "defaults", "service_levels", "cell", "users", "comment" });
    if (!j.contains("budget"))
        bad(s, "budget", "missing");
    const json& b = j["budget"];
    only_keys(s, b, "budget", { "bandwidth_hz", "min_bandwidth_hz", "power_w", "min_power_w", "noise_psd_dbm_hz" });
    if (b.contains("bandwidth_hz"))
        s.budget.bandwidth_hz = number(s, b["bandwidth_hz"], "budget.bandwidth_hz");
    if (b.contains("min_bandwidth_hz"))
        s.budget.min_bandwidth_hz = number(s, b["min_bandwidth_hz"], "budget.min_bandwidth_hz");
    if (b.contains("power_w"))
        s.budget.power_w = number(s, b["power_w"], "budget.power_w");
    if (b.contains("min_power_w"))
        s.budget.min_power_w = number(s, b["min_power_w"], "budget.min_power_w");
    if (b.contains("noise_psd_dbm_hz"))
        s.budget.noise_psd_w_per_hz = std::pow(10.0, (number(s, b["noise_psd_dbm_hz"], "budget.noise_psd_dbm_hz", false) - 30) / 10);

    if (j.contains("service_levels")) {
        if (!j["service_levels"].is_array() || j["service_levels"].empty())
            bad(s, "service_levels", "expected a non-empty list of weights");
        for (std::size_t n = 0; n < j["service_levels"].size(); ++n)
            s.service_levels.push_back(number(s, j["service_levels"][n], "service_levels[" + std::to_string(n) + "]"));
    }
    s.defaults = j.value("defaults", json::object());
    only_keys(s, s.defaults, "defaults", { "data_bits", "delay_s", "eta" });
    if (j.contains("cell")) {
        const json& c = j["cell"];
        only_keys(s, c, "cell", { "users", "radius_m", "min_distance_m", "pathloss_db", "seed" });
        asc::Cell cell;
        if (c.contains("radius_m"))
            cell.radius_m = number(s, c["radius_m"], "cell.radius_m");
        if (c.contains("min_distance_m"))
            cell.min_distance_m = number(s, c["min_distance_m"], "cell.min_distance_m");
        if (c.contains("pathloss_db")) {
            if (!c["pathloss_db"].is_array() || c["pathloss_db"].size() != 2)
                bad(s, "cell.pathloss_db", "expected [A, B] of A + B log10(d / 1 km)");
            cell.pathloss_a_db = number(s, c["pathloss_db"][0], "cell.pathloss_db[0]", false);
            cell.pathloss_b_db = number(s, c["pathloss_db"][1], "cell.pathloss_db[1]");
        }
        try {
            cell.validate();
        } catch (const std::invalid_argument& e) {
            bad(s, "cell", e.what());
        }
        s.cell = cell;
        s.cell_users = c.contains("users") ? std::size_t(number(s, c["users"], "cell.users")) : 10;
        if (c.contains("seed"))
            s.cell_seed = std::uint64_t(number(s, c["seed"], "cell.seed"));
    }
    if (s.defaults.contains("eta"))
        s.default_eta = read_eta(s, s.defaults["eta"], "defaults.eta");
    if (j.contains("users")) {
        if (!j["users"].is_array() || j["users"].empty())
            bad(s, "users", "expected a non-empty list");
        s.listed = read_users(s, j["users"], &s.features, &s.models);
    } else if (!s.cell) {
        bad(s, "users", "missing (list the users, or give a `cell` to drop them in)");
    } else {
        // check the dropped users now (one line for the first problem), and find the models' K
        read_users(s, cell_users(s, s.cell_seed), &s.features, &s.models);
    }
    return s;
}

std::vector<alloc::User> users_of_drop(const Scenario& s, std::uint64_t seed)
{
    return s.listed.empty() ? read_users(s, cell_users(s, seed), nullptr, nullptr) : s.listed;
}

namespace {

//! The users of one drop in the cell, as the entries a users file would list.
json cell_users(const Scenario& s, std::uint64_t seed)
{
    const auto distances = s.cell->drop(s.cell_users, seed);
    json entries = json::array();
    for (std::size_t i = 0; i < s.cell_users; ++i) {
        json u{ { "name", "u" + std::to_string(i + 1) }, { "distance_m", distances[i] } };
        if (!s.service_levels.empty())
            u["service_level"] = int(i % s.service_levels.size()) + 1; // round-robin
        entries.push_back(u);
    }
    return entries;
}

std::vector<alloc::User> read_users(const Scenario& s, const json& entries, int* common_features, std::string* models)
{
    std::vector<alloc::User> users;
    std::set<int> features_seen;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const json& u = entries[i];
        const std::string where = "users[" + std::to_string(i) + "]";
        only_keys(s, u, where, { "name", "distance_m", "path_gain_db", "gain", "service_level", "weight", "data_bits",
                                 "delay_s", "eta" });
        alloc::User user;
        user.name = u.value("name", "u" + std::to_string(i + 1));
        const int gains = int(u.contains("distance_m")) + int(u.contains("path_gain_db")) + int(u.contains("gain"));
        if (gains != 1)
            bad(s, where, "give exactly one of distance_m, path_gain_db, gain");
        if (u.contains("distance_m")) {
            // the cell's path-loss model (or the default one)
            const asc::Cell cell = s.cell.value_or(asc::Cell{});
            user.gain = cell.path_gain(number(s, u["distance_m"], where + ".distance_m"));
        } else if (u.contains("path_gain_db")) {
            user.gain = std::pow(10.0, number(s, u["path_gain_db"], where + ".path_gain_db", false) / 10);
        } else {
            user.gain = number(s, u["gain"], where + ".gain");
        }
        if (u.contains("service_level") && u.contains("weight"))
            bad(s, where, "give service_level or weight, not both");
        if (u.contains("service_level")) {
            if (!u["service_level"].is_number_integer())
                bad(s, where + ".service_level", "expected a level number 1.." + std::to_string(s.service_levels.size()));
            const int level = u["service_level"].get<int>();
            if (level < 1 || std::size_t(level) > s.service_levels.size())
                bad(s, where + ".service_level", "unknown service level " + std::to_string(level) + " (the file defines " +
                                                     std::to_string(s.service_levels.size()) + ")");
            user.weight = s.service_levels[level - 1];
        } else if (u.contains("weight")) {
            user.weight = number(s, u["weight"], where + ".weight");
        }
        if (!u.contains("eta") && !s.default_eta)
            bad(s, where, "no eta (give users[].eta or defaults.eta)");
        const EtaSource eta = u.contains("eta") ? read_eta(s, u["eta"], where + ".eta") : *s.default_eta;
        user.eta = eta.eta;
        user.features = eta.features;
        features_seen.insert(eta.features);
        if (models && !eta.models.empty())
            *models = eta.models;
        if (u.contains("data_bits"))
            user.data_bits = number(s, u["data_bits"], where + ".data_bits");
        else if (s.defaults.contains("data_bits"))
            user.data_bits = number(s, s.defaults["data_bits"], "defaults.data_bits");
        else if (eta.features > 0)
            user.data_bits = double(eta.features) * eta.bits_per_feature; // what the model sends uncompressed
        if (u.contains("delay_s"))
            user.delay_s = number(s, u["delay_s"], where + ".delay_s");
        else if (s.defaults.contains("delay_s"))
            user.delay_s = number(s, s.defaults["delay_s"], "defaults.delay_s");
        users.push_back(user);
    }
    if (common_features)
        *common_features = features_seen.size() == 1 ? *features_seen.begin() : 0;
    return users;
}

} // namespace

nlohmann::json budget_json(const alloc::Budget& b)
{
    return { { "bandwidth_hz", b.bandwidth_hz },
             { "min_bandwidth_hz", b.min_bandwidth_hz },
             { "power_w", b.power_w },
             { "min_power_w", b.min_power_w },
             { "noise_psd_w_per_hz", b.noise_psd_w_per_hz } };
}

nlohmann::json users_json(const std::vector<alloc::User>& users)
{
    nlohmann::json out = nlohmann::json::array();
    for (const auto& u : users)
        out.push_back({ { "name", u.name },
                        { "gain", u.gain },
                        { "gain_db", 10 * std::log10(u.gain) },
                        { "weight", u.weight },
                        { "data_bits", u.data_bits },
                        { "delay_s", u.delay_s },
                        { "eta_zeta", u.eta.zeta },
                        { "eta_model", u.eta.points.empty() ? "fit" : "measured" },
                        { "features", u.features } });
    return out;
}

} // namespace semcom::apps
