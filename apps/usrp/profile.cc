/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The radio settings of `semcom tx` / `semcom rx`: a profile of hardware/profiles (read by
 * semcom::hardware::Profile) merged with the options, which win.
 */
#include "radio.h"

#include <semcom/hardware/profile.h>
#include <uhd/types/device_addr.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace semcom::apps {

namespace {

namespace fs = std::filesystem;
using hardware::Profile;

//! --profile NAME or PATH: a file, or a shipped profile's name (b210 -> hardware/profiles/b210.yaml).
Profile load_profile(const std::string& given)
{
    std::string path = given;
    if (!fs::exists(path) && given.find('/') == std::string::npos && given.find('.') == std::string::npos &&
        fs::exists("hardware/profiles/" + given + ".yaml"))
        path = "hardware/profiles/" + given + ".yaml";
    if (!fs::is_regular_file(path))
        throw std::invalid_argument("--profile '" + given +
                                    "': no such file (the shipped ones: hardware/profiles/b210.yaml, n210.yaml, "
                                    "x310.yaml, or just b210, n210, x310)");
    try {
        return Profile::load(path);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("--profile ") + e.what());
    }
}

void check_radio(const Radio& r, const UsrpOptions& o)
{
    if (!(r.rate > 0.0))
        throw std::invalid_argument("--rate " + format_number(r.rate) + ": must be > 0");
    if (o.file.empty() && std::isnan(r.freq))
        throw std::invalid_argument("no centre frequency: give --freq HZ or --profile hardware/profiles/NAME.yaml");
    if (!std::isnan(r.freq) && !(r.freq > 0.0))
        throw std::invalid_argument("--freq " + format_number(r.freq) + ": must be > 0");
    if (!(o.sps >= 2))
        throw std::invalid_argument("--sps must be >= 2");
}

//! The device args to open the USRP with: B2xx and X3xx take their master clock as a device
//! argument; an N2xx's is fixed at 100 MHz.
std::string make_args(const Radio& r)
{
    uhd::device_addr_t addr;
    try {
        addr = uhd::device_addr_t(r.args);
    } catch (const std::exception& e) {
        throw std::invalid_argument("--args '" + r.args + "': not UHD device args (key=value,key=value): " +
                                    first_line(e.what()));
    }
    const std::string type = addr.get("type", "");
    if (r.master_clock_rate > 0 && !addr.has_key("master_clock_rate") && type != "usrp2" && r.device_kind != "n210")
        addr["master_clock_rate"] = format_number(r.master_clock_rate);
    return addr.to_string();
}

} // namespace

std::string format_number(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

std::string first_line(const std::string& s)
{
    const auto p = s.find('\n');
    return p == std::string::npos ? s : s.substr(0, p);
}

Radio resolve_radio(const UsrpOptions& o)
{
    Radio r;
    std::optional<Profile> p;
    if (!o.profile.empty())
        p = load_profile(o.profile);
    const bool tx = o.role == "tx";
    auto from = [&](const char* key) { return p && p->has(key); };
    auto number = [&](double given, const char* key, double fallback) {
        return !std::isnan(given) ? given : from(key) ? p->number(key) : fallback;
    };
    auto text = [&](const std::string& given, const char* key) {
        return !given.empty() ? given : from(key) ? p->text(key) : std::string();
    };
    if (o.args_option && o.args_option->count())
        r.args = o.args;
    else if (from("args"))
        r.args = p->text("args");
    r.device_kind = text("", "device");
    r.rate = number(o.rate, "sample_rate", 400e3);
    r.freq = number(o.freq, "center_freq", NAN);
    r.gain = number(o.gain, tx ? "tx_gain" : "rx_gain", NAN);
    r.antenna = text(o.antenna, tx ? "tx_antenna" : "rx_antenna");
    r.clock_source = text(o.clock_source, "clock_source");
    r.time_source = text(o.time_source, "time_source");
    if (from("otw_format"))
        r.otw = p->text("otw_format");
    r.master_clock_rate = number(NAN, "master_clock_rate", 0.0);
    r.max_rx_input_dbm = number(NAN, "max_rx_input_dbm", NAN);
    check_radio(r, o);
    r.make_args = make_args(r);
    return r;
}

} // namespace semcom::apps
