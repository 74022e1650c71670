/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_CHANNEL_H
#define SEMCOM_CHANNEL_H

#include <semcom/constellation.h>
#include <semcom/gaussian.h>

#include <cstdint>
#include <string>
#include <vector>

namespace semcom {

/*!
 * SNR <-> noise variance, the one conversion of DESIGN §4: SNR_dB = 10 log10(P / sigma^2) with
 * unit signal power P = 1 and complex noise CN(0, sigma^2) (sigma^2 / 2 per real dimension).
 * Every block and app that turns one into the other calls these two.
 */
double noise_variance_from_snr_db(double snr_db);
//! The inverse: 10 log10(1 / noise_var); +inf for a noise variance of 0.
double snr_db_from_noise_variance(double noise_var);

enum class Fading { none, rayleigh, rician };
enum class FadingMode {
    block,     //!< one h per frame: call Channel::new_block() at each frame start
    per_symbol //!< an independent h for every symbol
};

/*!
 * \brief One receiver's channel: y = h x + n (DESIGN §4).
 *
 * - SNR_dB = 10 log10(P / sigma^2) with P = 1 and n ~ CN(0, sigma^2): sigma^2 / 2 per real
 *   dimension. The input is assumed to have unit average power (every mapper here guarantees it).
 * - Rayleigh: h ~ CN(0, 1). Rician with K-factor: h ~ CN(mu, s^2), mu = sqrt(K / (K + 1)),
 *   s^2 = 1 / (K + 1), so E|h|^2 = 1 and the line-of-sight part has zero phase.
 */
struct ChannelConfig {
    Fading fading = Fading::none;
    float k_factor = 0.0f; //!< Rician K (linear), > 0
    FadingMode mode = FadingMode::block;
    float snr_db = 10.0f;

    //! "awgn", "rayleigh", "rician:K" (K linear, e.g. rician:2), with SNR and fading mode.
    static ChannelConfig parse(const std::string& spec, float snr_db,
                               FadingMode mode = FadingMode::block);
    //! The spec as parse takes it: "awgn", "rayleigh", "rician:2".
    std::string spec() const;
    //! The spec with the fading mode and SNR: "rician:2 (block) 10 dB".
    std::string describe() const;
};

FadingMode fading_mode_from_name(const std::string& name);

/*!
 * \brief The receivers of one broadcast, validated once: a channel spec for all receivers or one
 * per receiver, an SNR per receiver, one fading mode.
 *
 * Apps and blocks that take "--channel awgn,rayleigh --snr -5,20 --fading block" build this and
 * never index the channel list themselves. The error messages name the options as the caller
 * calls them (\p channels_name, \p snrs_name), e.g. "--channel has 2 entries for 3 receivers".
 */
struct BroadcastConfig {
    std::vector<ChannelConfig> receivers;
    std::vector<std::string> specs; //!< receiver r's channel spec as given ("rician:2")
    FadingMode mode = FadingMode::block;

    static BroadcastConfig parse(const std::vector<std::string>& channels,
                                 const std::vector<float>& snrs_db,
                                 const std::string& fading_mode = "block",
                                 const std::string& channels_name = "channels",
                                 const std::string& snrs_name = "snrs");

    std::size_t size() const { return receivers.size(); }
    const ChannelConfig& operator[](std::size_t r) const { return receivers.at(r); }
};

class Channel
{
public:
    Channel(const ChannelConfig& config, std::uint64_t seed);

    const ChannelConfig& config() const { return d_config; }
    float noise_var() const { return d_noise_var; }
    void set_snr_db(float snr_db);
    /*!
     * Another fading (AWGN, Rayleigh, Rician K) from now on, the SNR, fading mode and generator
     * kept: a live channel-model control. Block fading draws the next h at the next frame.
     */
    void set_fading(Fading fading, float k_factor = 0.0f);

    /*!
     * y[i] = h_i x[i] + n_i. If \p h is not null it receives the h used for every symbol
     * (the perfect CSI a genie receiver would have). x and y may be the same buffer.
     */
    void apply(const cfloat* x, cfloat* y, std::size_t n, cfloat* h = nullptr);
    //! Draws a new block-fading coefficient (no-op for AWGN and per-symbol fading).
    void new_block();
    //! The current block coefficient (1 for AWGN).
    cfloat block_gain() const { return d_h; }

private:
    cfloat draw_h();

    ChannelConfig d_config;
    float d_noise_var;
    float d_noise_std; //!< per real dimension
    float d_mu;        //!< Rician line-of-sight amplitude
    float d_scatter_std;
    GaussianSource d_gauss;
    std::vector<float> d_normals; //!< scratch: a chunk of N(0, 1) samples
    cfloat d_h{ 1.0f, 0.0f };
};

/*!
 * \brief One transmitter, N receivers, each with its own channel and SNR.
 * Receiver r's generator is seeded from (seed, r), so adding a receiver leaves the others'
 * noise unchanged.
 */
class BroadcastChannel
{
public:
    BroadcastChannel(const std::vector<ChannelConfig>& receivers, std::uint64_t seed);

    std::size_t num_receivers() const { return d_channels.size(); }
    Channel& receiver(std::size_t r) { return d_channels.at(r); }
    const Channel& receiver(std::size_t r) const { return d_channels.at(r); }

    //! y[r] = h_r x + n_r for every receiver; h may be null, or null per receiver.
    void apply(const cfloat* x, cfloat* const* y, std::size_t n, cfloat* const* h = nullptr);
    void new_block();

private:
    std::vector<Channel> d_channels;
};

} // namespace semcom

#endif
