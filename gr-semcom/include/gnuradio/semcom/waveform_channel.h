/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_WAVEFORM_CHANNEL_H
#define INCLUDED_SEMCOM_WAVEFORM_CHANNEL_H

#include <gnuradio/block.h>
#include <gnuradio/hier_block2.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief One receiver's channel for burst samples (semcom simulate --waveform), from gr-channels.
 * \ingroup semcom
 *
 * complex samples in -> [fading_model (rayleigh, rician:K)] -> channel_model -> complex samples.
 *
 * SNR convention (DESIGN §4): symbol SNR = 1 / noise variance per sample, for unit-energy pulses of
 * unit amplitude; channel_model gets the noise voltage sqrt(noise_variance_from_snr_db(snr_db)), the
 * standard deviation of the complex noise. Fading is per sample with a Doppler of 1e-5 of the
 * sample rate (8 sinusoids), about constant over a burst.
 *
 * impairments "none": noise (and fading) only. "realistic": a carrier frequency offset of 0.002
 * cycles per symbol (0.002 / sps per sample), a 2 ppm sample-clock offset and a second path 3
 * samples late at -12 dB with a phase of its own per receiver, all taps normalised to unit energy
 * (so that the SNR stays the symbol SNR) and turned by a phase of 0.7 (receiver + 1) rad.
 *
 * receiver (0-based) and seed: the noise and fading seed is seed * 1000 + 17 receiver + 1, so that
 * the receivers of one broadcast get independent streams and a seed repeats them.
 */
class SEMCOM_API waveform_channel : virtual public gr::hier_block2
{
public:
    typedef std::shared_ptr<waveform_channel> sptr;

    /*!
     * \param channel awgn, rayleigh or rician:K
     * \param snr_db symbol SNR in dB
     * \param impairments none | realistic
     * \param sps samples per symbol (>= 1; scales the CFO per sample)
     * \param receiver the receiver's index (0-based): its multipath phase and its seed
     * \param seed base seed
     */
    static sptr make(const std::string& channel = "awgn", float snr_db = 10.0f,
                     const std::string& impairments = "none", int sps = 4, int receiver = 0,
                     std::uint64_t seed = 1);

    //! Changes the SNR (the noise voltage of channel_model) while running.
    virtual void set_snr(float snr_db) = 0;
    virtual float snr() const = 0;
    //! The noise voltage channel_model was given (standard deviation of the complex noise).
    virtual double noise_voltage() const = 0;
    //! The seed given to gr-channels (seed * 1000 + 17 receiver + 1).
    virtual int channel_seed() const = 0;
    //! The blocks inside that are gr::block (fading_model), for work-time accounting (--bench).
    virtual std::vector<std::pair<std::string, gr::block_sptr>> blocks() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
