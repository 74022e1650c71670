/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/hardware/profile.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace semcom::hardware {

namespace {

const std::set<std::string> sources = { "internal", "external", "gpsdo", "mimo" };

std::string at_line(const std::string& where, const YAML::Node& node)
{
    return where + ", line " + std::to_string(node.Mark().line + 1) + ": ";
}

std::string known_keys()
{
    std::string known;
    for (const auto& k : profile_keys())
        known += (known.empty() ? "" : ", ") + k;
    return known;
}

std::vector<std::string> read_lines(const std::string& path, const std::string& where)
{
    std::ifstream f(path);
    if (!f)
        throw std::invalid_argument(where + ": cannot read it");
    std::vector<std::string> lines;
    for (std::string line; std::getline(f, line);)
        lines.push_back(line);
    return lines;
}

YAML::Node parse(const std::vector<std::string>& lines, const std::string& where)
{
    std::string text;
    for (const auto& l : lines)
        text += l + "\n";
    try {
        return YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw std::invalid_argument(where + ", line " + std::to_string(e.mark.line + 1) + ": not valid YAML (" +
                                    e.msg + ")");
    }
}

// yaml-cpp (0.7) reads a quoted scalar left open up to the end of the file without an error,
// where libyaml and PyYAML (tests/qa_hardware_profiles.py) refuse the file. A profile's values
// are one-line scalars: a quote that opens a value must close on its line.
void check_quotes_close(const std::vector<std::string>& lines, const YAML::Node& value, const std::string& where)
{
    const auto m = value.Mark();
    if (m.line < 0 || std::size_t(m.line) >= lines.size() || m.column < 0)
        return;
    const std::string& l = lines[m.line];
    if (std::size_t(m.column) >= l.size() || (l[m.column] != '"' && l[m.column] != '\''))
        return;
    const char q = l[m.column];
    for (std::size_t i = m.column + 1; i < l.size(); ++i) {
        if (q == '"' && l[i] == '\\') {
            ++i; // an escaped character
        } else if (l[i] == q) {
            if (q == '\'' && i + 1 < l.size() && l[i + 1] == '\'') {
                ++i; // '' inside single quotes
                continue;
            }
            return;
        }
    }
    throw std::invalid_argument(at_line(where, value) + "not valid YAML (a quoted value that does not end on its line)");
}

} // namespace

const std::set<std::string>& profile_keys()
{
    static const std::set<std::string> keys = { "device",      "args",         "master_clock_rate", "sample_rate",
                                                "center_freq", "tx_gain",      "rx_gain",           "tx_antenna",
                                                "rx_antenna",  "clock_source", "time_source",       "otw_format",
                                                "max_rx_input_dbm" };
    return keys;
}

Profile Profile::load(const std::string& path)
{
    Profile p;
    p.d_path = path;
    const std::string where = "'" + path + "'";
    const auto lines = read_lines(path, where);
    const YAML::Node root = parse(lines, where);
    if (root.IsNull() || (root.IsMap() && root.size() == 0))
        throw std::invalid_argument(where + ": empty, expected key: value pairs like hardware/profiles/b210.yaml");
    if (!root.IsMap())
        throw std::invalid_argument(at_line(where, root) + "expected key: value pairs");
    for (const auto& kv : root) {
        const YAML::Node& key = kv.first;
        const YAML::Node& value = kv.second;
        if (!key.IsScalar())
            throw std::invalid_argument(at_line(where, key) + "expected key: value (the profile is flat key: value)");
        check_quotes_close(lines, key, where);
        check_quotes_close(lines, value, where);
        const std::string k = key.Scalar();
        if (!profile_keys().count(k))
            throw std::invalid_argument(at_line(where, key) + "unknown field '" + k + "' (known: " + known_keys() + ")");
        if (p.has(k))
            throw std::invalid_argument(at_line(where, key) + "'" + k + "' given twice");
        if (!value.IsScalar() && !value.IsNull())
            throw std::invalid_argument(at_line(where, value) + "'" + k +
                                        "' must be a plain value (the profile is flat key: value)");
        p.d_values[k] = value.IsNull() ? std::string() : value.Scalar();
    }
    for (const char* k : { "sample_rate", "center_freq", "tx_gain", "rx_gain", "master_clock_rate", "max_rx_input_dbm" })
        if (p.has(k))
            p.number(k);
    for (const char* k : { "clock_source", "time_source" })
        if (p.has(k) && !sources.count(p.text(k)))
            throw std::invalid_argument(where + ": " + k + " = '" + p.text(k) + "' (internal, external, gpsdo or mimo)");
    return p;
}

double Profile::number(const std::string& k) const
{
    const std::string& v = d_values.at(k);
    char* end = nullptr;
    const double d = std::strtod(v.c_str(), &end);
    if (v.empty() || *end != '\0' || !std::isfinite(d))
        throw std::invalid_argument("'" + d_path + "': " + k + " = '" + v + "' is not a number");
    return d;
}

} // namespace semcom::hardware
