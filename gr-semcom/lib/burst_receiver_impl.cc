/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <semcom/scheme.h>
#include <gnuradio/semcom/burst_receiver.h>
#include <semcom/channel.h>
#include <semcom/frame.h>
#include <semcom/waveform.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <mutex>

namespace gr {
namespace semcom {

class burst_receiver_impl : public burst_receiver
{
public:
    burst_receiver_impl(int n, int scheme, const ::semcom::WaveformConfig& cfg, float threshold)
        : gr::block("burst_receiver",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_n(n), d_scheme(scheme), d_rx(cfg, threshold)
    {
        set_tag_propagation_policy(TPP_DONT);
    }

    bool stop() override
    {
        const auto& c = d_rx.counters();
        d_logger->info("{} bursts detected, {} decoded ({} images), {} header errors, {} images rejected "
                       "(length/scheme), mean SNR {:.2f} dB",
                       c.detected, c.bursts, c.frames, c.header_errors, d_rejected.load(), mean_snr_db());
        return true;
    }

    std::uint64_t bursts_detected() const override { return d_detected; }
    std::uint64_t header_errors() const override { return d_header_errors; }
    std::uint64_t frames_decoded() const override { return d_decoded; }
    std::uint64_t frames_rejected() const override { return d_rejected; }
    double mean_snr_db() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        // the SNR of the mean linear SNR, i.e. of the harmonic mean noise variance
        return d_decoded ? ::semcom::snr_db_from_noise_variance(double(d_decoded) / d_snr_lin) : std::nan("");
    }

    void forecast(int, gr_vector_int& required) override
    {
        // bursts queue up inside and are written out with no input needed: needing an item while
        // frames wait would end the block with them when the stream before it ends (work takes
        // whatever input there is while the queue is short)
        required[0] = d_queue.empty() ? 1 : 0;
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        auto* out = static_cast<gr_complex*>(output_items[0]);
        if (d_queue.size() <= 8 && ninput_items[0] > 0) {
            for (auto& f : d_rx.push(in, std::size_t(ninput_items[0]))) {
                if (int(f.header.payload_symbols) != d_n || (d_scheme && f.header.scheme != d_scheme)) {
                    ++d_rejected;
                    continue;
                }
                Decoded d{ std::move(f), {} };
                if (!d.frame.side.empty()) {
                    // the burst's side-information block passed its CRC; records that do not parse
                    // (another version's) drop the images rather than decode them without it
                    std::string why;
                    auto side = ::semcom::SideInfo::parse(d.frame.side.data(), d.frame.side.size(),
                                                         d.frame.header.images, &why);
                    if (side)
                        for (const auto& q : side->quantizers)
                            if (q.end_index > d.frame.header.payload_symbols) {
                                why = "side information: end index " + std::to_string(q.end_index) +
                                      " beyond the payload";
                                side.reset();
                                break;
                            }
                    if (!side) {
                        if (d_rejected_side++ == 0)
                            d_logger->warn("images dropped (and counted; later ones silently): {}", why);
                        ++d_rejected;
                        continue;
                    }
                    d.side = std::move(*side);
                }
                {
                    std::lock_guard<std::mutex> l(d_mutex);
                    d_snr_lin += 1.0 / ::semcom::noise_variance_from_snr_db(d.frame.channel.snr_db);
                }
                d_queue.push_back(std::move(d));
                ++d_decoded;
            }
            consume(0, ninput_items[0]);
            d_detected = d_rx.counters().detected;
            d_header_errors = d_rx.counters().header_errors;
        }
        int produced = 0;
        while (!d_queue.empty() && noutput_items - produced >= d_n - d_offset) {
            const auto& f = d_queue.front().frame;
            if (d_offset == 0)
                tag_frame(nitems_written(0) + produced, d_queue.front());
            std::copy(f.payload.begin() + d_offset, f.payload.end(), out + produced);
            produced += d_n - d_offset;
            d_offset = 0;
            d_queue.pop_front();
        }
        if (!d_queue.empty() && produced < noutput_items) { // part of a frame
            const auto& f = d_queue.front().frame;
            if (d_offset == 0)
                tag_frame(nitems_written(0) + produced, d_queue.front());
            const int k = noutput_items - produced;
            std::copy(f.payload.begin() + d_offset, f.payload.begin() + d_offset + k, out + produced);
            d_offset += k;
            produced += k;
        }
        return produced;
    }

private:
    struct Decoded {
        ::semcom::WaveformReceiver::Frame frame;
        ::semcom::SideInfo side; //!< the burst's, parsed
    };

