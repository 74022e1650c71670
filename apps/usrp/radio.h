/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The radio side of `semcom tx` / `semcom rx`: the settings from a profile and the options
 * (profile.cc), finding and configuring the USRP (radio.cc).
 */
#ifndef SEMCOM_APPS_USRP_RADIO_H
#define SEMCOM_APPS_USRP_RADIO_H

#include "usrp.h"

#include <gnuradio/uhd/usrp_block.h>

#include <cmath>
#include <string>

namespace semcom::apps {

//! The settings of one USRP: the options given, else the profile's values, else defaults.
struct Radio {
    std::string args;        //!< as searched for (user's or profile's)
    std::string make_args;   //!< args + master_clock_rate where the device takes one
    std::string device_kind; //!< the profile's device, or empty
    double rate = 400e3, freq = NAN, gain = NAN, master_clock_rate = 0.0, max_rx_input_dbm = NAN;
    std::string antenna, clock_source, time_source, otw = "sc16";
};

//! --profile and the radio options merged and checked (profile.cc).
Radio resolve_radio(const UsrpOptions& o);

//! "1e+06" -> as printed in messages: the shortest form of a number.
std::string format_number(double v);
//! The first line of a (UHD) error message.
std::string first_line(const std::string& s);

//! Was UHD_LOG_CONSOLE_LEVEL set by the user (then UHD's log is theirs to control)?
bool uhd_log_from_user();
void set_uhd_log_from_user(bool from_user);

/*!
 * Looks for the USRP of r.args. None, or a failed search: one line on stderr
 * ("semcom ROLE: no USRP found for device args '...'") and false. Else its name in found_name.
 */
bool find_usrp(const std::string& role, const Radio& r, std::string& found_name, bool quiet);

//! Rate, frequency, gain, antenna, reference and time on one USRP, each checked against what the
//! device can do (a wrong value is one line, not a UHD warning lost in the output).
void configure(gr::uhd::usrp_block& u, const Radio& r);

//! One line for the log: name, frequency, rates, gain, antenna (or "no radio" for a file).
std::string describe_radio(const Radio& r, int sps, const std::string& name, bool file);

} // namespace semcom::apps

#endif
