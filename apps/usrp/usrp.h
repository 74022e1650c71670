/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_USRP_H
#define SEMCOM_APPS_USRP_H

#include <CLI/CLI.hpp>
#include <semcom/frame.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace semcom::apps {

//! Options of `semcom tx` and `semcom rx` (one instance per subcommand). NaN / empty: not given,
//! the profile's value (or the device's default) is used.
struct UsrpOptions {
    std::string role; //!< "tx" or "rx"
    // Radio
    std::string profile;     //!< hardware/profiles/NAME.yaml, or NAME
    std::string args;        //!< UHD device args
    CLI::Option* args_option = nullptr; //!< was --args given (an empty string is valid)
    double rate = NAN;       //!< samples/s
    double freq = NAN;       //!< centre frequency, Hz
    double gain = NAN;       //!< dB
    std::string antenna;
    std::string clock_source; //!< internal | external | gpsdo | mimo
    std::string time_source;  //!< internal | external | gpsdo | mimo
    std::string file;         //!< tx: write samples here, rx: read them (no USRP)
    // Burst PHY
    int sps = 4;
    float rolloff = 0.35f;
    int pilots = 32;
    int spreading = 1;          //!< preamble, header and pilots this many times longer (same at tx and rx)
    int images_per_burst = 8;   //!< tx: images in one burst
    int gap = 1000;             //!< tx: zero samples after each burst
    double amplitude = NAN;     //!< tx: symbol amplitude (NaN: RMS sample magnitude 0.25)
    float threshold = ::semcom::BurstDetector::default_threshold; //!< rx: detection threshold
    // Semantic payload
    std::string scheme = "deepscm";
    std::string models;
    int images = 100;
    int seed = 0;               //!< 0: the test set in order, else shuffled with this seed
    int receiver = 1;           //!< rx: whose decoder (PREFIX_rxK)
    std::string device = "auto";
    // Run
    double start_delay = NAN;   //!< s; tx: first burst at device time now + this; rx: stream start
    double duration = 0.0;      //!< rx: stop after this many seconds (0: no limit)
    double idle_timeout = 10.0; //!< rx: stop this long after the last burst
    std::string json;
    std::string out_dir = "results/rx";
    bool quiet = false;
};

void add_usrp_commands(CLI::App& app, UsrpOptions& tx, UsrpOptions& rx);
//! Returns the exit status: 1 when no USRP answers (one line on stderr); throws on bad input.
int run_usrp(const UsrpOptions& options);

} // namespace semcom::apps

#endif