    void tag_frame(uint64_t at, const Decoded& d)
    {
        const auto& f = d.frame;
        // one frame info: what the header says and the SNR measured after equalisation
        pmt::pmt_t info = frame_info::with(pmt::PMT_NIL, "seq", pmt::from_uint64(f.header.sequence));
        info = frame_info::with(info, "scheme", pmt::from_long(f.header.scheme));
        info = frame_info::with(info, "model_id", pmt::from_long(f.header.model_id));
        info = frame_info::with(info, "snr_db", pmt::from_double(f.channel.snr_db));
        const std::size_t image = f.image;
        if (image < d.side.quantizers.size() && d.side.quantizers[image].bits > 0) {
            // the quantizer of an image that shares its burst: from the side-information block
            const auto& s = d.side.quantizers[image];
            ::semcom::QuantizedFrameInfo q;
            q.bits = s.bits;
            q.range.z_min = s.z_min;
            q.range.z_max = s.z_max;
            q.gain = s.gain;
            q.values = std::uint32_t(2 * f.header.payload_symbols);
            q.sent = s.end_index;
            info = quantized_info_to_pmt(q, info);
        } else if (f.header.quantizer_bits > 0) {
            ::semcom::QuantizedFrameInfo q;
            q.bits = f.header.quantizer_bits;
            q.range.z_min = f.header.z_min;
            q.range.z_max = f.header.z_max;
            q.gain = f.header.gain;
            q.values = std::uint32_t(2 * f.header.payload_symbols);
            q.sent = f.header.end_index;
            info = quantized_info_to_pmt(q, info);
        }
        // the side-information block's fields, as the encoder wrote them (image = the frame's
        // place in its burst)
        if (!d.side.snr_db_used.empty())
            info = frame_info::with(info, "snr_db_used", pmt::init_f32vector(d.side.snr_db_used.size(), d.side.snr_db_used));
        if (image < d.side.keep_masks.size() && !d.side.keep_masks[image].empty())
            info = frame_info::with(info, "keep_mask",
                                    pmt::init_u8vector(d.side.keep_masks[image].size(), d.side.keep_masks[image]));
        add_item_tag(0, at, frame_info::key(), info, alias_pmt());
    }

    const int d_n;
    const int d_scheme;
    ::semcom::WaveformReceiver d_rx;
    std::deque<Decoded> d_queue;
    int d_offset = 0; //!< symbols of the queue's front already written
    std::atomic<std::uint64_t> d_detected{ 0 }, d_header_errors{ 0 }, d_decoded{ 0 }, d_rejected{ 0 };
    std::uint64_t d_rejected_side = 0;
    mutable std::mutex d_mutex;
    double d_snr_lin = 0.0;
};

burst_receiver::sptr
burst_receiver::make(int payload_symbols, int scheme, int sps, float rolloff, int pilots, float threshold,
                     int spreading)
{
    ::semcom::WaveformConfig cfg;
    build_or_explain("burst_receiver", [&] {
        if (payload_symbols < 1 || payload_symbols > 65535)
            throw std::invalid_argument("payload_symbols must be in 1..65535, got " + std::to_string(payload_symbols));
        if (scheme != 0 && (scheme < 1 || scheme > 255 || !::semcom::SchemeTable::instance().find(std::uint8_t(scheme))))
            throw std::invalid_argument("scheme must be 0 (any) or a header code of the scheme table, got " +
                                        std::to_string(scheme));
        if (pilots < 2 || !(threshold > 0.0f && threshold < 1.0f))
            throw std::invalid_argument("pilots must be >= 2 and threshold in (0, 1)");
        cfg.sps = unsigned(sps);
        cfg.rolloff = rolloff;
        if (sps < 2 || sps > 16)
            throw std::invalid_argument("samples per symbol must be in 2..16, got " + std::to_string(sps));
        cfg.pilots = std::size_t(pilots);
        cfg.spreading = unsigned(std::max(0, spreading));
        cfg.validate();
        return 0;
    });
    return gnuradio::make_block_sptr<burst_receiver_impl>(payload_symbols, scheme, cfg, threshold);
}

} // namespace semcom
} // namespace gr
