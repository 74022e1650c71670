/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "broadcast_channel_impl.h"

#include <map>

#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace semcom {

broadcast_channel::sptr broadcast_channel::make(const std::vector<std::string>& channels,
                                                const std::vector<float>& snrs_db,
                                                const std::string& fading_mode,
                                                int frame_len,
                                                std::uint64_t seed)
{
    auto configs = build_or_explain("broadcast_channel", [&] {
        if (frame_len < 1)
            throw std::invalid_argument("frame_len must be >= 1, got " +
                                        std::to_string(frame_len));
        return ::semcom::BroadcastConfig::parse(channels, snrs_db, fading_mode).receivers;
    });
    return gnuradio::make_block_sptr<broadcast_channel_impl>(configs, frame_len, seed);
}

broadcast_channel_impl::broadcast_channel_impl(
    const std::vector<::semcom::ChannelConfig>& configs, int frame_len, std::uint64_t seed)
    : gr::sync_block("broadcast_channel",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(static_cast<int>(configs.size()),
                                            static_cast<int>(configs.size()),
                                            sizeof(gr_complex))),
      d_channel(configs, seed),
      d_block_fading(configs.front().mode == ::semcom::FadingMode::block),
      d_frame_len(frame_len)
{
    set_tag_propagation_policy(TPP_DONT); // every tag to every receiver, the frame info with its CSI
}

void broadcast_channel_impl::set_snr(int receiver, float snr_db)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (receiver < 0 || receiver >= static_cast<int>(d_channel.num_receivers()))
        throw std::invalid_argument("broadcast_channel: receiver " + std::to_string(receiver) +
                                    " out of range 0.." +
                                    std::to_string(d_channel.num_receivers() - 1));
    d_channel.receiver(receiver).set_snr_db(snr_db);
}

void broadcast_channel_impl::set_snrs(const std::vector<float>& snrs_db)
{
    if (snrs_db.size() != d_channel.num_receivers())
        throw std::invalid_argument("broadcast_channel: set_snrs needs " +
                                    std::to_string(d_channel.num_receivers()) + " values, got " +
                                    std::to_string(snrs_db.size()));
    for (std::size_t r = 0; r < snrs_db.size(); ++r)
        set_snr(static_cast<int>(r), snrs_db[r]);
}

void broadcast_channel_impl::set_channel(int receiver, const std::string& channel)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (receiver < 0 || receiver >= static_cast<int>(d_channel.num_receivers()))
        throw std::invalid_argument("broadcast_channel: receiver " + std::to_string(receiver) +
                                    " out of range 0.." +
                                    std::to_string(d_channel.num_receivers() - 1));
    auto& ch = d_channel.receiver(receiver);
    // parsed before anything changes: a bad spec leaves the channel as it was
    const auto config = ::semcom::ChannelConfig::parse(channel, ch.config().snr_db, ch.config().mode);
    ch.set_fading(config.fading, config.k_factor);
    d_logger->info("receiver {}: channel {}", receiver + 1, config.describe());
}

void broadcast_channel_impl::set_channels(const std::vector<std::string>& channels)
{
    const std::size_t n = d_channel.num_receivers();
    if (channels.size() != n && channels.size() != 1)
        throw std::invalid_argument("broadcast_channel: set_channels needs 1 or " + std::to_string(n) +
                                    " values, got " + std::to_string(channels.size()));
    for (const auto& c : channels) // all checked first: a bad one changes nothing
        ::semcom::ChannelConfig::parse(c, 0.0f);
    for (std::size_t r = 0; r < n; ++r)
        set_channel(static_cast<int>(r), channels[channels.size() == 1 ? 0 : r]);
}

std::vector<std::string> broadcast_channel_impl::channels() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<std::string> c;
    for (std::size_t r = 0; r < d_channel.num_receivers(); ++r)
        c.push_back(d_channel.receiver(r).config().spec());
    return c;
}

std::vector<float> broadcast_channel_impl::snrs() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    std::vector<float> s;
    for (std::size_t r = 0; r < d_channel.num_receivers(); ++r)
        s.push_back(d_channel.receiver(r).config().snr_db);
    return s;
}

int broadcast_channel_impl::work(int noutput_items,
                                 gr_vector_const_void_star& input_items,
                                 gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        std::lock_guard<std::mutex> lock(d_mutex);
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        const std::size_t n_rx = d_channel.num_receivers();
        // Every tag goes to every receiver; a frame's info gains its receiver's CSI (block fading).
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, noutput_items);
        std::map<std::uint64_t, pmt::pmt_t> frame;
        for (const auto& t : tags) {
            if (d_block_fading && pmt::eqv(t.key, frame_info::key()) && t.offset % d_frame_len == 0) {
                frame[t.offset] = t.value;
                continue;
            }
            for (std::size_t r = 0; r < n_rx; ++r)
                add_item_tag(static_cast<unsigned>(r), t.offset, t.key, t.value, t.srcid);
        }
        if (!d_block_fading) {
            for (std::size_t r = 0; r < n_rx; ++r)
                d_channel.receiver(r).apply(in, static_cast<gr_complex*>(output_items[r]),
                                            noutput_items);
            return noutput_items;
        }
        // Frames are counted from the first sample, so any noutput_items works and nothing waits
        // for a whole frame at the end of a stream.
        const std::uint64_t first = nitems_written(0);
        int start = 0;
        while (start < noutput_items) {
            const std::uint64_t pos = (first + start) % d_frame_len;
            const int n = static_cast<int>(std::min<std::uint64_t>(d_frame_len - pos, noutput_items - start));
            if (pos == 0)
                d_channel.new_block();
            for (std::size_t r = 0; r < n_rx; ++r) {
                auto& ch = d_channel.receiver(r);
                ch.apply(in + start, static_cast<gr_complex*>(output_items[r]) + start, n);
                if (pos != 0)
                    continue;
                const auto it = frame.find(first + start);
                auto info = frame_info::with(it == frame.end() ? pmt::PMT_NIL : it->second, "h",
                                             pmt::from_complex(ch.block_gain()));
                info = frame_info::with(info, "noise_var", pmt::from_double(ch.noise_var()));
                info = frame_info::with(info, "snr_db", pmt::from_double(ch.config().snr_db));
                add_item_tag(static_cast<unsigned>(r), first + start, frame_info::key(), info, alias_pmt());
            }
            start += n;
        }
        return noutput_items;
    });
}

} // namespace semcom
} // namespace gr
