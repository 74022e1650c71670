/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/channel.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace semcom {

ChannelConfig ChannelConfig::parse(const std::string& spec, float snr_db, FadingMode mode)
{
    ChannelConfig c;
    c.snr_db = snr_db;
    c.mode = mode;
    if (spec == "awgn") {
        c.fading = Fading::none;
    } else if (spec == "rayleigh") {
        c.fading = Fading::rayleigh;
    } else if (spec.rfind("rician:", 0) == 0) {
        const std::string k = spec.substr(7);
        char* end = nullptr;
        const float kf = std::strtof(k.c_str(), &end);
        if (k.empty() || *end != '\0' || !(kf > 0.0f) || !std::isfinite(kf))
            throw std::invalid_argument("channel '" + spec +
                                        "': Rician K-factor must be a number > 0 (e.g. rician:2)");
        c.fading = Fading::rician;
        c.k_factor = kf;
    } else {
        throw std::invalid_argument("unknown channel '" + spec +
                                    "' (expected awgn, rayleigh or rician:K)");
    }
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("channel '" + spec + "': SNR must be finite");
    return c;
}

std::string ChannelConfig::describe() const
{
    std::ostringstream s;
    switch (fading) {
    case Fading::none:
        s << "awgn";
        break;
    case Fading::rayleigh:
        s << "rayleigh";
        break;
    case Fading::rician:
        s << "rician:" << k_factor;
        break;
    }
    if (fading != Fading::none)
        s << (mode == FadingMode::block ? " (block)" : " (per-symbol)");
    s << " " << snr_db << " dB";
    return s.str();
}

FadingMode fading_mode_from_name(const std::string& name)
{
    if (name == "block")
        return FadingMode::block;
    if (name == "per_symbol" || name == "symbol")
        return FadingMode::per_symbol;
    throw std::invalid_argument("unknown fading mode '" + name +
                                "' (expected block or per_symbol)");
}

Channel::Channel(const ChannelConfig& config, std::uint64_t seed)
    : d_config(config), d_rng(seed), d_normal(0.0f, 1.0f)
{
    if (config.fading == Fading::rician && !(config.k_factor > 0.0f))
        throw std::invalid_argument("channel: Rician K-factor must be > 0");
    const float k = config.fading == Fading::rician ? config.k_factor : 0.0f;
    d_mu = std::sqrt(k / (k + 1.0f));
    d_scatter_std = std::sqrt(1.0f / (k + 1.0f) / 2.0f); // per real dimension
    set_snr_db(config.snr_db);
    new_block();
}

void Channel::set_snr_db(float snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("channel: SNR must be finite");
    d_config.snr_db = snr_db;
    d_noise_var = std::pow(10.0f, -snr_db / 10.0f);
    d_noise_std = std::sqrt(d_noise_var / 2.0f);
}

cfloat Channel::draw_h()
{
    const float re = d_normal(d_rng);
    const float im = d_normal(d_rng);
    return cfloat(d_mu + d_scatter_std * re, d_scatter_std * im);
}

void Channel::new_block()
{
    if (d_config.fading != Fading::none && d_config.mode == FadingMode::block)
        d_h = draw_h();
}

void Channel::apply(const cfloat* x, cfloat* y, std::size_t n, cfloat* h)
{
    const float s = d_noise_std;
    if (d_config.fading == Fading::none || d_config.mode == FadingMode::block) {
        const cfloat g = d_h;
        if (d_config.fading == Fading::none) {
            for (std::size_t i = 0; i < n; ++i) {
                const float nr = d_normal(d_rng), ni = d_normal(d_rng);
                y[i] = cfloat(x[i].real() + s * nr, x[i].imag() + s * ni);
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                const float nr = d_normal(d_rng), ni = d_normal(d_rng);
                y[i] = g * x[i] + cfloat(s * nr, s * ni);
            }
        }
        if (h)
            std::fill_n(h, n, g);
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        const cfloat g = draw_h();
        const float nr = d_normal(d_rng), ni = d_normal(d_rng);
        y[i] = g * x[i] + cfloat(s * nr, s * ni);
        if (h)
            h[i] = g;
    }
}

namespace {
std::uint64_t receiver_seed(std::uint64_t seed, std::size_t r)
{
    // splitmix-style mixing so that neighbouring (seed, r) pairs give unrelated streams
    std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (r + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
} // namespace

BroadcastChannel::BroadcastChannel(const std::vector<ChannelConfig>& receivers,
                                   std::uint64_t seed)
{
    if (receivers.empty())
        throw std::invalid_argument("broadcast channel: need at least one receiver");
    for (std::size_t r = 0; r < receivers.size(); ++r)
        d_channels.emplace_back(receivers[r], receiver_seed(seed, r));
}

void BroadcastChannel::apply(const cfloat* x, cfloat* const* y, std::size_t n, cfloat* const* h)
{
    for (std::size_t r = 0; r < d_channels.size(); ++r)
        d_channels[r].apply(x, y[r], n, h ? h[r] : nullptr);
}

void BroadcastChannel::new_block()
{
    for (auto& c : d_channels)
        c.new_block();
}

} // namespace semcom
