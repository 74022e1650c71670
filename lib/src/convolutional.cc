/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/convolutional.h>

#include <array>
#include <bitset>
#include <limits>
#include <stdexcept>
#include <string>

namespace semcom {

namespace {

constexpr unsigned states = 1u << (ConvolutionalCode::constraint - 1);
constexpr unsigned g0 = 0171, g1 = 0133;

unsigned parity(unsigned v) { return std::bitset<32>(v).count() & 1u; }

// Output pair of shifting `bit` into `state` (state = the last 6 input bits, newest in bit 5).
inline void outputs(unsigned state, unsigned bit, unsigned& a, unsigned& b)
{
    const unsigned reg = (bit << 6) | state;
    a = parity(reg & g0);
    b = parity(reg & g1);
}

} // namespace

std::vector<std::uint8_t> ConvolutionalCode::encode(const std::vector<std::uint8_t>& bits)
{
    std::vector<std::uint8_t> out;
    out.reserve(2 * (bits.size() + tail));
    unsigned state = 0;
    auto push = [&](unsigned bit) {
        unsigned a, b;
        outputs(state, bit & 1u, a, b);
        out.push_back(std::uint8_t(a));
        out.push_back(std::uint8_t(b));
        state = ((bit & 1u) << 5) | (state >> 1);
    };
    for (auto b : bits)
        push(b);
    for (unsigned i = 0; i < tail; ++i)
        push(0);
    return out;
}

std::vector<std::uint8_t> ConvolutionalCode::decode(const float* soft, std::size_t n_soft)
{
    if (n_soft % 2 || n_soft < 2 * (tail + 1))
        throw std::invalid_argument("convolutional decode: need an even number of soft values covering at "
                                    "least one bit and the tail, got " + std::to_string(n_soft));
    const std::size_t steps = n_soft / 2;
    const float inf = std::numeric_limits<float>::infinity();
    std::array<float, states> metric, next;
    metric.fill(-inf);
    metric[0] = 0.0f;
    std::vector<std::array<std::uint8_t, states>> from(steps); // predecessor state per step
    for (std::size_t t = 0; t < steps; ++t) {
        next.fill(-inf);
        const float s0 = soft[2 * t], s1 = soft[2 * t + 1];
        for (unsigned st = 0; st < states; ++st) {
            if (metric[st] == -inf)
                continue;
            for (unsigned bit = 0; bit < 2; ++bit) {
                unsigned a, b;
                outputs(st, bit, a, b);
                // correlation metric: +s for a 1, -s for a 0
                const float m = metric[st] + (a ? s0 : -s0) + (b ? s1 : -s1);
                const unsigned ns = (bit << 5) | (st >> 1);
                if (m > next[ns]) {
                    next[ns] = m;
                    from[t][ns] = std::uint8_t(st);
                }
            }
        }
        metric = next;
    }
    // terminated: trace back from state 0
    std::vector<std::uint8_t> bits(steps);
    unsigned st = 0;
    for (std::size_t t = steps; t-- > 0;) {
        bits[t] = std::uint8_t(st >> 5); // the bit that entered at step t
        st = from[t][st];
    }
    bits.resize(steps - tail);
    return bits;
}

} // namespace semcom
