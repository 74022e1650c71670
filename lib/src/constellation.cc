/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/constellation.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace semcom {

namespace {

bool is_power_of_two(unsigned n) { return n >= 1 && (n & (n - 1)) == 0; }

unsigned log2u(unsigned n)
{
    unsigned b = 0;
    while ((1u << b) < n)
        ++b;
    return b;
}

} // namespace

unsigned gray_decode(unsigned g)
{
    unsigned n = g;
    for (unsigned shift = 1; shift < 32; shift <<= 1)
        n ^= n >> shift;
    return n;
}

Constellation::Constellation(std::vector<cfloat> points, std::string name)
    : d_points(std::move(points)), d_name(std::move(name))
{
}

Constellation Constellation::qam(unsigned order)
{
    if (order != 4 && order != 16 && order != 64 && order != 256)
        throw std::invalid_argument("Constellation::qam: order must be 4, 16, 64 or 256, got " +
                                    std::to_string(order));
    const unsigned side = static_cast<unsigned>(std::lround(std::sqrt(double(order))));
    const unsigned b = log2u(side);
    const double scale = 1.0 / std::sqrt(2.0 * (order - 1) / 3.0);

    std::vector<float> levels(side);
    std::vector<unsigned> codes(side);
    std::vector<float> amp_of_code(side);
    for (unsigned l = 0; l < side; ++l) {
        levels[l] = static_cast<float>((2.0 * l - (side - 1.0)) * scale);
        codes[l] = gray_encode(l);
        amp_of_code[codes[l]] = levels[l];
    }
    std::vector<cfloat> pts(order);
    for (unsigned s = 0; s < order; ++s)
        pts[s] = cfloat(amp_of_code[s >> b], amp_of_code[s & (side - 1)]);

    Constellation c(std::move(pts), std::to_string(order) + "qam");
    c.d_pam_levels = std::move(levels);
    c.d_pam_codes = std::move(codes);
    c.d_axis_bits = b;
    return c;
}

Constellation Constellation::bpsk()
{
    return Constellation({ cfloat(-1.0f, 0.0f), cfloat(1.0f, 0.0f) }, "bpsk");
}

Constellation Constellation::psk(unsigned order)
{
    if (!is_power_of_two(order) || order < 2 || order > 256)
        throw std::invalid_argument(
            "Constellation::psk: order must be a power of two in [2, 256], got " +
            std::to_string(order));
    if (order == 2)
        return bpsk();
    const double offset = M_PI / order;
    std::vector<cfloat> pts(order);
    for (unsigned m = 0; m < order; ++m) {
        const double phase = 2.0 * M_PI * gray_decode(m) / order + offset;
        pts[m] = cfloat(static_cast<float>(std::cos(phase)), static_cast<float>(std::sin(phase)));
    }
    return Constellation(std::move(pts), std::to_string(order) + "psk");
}

Constellation Constellation::custom(std::vector<cfloat> points, bool normalise, std::string name)
{
    if (points.size() < 2 || points.size() > 65536)
        throw std::invalid_argument("Constellation::custom: need 2..65536 points, got " +
                                    std::to_string(points.size()));
    if (normalise) {
        double p = 0.0;
        for (const auto& x : points)
            p += std::norm(x);
        p /= points.size();
        if (!(p > 0.0))
            throw std::invalid_argument("Constellation::custom: all points are zero");
        const float g = static_cast<float>(1.0 / std::sqrt(p));
        for (auto& x : points)
            x *= g;
    }
    return Constellation(std::move(points), std::move(name));
}

Constellation Constellation::from_name(const std::string& raw)
{
    std::string name;
    for (char ch : raw)
        if (!std::isspace(static_cast<unsigned char>(ch)))
            name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
    if (name == "bpsk")
        return bpsk();
    if (name == "qpsk")
        return qam(4);
    auto number_in = [&](const std::string& kind) -> long {
        std::string digits;
        if (name.size() > kind.size() && name.compare(0, kind.size(), kind) == 0)
            digits = name.substr(kind.size());
        else if (name.size() > kind.size() &&
                 name.compare(name.size() - kind.size(), kind.size(), kind) == 0)
            digits = name.substr(0, name.size() - kind.size());
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), ::isdigit) ||
            digits.size() > 5)
            return -1;
        return std::stol(digits);
    };
    try {
        if (long m = number_in("qam"); m > 0)
            return qam(static_cast<unsigned>(m));
        if (long m = number_in("psk"); m > 0)
            return psk(static_cast<unsigned>(m));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument("constellation '" + raw + "': " + e.what());
    }
    throw std::invalid_argument("unknown constellation '" + raw +
                                "' (expected e.g. 4qam, 16qam, 64qam, 256qam, bpsk, qpsk, 8psk)");
}

unsigned Constellation::bits_per_symbol() const
{
    if (!is_power_of_two(order()))
        throw std::logic_error("constellation '" + d_name + "' has " + std::to_string(order()) +
                               " points, not a power of two: no bit labels");
    return log2u(order());
}

float Constellation::average_power() const
{
    double p = 0.0;
    for (const auto& x : d_points)
        p += std::norm(x);
    return static_cast<float>(p / d_points.size());
}

unsigned Constellation::decide(cfloat y) const
{
    if (is_square()) {
        // Per-axis nearest level: the levels are uniform, so it is a rounding.
        const unsigned side = static_cast<unsigned>(d_pam_levels.size());
        const float step = d_pam_levels[1] - d_pam_levels[0];
        auto level = [&](float v) {
            const float l = std::nearbyint((v - d_pam_levels[0]) / step);
            return static_cast<unsigned>(std::clamp(l, 0.0f, float(side - 1)));
        };
        return (d_pam_codes[level(y.real())] << d_axis_bits) | d_pam_codes[level(y.imag())];
    }
    unsigned best = 0;
    float best_d = std::numeric_limits<float>::infinity();
    for (unsigned m = 0; m < d_points.size(); ++m) {
        const float d = std::norm(y - d_points[m]);
        if (d < best_d) {
            best_d = d;
            best = m;
        }
    }
    return best;
}

void Constellation::decide(const cfloat* in, std::uint8_t* out, std::size_t n) const
{
    if (order() > 256)
        throw std::logic_error("decide to uint8 needs at most 256 points");
    for (std::size_t i = 0; i < n; ++i)
        out[i] = static_cast<std::uint8_t>(decide(in[i]));
}

float Constellation::max_distance(const std::vector<cfloat>& other) const
{
    if (other.size() != d_points.size())
        return std::numeric_limits<float>::infinity();
    float worst = 0.0f;
    for (std::size_t i = 0; i < other.size(); ++i)
        worst = std::max(worst, std::abs(other[i] - d_points[i]));
    return worst;
}

} // namespace semcom
