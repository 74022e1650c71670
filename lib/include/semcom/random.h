/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_RANDOM_H
#define SEMCOM_RANDOM_H

#include <cstdint>
#include <limits>

namespace semcom {

/*!
 * \brief xoshiro256+ (Blackman & Vigna): a small, fast generator with 2^256 - 1 period.
 *
 * Satisfies UniformRandomBitGenerator, so Boost.Random's ziggurat normal distribution draws from
 * it. Seeded through splitmix64, so any 64-bit seed (including 0) gives a good state.
 * Channels need hundreds of millions of Gaussians per second; mt19937 is about twice as slow.
 */
class Xoshiro256Plus
{
public:
    using result_type = std::uint64_t;

    explicit Xoshiro256Plus(std::uint64_t seed = 0) { this->seed(seed); }

    void seed(std::uint64_t seed)
    {
        for (auto& word : d_s) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            word = z ^ (z >> 31);
        }
    }

    static constexpr result_type min() { return 0; }
    static constexpr result_type max() { return std::numeric_limits<result_type>::max(); }

    result_type operator()()
    {
        const std::uint64_t result = d_s[0] + d_s[3];
        const std::uint64_t t = d_s[1] << 17;
        d_s[2] ^= d_s[0];
        d_s[3] ^= d_s[1];
        d_s[1] ^= d_s[2];
        d_s[0] ^= d_s[3];
        d_s[2] ^= t;
        d_s[3] = (d_s[3] << 45) | (d_s[3] >> 19);
        return result;
    }

private:
    std::uint64_t d_s[4];
};

} // namespace semcom

#endif
