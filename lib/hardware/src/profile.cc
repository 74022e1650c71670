/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/hardware/profile.h>
#include <semcom/one_line.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
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

std::string read_text(const std::string& path, const std::string& where)
{
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw std::invalid_argument(where + ": cannot read it (not a regular file)");
    const auto size = std::filesystem::file_size(path, ec);
    if (ec)
        throw std::invalid_argument(where + ": cannot read it (" + ec.message() + ")");
    if (size > Profile::max_bytes)
        throw std::invalid_argument(where + ": " + std::to_string(size) + " bytes, more than a profile may have (" +
                                    std::to_string(Profile::max_bytes) + ")");
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw std::invalid_argument(where + ": cannot read it");
    std::ostringstream text;
    text << f.rdbuf();
    if (f.bad())
        throw std::invalid_argument(where + ": read error");
    return text.str();
}

std::vector<std::string> split_lines(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

YAML::Node parse_yaml(const std::vector<std::string>& lines, const std::string& where)
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
    return parse(read_text(path, "'" + path + "'"), path);
}

Profile Profile::parse(const std::string& text, const std::string& path)
{
    // every refusal as one printable line (yaml-cpp echoes the characters it stops at)
    try {
        return parse_checked(text, path);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(one_line(e.what()));
    } catch (const YAML::Exception& e) {
        throw std::invalid_argument(one_line("'" + path + "': not a valid profile (" + e.what() + ")"));
    }
}

Profile Profile::parse_checked(const std::string& text, const std::string& path)
{
    Profile p;
    p.d_path = path;
    const std::string where = "'" + path + "'";
    if (text.size() > max_bytes)
        throw std::invalid_argument(where + ": " + std::to_string(text.size()) +
                                    " bytes, more than a profile may have (" + std::to_string(max_bytes) + ")");
    const auto lines = split_lines(text);
    const YAML::Node root = parse_yaml(lines, where);
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
        throw std::invalid_argument(one_line("'" + d_path + "': " + k + " = '" + v + "' is not a number"));
    return d;
}

} // namespace semcom::hardware
