/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/asc.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace semcom::asc {

namespace {

void require_positive(double value, const char* what)
{
    if (!std::isfinite(value) || value <= 0.0)
        throw std::invalid_argument(std::string(what) + " must be finite and > 0, not " + std::to_string(value));
}

} // namespace

std::size_t dropped_features(double ratio, std::size_t features)
{
    if (!std::isfinite(ratio) || ratio < 0.0 || ratio > 1.0)
        throw std::invalid_argument("compression ratio must be in [0, 1], not " + std::to_string(ratio));
    const auto dropped = static_cast<std::size_t>(std::floor(ratio * double(features) + 1e-9));
    return dropped > features ? features : dropped;
}

std::vector<bool> keep_mask(const std::vector<int>& order, double ratio)
{
    const std::size_t k = order.size();
    std::vector<bool> seen(k, false);
    for (const int index : order) {
        if (index < 0 || static_cast<std::size_t>(index) >= k || seen[index])
            throw std::invalid_argument("asc order is not a permutation of 0.." + std::to_string(k == 0 ? 0 : k - 1) +
                                        " (entry " + std::to_string(index) + ")");
        seen[index] = true;
    }
    std::vector<bool> keep(k, true);
    const std::size_t dropped = dropped_features(ratio, k);
    for (std::size_t i = 0; i < dropped; ++i)
        keep[order[i]] = false;
    return keep;
}

double OutageLink::threshold(double bits) const
{
    const double spectral_efficiency = bits / (bandwidth_hz * delay_s);
    // 2^1000 overflows nothing yet, but beyond it no gain of any physical size helps
    if (spectral_efficiency > 1000.0)
        return std::numeric_limits<double>::infinity();
    return noise_psd_w_per_hz * bandwidth_hz * std::expm1(spectral_efficiency * std::log(2.0)) / power_w;
}

bool OutageLink::delivered(double bits, double abs_h) const
{
    const double snr = abs_h * power_w / (noise_psd_w_per_hz * bandwidth_hz);
    return bandwidth_hz * std::log2(1.0 + snr) * delay_s >= bits;
}

double OutageLink::success_probability(double bits) const
{
    // P(|N(0, δ²)| >= θ) = 2 Q(θ / δ) = erfc(θ / (δ √2))
    return std::erfc(threshold(bits) / (gain * std::sqrt(2.0)));
}

void OutageLink::validate() const
{
    require_positive(bandwidth_hz, "bandwidth_hz");
    require_positive(power_w, "power_w");
    require_positive(noise_psd_w_per_hz, "noise_psd_w_per_hz");
    require_positive(gain, "gain");
    require_positive(delay_s, "delay_s");
}

HalfNormalGain::HalfNormalGain(double scale, std::uint64_t seed)
    : d_scale(scale), d_normal(seed), d_block(1024), d_next(d_block.size())
{
    require_positive(scale, "half-normal gain scale");
}

double HalfNormalGain::operator()()
{
    if (d_next == d_block.size()) {
        d_normal.fill(d_block.data(), d_block.size());
        d_next = 0;
    }
    return d_scale * std::fabs(double(d_block[d_next++]));
}

double Cell::path_gain(double distance_m) const
{
    require_positive(distance_m, "distance_m");
    return std::pow(10.0, -(pathloss_a_db + pathloss_b_db * std::log10(distance_m / 1000.0)) / 10.0);
}

std::vector<double> Cell::drop(std::size_t users, std::uint64_t seed) const
{
    validate();
    Xoshiro256Plus rng(seed);
    constexpr double to_unit = 1.0 / 9007199254740992.0;
    const double r0 = min_distance_m * min_distance_m, r1 = radius_m * radius_m;
    std::vector<double> distances(users);
    for (auto& d : distances)
        d = std::sqrt(r0 + (r1 - r0) * double(rng() >> 11) * to_unit);
    return distances;
}

void Cell::validate() const
{
    require_positive(min_distance_m, "cell min_distance_m");
    require_positive(radius_m, "cell radius_m");
    if (min_distance_m >= radius_m)
        throw std::invalid_argument("cell: min_distance_m (" + std::to_string(min_distance_m) +
                                    ") must be below radius_m (" + std::to_string(radius_m) + ")");
    if (!std::isfinite(pathloss_a_db) || !std::isfinite(pathloss_b_db))
        throw std::invalid_argument("cell: pathloss_db must be two finite numbers");
}

} // namespace semcom::asc
