/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/snr_feedback.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

namespace semcom {

namespace {

std::string db(double v)
{
    char s[32];
    std::snprintf(s, sizeof s, "%.2f", v);
    return s;
}

std::string bound(double v)
{
    char s[32];
    std::snprintf(s, sizeof s, "%g", v);
    return s;
}

} // namespace

std::string SnrTable::Update::describe() const
{
    if (!accepted)
        return reason;
    std::string s = "receiver " + std::to_string(receiver) + ": " + db(old_db) + " -> " + db(new_db) + " dB";
    if (clamped)
        s += " (reported " + db(reported_db) + ", clamped to the trained range)";
    else
        s += " (not clamped)";
    return s;
}

SnrTable::SnrTable(std::size_t receivers, float default_db, std::vector<Range> ranges)
    : d_values(receivers, default_db), d_reported(receivers, false), d_ranges(std::move(ranges))
{
    if (receivers < 1)
        throw std::invalid_argument("SNR table: at least one receiver");
    if (!std::isfinite(default_db))
        throw std::invalid_argument("SNR table: the default SNR must be finite");
    if (!d_ranges.empty() && d_ranges.size() != receivers)
        throw std::invalid_argument("SNR table: " + std::to_string(d_ranges.size()) + " trained ranges for " +
                                    std::to_string(receivers) + " receivers");
    for (const auto& r : d_ranges)
        if (!std::isfinite(r.lo) || !std::isfinite(r.hi) || r.lo > r.hi)
            throw std::invalid_argument("SNR table: trained range [" + bound(r.lo) + ", " + bound(r.hi) +
                                        "] is not a finite range");
}

SnrTable::Update SnrTable::report(long receiver, double snr_db)
{
    Update u;
    u.receiver = int(receiver);
    u.reported_db = snr_db;
    if (receiver < 1 || std::size_t(receiver) > d_values.size()) {
        u.reason = "SNR report for receiver " + std::to_string(receiver) + ": not one of the receivers 1.." +
                   std::to_string(d_values.size());
        return u;
    }
    if (!std::isfinite(snr_db)) {
        u.reason = "SNR report for receiver " + std::to_string(receiver) + ": " + db(snr_db) +
                   " dB is not a finite number";
        return u;
    }
    auto& v = d_values[std::size_t(receiver - 1)];
    double used = snr_db;
    if (!d_ranges.empty()) {
        const auto& r = d_ranges[std::size_t(receiver - 1)];
        used = std::clamp(snr_db, r.lo, r.hi);
        u.clamped = used != snr_db;
    }
    u.accepted = true;
    u.old_db = v;
    u.new_db = float(used);
    v = u.new_db;
    d_reported[std::size_t(receiver - 1)] = true;
    return u;
}

void SnrTable::set_all(const std::vector<float>& snr_db)
{
    if (snr_db.size() != d_values.size())
        throw std::invalid_argument("SNR table: " + std::to_string(snr_db.size()) + " values for " +
                                    std::to_string(d_values.size()) + " receivers");
    for (float v : snr_db)
        if (!std::isfinite(v))
            throw std::invalid_argument("SNR table: SNR values must be finite");
    d_values = snr_db;
}

float SnrTable::value(long receiver) const
{
    if (receiver < 1 || std::size_t(receiver) > d_values.size())
        throw std::out_of_range("SNR table: no receiver " + std::to_string(receiver));
    return d_values[std::size_t(receiver - 1)];
}

bool SnrTable::reported(long receiver) const
{
    return receiver >= 1 && std::size_t(receiver) <= d_values.size() && d_reported[std::size_t(receiver - 1)];
}

SnrTracker::SnrTracker(double weight) : d_weight(weight)
{
    if (!(weight > 0.0 && weight <= 1.0))
        throw std::invalid_argument("SNR tracker: the weight must be in (0, 1], got " + bound(weight));
}

bool SnrTracker::add(double snr_db)
{
    if (!std::isfinite(snr_db))
        return false;
    d_mean = (1.0 - d_weight) * d_mean + d_weight * std::pow(10.0, snr_db / 10.0);
    d_decay *= 1.0 - d_weight;
    ++d_frames;
    return true;
}

double SnrTracker::snr_db() const
{
    if (d_frames == 0)
        return std::numeric_limits<double>::quiet_NaN();
    return 10.0 * std::log10(d_mean / (1.0 - d_decay));
}

} // namespace semcom
