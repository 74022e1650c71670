/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// Shaped bursts through delay, multipath, CFO and AWGN: the channel of the waveform tests and of
// the header-error curve (lib/bench/header_error_curve.cc).
#ifndef SEMCOM_TESTS_BURST_CAPTURE_H
#define SEMCOM_TESTS_BURST_CAPTURE_H

#include <semcom/waveform.h>

#include <cmath>
#include <random>
#include <vector>

namespace semcom {
namespace testing_support {

inline std::vector<cfloat> random_qam64(std::size_t n, std::mt19937& rng)
{
    std::vector<cfloat> v(n);
    const float s = 1.0f / std::sqrt(42.0f);
    for (auto& x : v)
        x = cfloat(float(int(rng() % 8) * 2 - 7) * s, float(int(rng() % 8) * 2 - 7) * s);
    return v;
}

struct Impairments {
    float snr_db = 20.0f;
    float cfo = 0.0f;       //!< cycles per symbol
    float delay = 0.0f;     //!< fractional sample delay
    std::vector<cfloat> multipath{ { 1.0f, 0.0f } }; //!< sample-spaced taps
    bool noise = true;
    int images = 1;               //!< images per burst
    std::size_t payload = 0;      //!< symbols per image (0: 96..159 at random)
    std::vector<std::uint8_t> side; //!< every burst's side-information bytes (SideInfo::serialize), or none
};

struct Burst {
    FrameHeader header;
    std::vector<cfloat> payload; //!< every image's symbols
    std::size_t at = 0; //!< sample where its shaped samples begin
    //! image i's symbols
    std::vector<cfloat> image(std::size_t i) const
    {
        const std::size_t n = header.payload_symbols;
        return { payload.begin() + std::ptrdiff_t(i * n), payload.begin() + std::ptrdiff_t((i + 1) * n) };
    }
};

struct Capture {
    std::vector<cfloat> samples;
    std::vector<Burst> bursts;
};

// Shaped bursts with random gaps, then delay, multipath, a random phase per burst, CFO and AWGN
// at the given symbol SNR (unit-energy pulse: sigma^2 = 10^(-snr/10) per sample).
inline Capture capture(const WaveformConfig& cfg, int bursts, const Impairments& imp, unsigned seed)
{
    std::mt19937 rng(seed);
    const FrameFormat fmt(cfg.pilots, cfg.spreading);
    const PulseShaper shaper(cfg);
    Capture c;
    std::vector<cfloat> clean(1000, cfloat(0, 0));
    for (int b = 0; b < bursts; ++b) {
        Burst burst;
        burst.header.sequence = std::uint32_t(b * imp.images);
        burst.header.payload_symbols = std::uint16_t(imp.payload ? imp.payload : 96 + rng() % 64);
        burst.header.layers = 2;
        burst.header.images = std::uint8_t(imp.images);
        burst.header.spreading = std::uint8_t(cfg.spreading);
        burst.header.side_blocks = std::uint8_t(imp.side.size() / 8);
        burst.payload = random_qam64(burst.header.data_symbols(), rng);
        const auto symbols = fmt.build(burst.header, burst.payload.data(), burst.payload.size(), imp.side);
        auto shaped = shaper.shape(symbols.data(), symbols.size());
        const float phase = float(rng() % 628) / 100.0f;
        burst.at = clean.size();
        for (auto& s : shaped)
            clean.push_back(s * std::polar(1.0f, phase));
        clean.resize(clean.size() + 300 + rng() % 700, cfloat(0, 0));
        c.bursts.push_back(std::move(burst));
    }
    // fractional delay: a Hann-windowed sinc interpolator, 32 taps
    std::vector<cfloat> delayed(clean.size(), cfloat(0, 0));
    const int half = 16;
    std::vector<float> frac(2 * half);
    for (int j = 0; j < 2 * half; ++j) {
        const double t = double(j - half + 1) - imp.delay;
        const double sinc = std::abs(t) < 1e-9 ? 1.0 : std::sin(M_PI * t) / (M_PI * t);
        frac[j] = float(sinc * (0.5 + 0.5 * std::cos(M_PI * t / (half + 1))));
    }
    for (std::size_t m = half; m + half < clean.size(); ++m)
        for (int j = 0; j < 2 * half; ++j)
            delayed[m] += frac[j] * clean[m - std::size_t(j) + std::size_t(half) - 1];
    c.samples.assign(delayed.size(), cfloat(0, 0));
    for (std::size_t m = 0; m < delayed.size(); ++m)
        for (std::size_t k = 0; k < imp.multipath.size() && k <= m; ++k)
            c.samples[m] += imp.multipath[k] * delayed[m - k];
    BurstDetector::correct_cfo(c.samples.data(), c.samples.size(), -imp.cfo / float(cfg.sps));
    if (imp.noise) {
        std::normal_distribution<float> n(0.0f, std::sqrt(0.5f * std::pow(10.0f, -imp.snr_db / 10.0f)));
        for (auto& s : c.samples)
            s += cfloat(n(rng), n(rng));
    }
    return c;
}

} // namespace testing_support
} // namespace semcom

#endif
