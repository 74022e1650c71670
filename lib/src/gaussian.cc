/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/gaussian.h>

#include <cmath>

#ifdef SEMCOM_HAVE_VOLK
#include <volk/volk.h>
#else
#include <boost/random/normal_distribution.hpp>
#endif

namespace semcom {

std::string GaussianSource::implementation()
{
#ifdef SEMCOM_HAVE_VOLK
    return "volk";
#else
    return "ziggurat";
#endif
}

void GaussianSource::fill(float* out, std::size_t n)
{
#ifdef SEMCOM_HAVE_VOLK
    constexpr float two_pi = 6.28318530717958647692f;
    constexpr float minus_two_ln2 = -1.38629436111989061883f;
    constexpr float scale24 = 1.0f / 16777216.0f;
    const std::size_t pairs = (n + 1) / 2;
    if (d_radius.size() < pairs) {
        d_radius.resize(pairs);
        d_angle.resize(pairs);
        d_sin.resize(pairs);
        d_cos.resize(pairs);
    }
    for (std::size_t i = 0; i < pairs; ++i) {
        const std::uint64_t r = d_rng();
        d_radius[i] = (float(r >> 40) + 0.5f) * scale24;          // u1 in (0, 1)
        d_angle[i] = float(r & 0xffffffu) * (scale24 * two_pi);   // 2 pi u2
    }
    volk_32f_log2_32f(d_radius.data(), d_radius.data(), pairs);
    volk_32f_sin_32f(d_sin.data(), d_angle.data(), pairs);
    volk_32f_cos_32f(d_cos.data(), d_angle.data(), pairs);
    for (std::size_t i = 0; i < pairs; ++i)
        d_radius[i] = std::sqrt(minus_two_ln2 * d_radius[i]); // sqrt(-2 ln u1)
    const std::size_t full = n / 2;
    for (std::size_t i = 0; i < full; ++i) {
        out[2 * i] = d_radius[i] * d_cos[i];
        out[2 * i + 1] = d_radius[i] * d_sin[i];
    }
    if (n % 2)
        out[n - 1] = d_radius[full] * d_cos[full];
#else
    boost::random::normal_distribution<float> normal(0.0f, 1.0f);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = normal(d_rng);
#endif
}

} // namespace semcom
