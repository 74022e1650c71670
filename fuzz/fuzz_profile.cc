/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the USRP hardware profile reader (semcom::hardware::Profile::parse, the
 * flat YAML of hardware/profiles, read by yaml-cpp). Whatever the text, parse either refuses it with
 * one line that names the file (std::invalid_argument; any other exception escapes and is a
 * finding), or returns known keys whose numbers are finite and whose clock and time sources are
 * ones the radio takes.
 */
#include "fuzz_util.h"

#include <semcom/hardware/profile.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using semcom::hardware::Profile;
    const std::string path = "fuzz/profile.yaml";
    try {
        const Profile p = Profile::parse(std::string(reinterpret_cast<const char*>(data), size), path);
        if (p.values().empty())
            std::abort();
        for (const auto& [key, value] : p.values())
            if (!semcom::hardware::profile_keys().count(key))
                std::abort();
        for (const char* k : { "sample_rate", "center_freq", "tx_gain", "rx_gain", "master_clock_rate" })
            if (p.has(k) && !std::isfinite(p.number(k)))
                std::abort();
    } catch (const std::invalid_argument& e) {
        semcom_fuzz::check_message(e.what(), path);
    }
    return 0;
}
