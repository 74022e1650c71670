/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Finding and configuring the USRP of `semcom tx` / `semcom rx`.
 */
#include "radio.h"

#include <uhd/device.hpp>
#include <uhd/types/device_addr.hpp>
#include <uhd/utils/log.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

namespace {

bool g_uhd_log_from_user = false;

void wait_for_sensor(gr::uhd::usrp_block& u, const std::string& name, const std::string& what)
{
    const auto names = u.get_mboard_sensor_names(0);
    if (std::find(names.begin(), names.end(), name) == names.end())
        return;
    const auto t0 = std::chrono::steady_clock::now();
    while (!u.get_mboard_sensor(name, 0).to_bool()) {
        if (std::chrono::steady_clock::now() - t0 > std::chrono::seconds(3))
            throw std::runtime_error(what);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

void configure_reference(gr::uhd::usrp_block& u, const Radio& r)
{
    if (!r.clock_source.empty()) {
        u.set_clock_source(r.clock_source, 0);
        if (r.clock_source != "internal")
            wait_for_sensor(u, r.clock_source == "mimo" ? "mimo_locked" : "ref_locked",
                            "clock source " + r.clock_source + ": the reference does not lock (check the 10 MHz input)");
    }
    if (!r.time_source.empty())
        u.set_time_source(r.time_source, 0);
}

void configure_rf(gr::uhd::usrp_block& u, const Radio& r)
{
    u.set_samp_rate(r.rate);
    const double actual = u.get_samp_rate();
    if (std::abs(actual - r.rate) > 1e-6 * r.rate)
        throw std::invalid_argument("--rate " + format_number(r.rate) + ": the USRP gives " + format_number(actual) +
                                    " samples/s (pick a rate its master clock divides by an integer)");
    const auto fr = u.get_freq_range(0);
    if (r.freq < fr.start() || r.freq > fr.stop())
        throw std::invalid_argument("--freq " + format_number(r.freq) + ": outside this USRP's range " +
                                    format_number(fr.start() / 1e6) + " - " + format_number(fr.stop() / 1e6) + " MHz");
    u.set_center_freq(r.freq, 0);
    if (!std::isnan(r.gain)) {
        const auto range = u.get_gain_range(0);
        if (r.gain < range.start() || r.gain > range.stop())
            throw std::invalid_argument("--gain " + format_number(r.gain) + ": outside this USRP's range " +
                                        format_number(range.start()) + " - " + format_number(range.stop()) + " dB");
        u.set_gain(r.gain, 0);
    }
    if (!r.antenna.empty()) {
        const auto ants = u.get_antennas(0);
        if (std::find(ants.begin(), ants.end(), r.antenna) == ants.end()) {
            std::string list;
            for (const auto& a : ants)
                list += (list.empty() ? "" : ", ") + a;
            throw std::invalid_argument("--antenna '" + r.antenna + "': this USRP has " + list);
        }
        u.set_antenna(r.antenna, 0);
    }
}

//! Device time = the host's UNIX time from the next PPS edge on (hosts on NTP): USRPs that share
//! a PPS then agree on the time, so timed bursts and timed streams line up.
void align_time_to_pps(gr::uhd::usrp_block& u, const Radio& r)
{
    const auto last = u.get_time_last_pps(0);
    const auto t0 = std::chrono::steady_clock::now();
    while (u.get_time_last_pps(0) == last) {
        if (std::chrono::steady_clock::now() - t0 > std::chrono::milliseconds(2500))
            throw std::runtime_error("time source " + r.time_source + ": no PPS edge in 2.5 s (check the PPS input)");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const double host = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    u.set_time_next_pps(uhd::time_spec_t(std::floor(host) + 1.0));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
}

} // namespace

bool uhd_log_from_user() { return g_uhd_log_from_user; }
void set_uhd_log_from_user(bool from_user) { g_uhd_log_from_user = from_user; }

bool find_usrp(const std::string& role, const Radio& r, std::string& found_name, bool quiet)
{
    if (!g_uhd_log_from_user)
        uhd::log::set_console_level(uhd::log::off);
    uhd::device_addrs_t found;
    try {
        found = uhd::device::find(uhd::device_addr_t(r.args));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "semcom %s: USRP search failed for device args '%s': %s\n", role.c_str(),
                     r.args.c_str(), first_line(e.what()).c_str());
        return false;
    }
    if (found.empty()) {
        std::fprintf(stderr,
                     "semcom %s: no USRP found for device args '%s' (check the cable/network and uhd_find_devices)\n",
                     role.c_str(), r.args.c_str());
        return false;
    }
    if (!g_uhd_log_from_user)
        uhd::log::set_console_level(uhd::log::warning);
    const auto& d = found.front();
    found_name = d.get("product", d.get("type", "USRP"));
    if (d.has_key("serial"))
        found_name += " serial " + d.get("serial");
    if (found.size() > 1 && !quiet)
        std::fprintf(stderr, "semcom %s: %zu USRPs match '%s', using the first (%s); add serial=... to --args\n",
                     role.c_str(), found.size(), r.args.c_str(), found_name.c_str());
    return true;
}

void configure(gr::uhd::usrp_block& u, const Radio& r)
{
    configure_reference(u, r);
    configure_rf(u, r);
    if (!r.time_source.empty() && r.time_source != "internal")
        align_time_to_pps(u, r);
}

std::string describe_radio(const Radio& r, int sps, const std::string& name, bool file)
{
    char buf[512];
    const double sym = r.rate / sps;
    if (file) {
        std::snprintf(buf, sizeof buf, "%s, %.6g ksps = %.6g ksym/s x %d (no radio)", name.c_str(), r.rate / 1e3,
                      sym / 1e3, sps);
        return buf;
    }
    std::snprintf(buf, sizeof buf, "%s, %.6g MHz, %.6g ksps = %.6g ksym/s x %d, gain %s, antenna %s (CFO capture +-%.0f Hz)",
                  name.c_str(), r.freq / 1e6, r.rate / 1e3, sym / 1e3, sps,
                  std::isnan(r.gain) ? "device default" : (format_number(r.gain) + " dB").c_str(),
                  r.antenna.empty() ? "default" : r.antenna.c_str(), sym / 128.0);
    return buf;
}

} // namespace semcom::apps
