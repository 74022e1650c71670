/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_HARDWARE_PROFILE_H
#define SEMCOM_HARDWARE_PROFILE_H

#include <map>
#include <set>
#include <string>

namespace semcom::hardware {

/*!
 * \brief A USRP profile (hardware/profiles/NAME.yaml): the radio settings of one device kind.
 *
 * A flat YAML mapping "key: value" of the keys in profile_keys() (device, args,
 * master_clock_rate, sample_rate, center_freq, tx_gain, rx_gain, tx_antenna, rx_antenna,
 * clock_source, time_source, otw_format, max_rx_input_dbm); none is required, the programs fall
 * back on their own defaults. load() refuses, naming the file and the line: a file that is not
 * YAML, an empty one, an unknown key (a typo must not pass silently), a key given twice, a value
 * that is not a plain scalar (a list, a nested mapping), a number field that is not a number, a
 * clock or time source other than internal, external, gpsdo or mimo. Values are kept as written
 * (text); number() converts. The GRC flowgraphs and tests/qa_hardware_profiles.py read the same
 * files.
 */
class Profile
{
public:
    //! Reads and checks a profile; std::invalid_argument "'PATH', line N: ..." when it is wrong.
    static Profile load(const std::string& path);
    //! The same for a profile's text (\p path only names it in errors; the fuzz target's entry).
    static Profile parse(const std::string& text, const std::string& path);
    //! A profile is a dozen lines: a larger file is refused before it is read.
    static constexpr std::size_t max_bytes = 64 * 1024;

    const std::string& path() const { return d_path; }
    bool has(const std::string& key) const { return d_values.count(key) != 0; }
    //! The value as written; std::out_of_range when the key is absent.
    const std::string& text(const std::string& key) const { return d_values.at(key); }
    //! The value as a finite number; std::invalid_argument "'PATH': KEY = 'V' is not a number".
    double number(const std::string& key) const;
    const std::map<std::string, std::string>& values() const { return d_values; }

private:
    static Profile parse_checked(const std::string& text, const std::string& path);

    std::string d_path;
    std::map<std::string, std::string> d_values;
};

//! The keys a profile may have.
const std::set<std::string>& profile_keys();

} // namespace semcom::hardware

#endif
