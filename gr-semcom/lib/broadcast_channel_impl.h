/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BROADCAST_CHANNEL_IMPL_H
#define INCLUDED_SEMCOM_BROADCAST_CHANNEL_IMPL_H

#include <gnuradio/semcom/broadcast_channel.h>
#include <semcom/channel.h>

#include <mutex>

namespace gr {
namespace semcom {

class broadcast_channel_impl : public broadcast_channel
{
public:
    broadcast_channel_impl(const std::vector<::semcom::ChannelConfig>& configs,
                           int frame_len,
                           std::uint64_t seed);

    void set_snr(int receiver, float snr_db) override;
    void set_snrs(const std::vector<float>& snrs_db) override;
    std::vector<float> snrs() const override;
    void set_channel(int receiver, const std::string& channel) override;
    void set_channels(const std::vector<std::string>& channels) override;
    std::vector<std::string> channels() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    ::semcom::BroadcastChannel d_channel;
    const bool d_block_fading;
    const int d_frame_len;
    mutable std::mutex d_mutex; //!< SNR and channel callbacks come from other threads
};

} // namespace semcom
} // namespace gr

#endif
