/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BROADCAST_CHANNEL_H
#define INCLUDED_SEMCOM_BROADCAST_CHANNEL_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Broadcast channel: one input, one output per receiver, y_r = h_r x + n_r.
 * \ingroup semcom
 *
 * SNR_dB = 10 log10(1 / sigma^2) for unit-power input with n ~ CN(0, sigma^2) (DESIGN §4).
 * Each receiver has its own model ("awgn", "rayleigh", "rician:K") and SNR. In "block" fading
 * mode h is drawn once per frame of frame_len symbols and every frame's first output sample
 * carries the frame info (gnuradio/semcom/frame_info.h) it received, with h (complex), noise_var
 * and snr_db added (the genie CSI a perfect-CSI receiver uses); in "per_symbol" mode h changes
 * every symbol (no CSI). Every other tag goes to every receiver.
 * With one receiver this is a plain fading channel. Seeded: the same seed gives the same output.
 */
class SEMCOM_API broadcast_channel : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<broadcast_channel> sptr;

    static sptr make(const std::vector<std::string>& channels,
                     const std::vector<float>& snrs_db,
                     const std::string& fading_mode = "block",
                     int frame_len = 1024,
                     std::uint64_t seed = 0);

    virtual void set_snr(int receiver, float snr_db) = 0;
    virtual void set_snrs(const std::vector<float>& snrs_db) = 0;
    virtual std::vector<float> snrs() const = 0;
    /*!
     * Receiver \p receiver's channel from now on: "awgn", "rayleigh" or "rician:K", its SNR and
     * the fading mode kept (a live control; thread-safe). Throws std::invalid_argument on a bad
     * spec or receiver, leaving the channel as it was.
     */
    virtual void set_channel(int receiver, const std::string& channel) = 0;
    //! Every receiver's channel: one spec each, or one for all (as the constructor takes).
    virtual void set_channels(const std::vector<std::string>& channels) = 0;
    //! Each receiver's channel now ("awgn", "rayleigh", "rician:2").
    virtual std::vector<std::string> channels() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
