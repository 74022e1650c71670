/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/channel.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <stdexcept>

namespace semcom {

double noise_variance_from_snr_db(double snr_db) { return std::pow(10.0, -snr_db / 10.0); }

double snr_db_from_noise_variance(double noise_var)
{
    if (!(noise_var > 0.0))
        return std::numeric_limits<double>::infinity();
    return -10.0 * std::log10(noise_var);
}

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

std::string ChannelConfig::spec() const
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
    return s.str();
}

std::string ChannelConfig::describe() const
{
    std::ostringstream s;
    s << spec();
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

BroadcastConfig BroadcastConfig::parse(const std::vector<std::string>& channels,
                                       const std::vector<float>& snrs_db,
                                       const std::string& fading_mode,
                                       const std::string& channels_name,
                                       const std::string& snrs_name)
{
    const std::size_t n_rx = snrs_db.size();
    if (n_rx == 0)
        throw std::invalid_argument(snrs_name + ": give one SNR (dB) per receiver");
    if (channels.size() != 1 && channels.size() != n_rx)
        throw std::invalid_argument(channels_name + " has " + std::to_string(channels.size()) +
                                    " entries for " + std::to_string(n_rx) + " receivers (" +
                                    snrs_name + "): give one for all, or one per receiver");
    BroadcastConfig b;
    b.mode = fading_mode_from_name(fading_mode);
    for (std::size_t r = 0; r < n_rx; ++r) {
        b.specs.push_back(channels.size() == 1 ? channels[0] : channels[r]);
        b.receivers.push_back(ChannelConfig::parse(b.specs.back(), snrs_db[r], b.mode));
    }
    return b;
}

Channel::Channel(const ChannelConfig& config, std::uint64_t seed)
    : d_config(config), d_gauss(seed)
{
    set_fading(config.fading, config.k_factor);
    set_snr_db(config.snr_db);
    new_block();
}

void Channel::set_fading(Fading fading, float k_factor)
{
    if (fading == Fading::rician && !(k_factor > 0.0f && std::isfinite(k_factor)))
        throw std::invalid_argument("channel: Rician K-factor must be > 0");
    const float k = fading == Fading::rician ? k_factor : 0.0f;
    d_config.fading = fading;
    d_config.k_factor = k;
    d_mu = std::sqrt(k / (k + 1.0f));
    d_scatter_std = std::sqrt(1.0f / (k + 1.0f) / 2.0f); // per real dimension
    if (fading == Fading::none)
        d_h = cfloat(1.0f, 0.0f);
}

void Channel::set_snr_db(float snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("channel: SNR must be finite");
    d_config.snr_db = snr_db;
    d_noise_var = static_cast<float>(noise_variance_from_snr_db(snr_db));
    d_noise_std = std::sqrt(d_noise_var / 2.0f);
}

cfloat Channel::draw_h()
{
    float g[2];
    d_gauss.fill(g, 2);
    return cfloat(d_mu + d_scatter_std * g[0], d_scatter_std * g[1]);
}

void Channel::new_block()
{
    if (d_config.fading != Fading::none && d_config.mode == FadingMode::block)
        d_h = draw_h();
}

void Channel::apply(const cfloat* x, cfloat* y, std::size_t n, cfloat* h)
{
    // Normals come in chunks from GaussianSource (vectorised), then one pass combines them.
    constexpr std::size_t chunk = 4096;
    const float s = d_noise_std;
    const bool per_symbol = d_config.fading != Fading::none && d_config.mode == FadingMode::per_symbol;
    const std::size_t per = per_symbol ? 4 : 2; // normals per symbol: noise (+ h)
    d_normals.resize(chunk * per);
    float* g = d_normals.data();
    for (std::size_t start = 0; start < n; start += chunk) {
        const std::size_t m = std::min(chunk, n - start);
        d_gauss.fill(g, m * per);
        const cfloat* xs = x + start;
        cfloat* ys = y + start;
        if (per_symbol) {
            for (std::size_t i = 0; i < m; ++i) {
                const cfloat hi(d_mu + d_scatter_std * g[4 * i], d_scatter_std * g[4 * i + 1]);
                ys[i] = hi * xs[i] + cfloat(s * g[4 * i + 2], s * g[4 * i + 3]);
                if (h)
                    h[start + i] = hi;
            }
        } else if (d_config.fading == Fading::none) {
            for (std::size_t i = 0; i < m; ++i)
                ys[i] = cfloat(xs[i].real() + s * g[2 * i], xs[i].imag() + s * g[2 * i + 1]);
        } else {
            const cfloat gain = d_h;
            for (std::size_t i = 0; i < m; ++i)
                ys[i] = gain * xs[i] + cfloat(s * g[2 * i], s * g[2 * i + 1]);
        }
    }
    if (h && !per_symbol)
        std::fill_n(h, n, d_h);
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
