/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <semcom/scheme.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <semcom/waveform.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <semcom/frame.h>

namespace gr {
namespace semcom {

class burst_transmitter_impl : public burst_transmitter
{
public:
    burst_transmitter_impl(int n, ::semcom::FrameHeader proto, const ::semcom::WaveformConfig& cfg, int gap,
                           float amplitude, double start_time, int images, int side_bytes)
        : gr::block("burst_transmitter",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_n(n), d_images(images), d_proto(proto), d_format(cfg.pilots, cfg.spreading), d_shaper(cfg),
          d_sps(int(cfg.sps)), d_amplitude(amplitude), d_start_time(start_time), d_side_bytes(std::size_t(side_bytes))
    {
        d_proto.images = std::uint8_t(images);
        // the slot holds the longest burst: every image and the whole side-information budget
        ::semcom::FrameHeader longest = d_proto;
        longest.side_blocks = std::uint8_t((d_side_bytes + 7) / 8);
        d_slot = shaped_samples(longest) + gap;
        set_output_multiple(d_slot);
        set_tag_propagation_policy(TPP_DONT);
    }

    int burst_samples() const override { return d_slot; }
    std::uint64_t bursts_sent() const override { return d_sent; }
    std::uint64_t images_sent() const override { return d_images_sent; }
    std::uint64_t side_info_unsent() const override { return d_side_unsent; }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        // a whole burst's images; at the end of the stream, whatever is left
        required[0] = ending() ? d_n : d_n * d_images * std::max(1, noutput_items / d_slot);
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        auto* out = static_cast<gr_complex*>(output_items[0]);
        const int available = ninput_items[0] / d_n;
        const bool last = ending();
        int used = 0, produced = 0;
        while (produced + d_slot <= noutput_items && used < available && (available - used >= d_images || last)) {
            const uint64_t first = nitems_read(0) + uint64_t(used) * uint64_t(d_n);
            ::semcom::FrameHeader h = d_proto;
            const auto head = image_info(first);
            h.sequence = head.seq ? *head.seq : std::uint32_t(d_images_sent);
            int count = 1;
            ::semcom::SideInfo side;
            add_side_info(side, head, 0, true);
            if (head.quantized && side.size() > d_side_bytes) {
                // no room in the side-information block: the quantizer goes in the header, and
                // the image in a burst of its own
                h.quantizer_bits = std::uint8_t(head.quantized->bits);
                h.z_min = head.quantized->range.z_min;
                h.z_max = head.quantized->range.z_max;
                h.gain = head.quantized->gain;
                h.end_index = std::uint16_t(head.quantized->sent);
                side = {};
                add_side_info(side, head, 0, false);
            } else {
                // more images while their sequence numbers follow on, the encoder's SNRs stay the
                // same and their side information (keep masks, quantizers) fits
                for (; count < d_images && used + count < available; ++count) {
                    const auto next = image_info(first + uint64_t(count) * uint64_t(d_n));
                    const bool follows = head.seq ? (next.seq && *next.seq == h.sequence + std::uint32_t(count))
                                                  : !next.seq;
                    if (!follows || next.quantized.has_value() != head.quantized.has_value() ||
                        next.snr_db_used != head.snr_db_used || next.keep_mask.empty() != head.keep_mask.empty())
                        break;
                    ::semcom::SideInfo more = side;
                    add_side_info(more, next, std::size_t(count), true);
                    if (more.size() > d_side_bytes)
                        break;
                    side = std::move(more);
                }
            }
            std::vector<std::uint8_t> side_bytes;
            if (!side.empty()) {
                if (side.size() <= d_side_bytes) {
                    side_bytes = side.serialize();
                } else {
                    if (d_side_unsent == 0)
                        d_logger->warn("side information of {} bytes (keep masks / encoder SNRs) does not fit "
                                       "side_info_bytes = {}: images sent without it (counted; later ones silently)",
                                       side.size(), d_side_bytes);
                    d_side_unsent += std::uint64_t(count);
                }
            }
            h.side_blocks = std::uint8_t(side_bytes.size() / 8);
            h.images = std::uint8_t(count);
            const auto symbols = d_format.build(h, in + std::size_t(used) * std::size_t(d_n),
                                                std::size_t(count) * std::size_t(d_n), side_bytes);
            const auto shaped = d_shaper.shape(symbols.data(), symbols.size());
            gr_complex* o = out + produced;
            for (std::size_t i = 0; i < shaped.size(); ++i)
                o[i] = d_amplitude * shaped[i];
            std::fill(o + shaped.size(), o + d_slot, gr_complex(0.0f, 0.0f));
            const uint64_t at = nitems_written(0) + uint64_t(produced);
            if (d_sent == 0 && d_start_time >= 0.0) {
                const double whole = std::floor(d_start_time);
                add_item_tag(0, at, pmt::mp("tx_time"),
                             pmt::make_tuple(pmt::from_uint64(uint64_t(whole)), pmt::from_double(d_start_time - whole)));
            }
            add_item_tag(0, at, pmt::mp("tx_sob"), pmt::PMT_T);
            add_item_tag(0, at + uint64_t(d_slot) - 1, pmt::mp("tx_eob"), pmt::PMT_T);
            ++d_sent;
            d_images_sent += std::uint64_t(count);
            used += count;
            produced += d_slot;
        }
        consume(0, used * d_n);
        return produced;
    }

private:
    struct ImageInfo {
        std::optional<std::uint32_t> seq;
        std::optional<::semcom::QuantizedFrameInfo> quantized;
        std::vector<float> snr_db_used;       //!< the encoder's SNRs (DeepBroadcast), or empty
        std::vector<std::uint8_t> keep_mask;  //!< every receiver's keep mask (U-DeepSC), or empty
    };
    //! image's side information as the index-th of its burst's (its quantizer too if with_quantizer)
    static void add_side_info(::semcom::SideInfo& side, const ImageInfo& image, std::size_t index, bool with_quantizer)
    {
        side.snr_db_used = image.snr_db_used;
        if (!image.keep_mask.empty()) {
            side.keep_masks.resize(index + 1);
            side.keep_masks[index] = image.keep_mask;
        }
        if (with_quantizer && image.quantized) {
            const auto& q = *image.quantized;
            side.quantizers.resize(index + 1);
            side.quantizers[index] = { std::uint8_t(q.bits), q.range.z_min, q.range.z_max, q.gain,
                                       std::uint16_t(q.sent) };
        }
    }
    //! The frame info tagged on an image's first symbol.
    ImageInfo image_info(uint64_t item)
    {
        std::vector<gr::tag_t> tags;
        get_tags_in_range(tags, 0, item, item + 1);
        const pmt::pmt_t info = frame_info::find(tags);
        ImageInfo out;
        const auto seq = frame_info::get(info, "seq");
        if (pmt::is_integer(seq) || pmt::is_uint64(seq))
            out.seq = std::uint32_t(pmt::to_uint64(seq));
        out.quantized = quantized_info_from_pmt(info);
        const auto snrs = frame_info::get(info, "snr_db_used");
        if (pmt::is_f32vector(snrs))
            out.snr_db_used = pmt::f32vector_elements(snrs);
        const auto mask = frame_info::get(info, "keep_mask");
        if (pmt::is_u8vector(mask))
            out.keep_mask = pmt::u8vector_elements(mask);
        return out;
    }
    bool ending() { return detail() && detail()->input(0) && detail()->input(0)->done(); }
    int shaped_samples(const ::semcom::FrameHeader& h) const
    {
        return int((d_format.burst_symbols(h) - 1) * std::size_t(d_sps) + d_shaper.taps().size() + std::size_t(d_sps) - 1);
    }

    const int d_n;
    const int d_images;
    ::semcom::FrameHeader d_proto;
    const ::semcom::FrameFormat d_format;
    const ::semcom::PulseShaper d_shaper;
    const int d_sps;
    const float d_amplitude;
    const double d_start_time;
    const std::size_t d_side_bytes;
    int d_slot = 0;
    std::uint64_t d_side_unsent = 0;
    std::uint64_t d_sent = 0;
    std::uint64_t d_images_sent = 0;
};

burst_transmitter::sptr burst_transmitter::make(int payload_symbols, int scheme, int model_id, int layers, int sps,
                                                float rolloff, int pilots, int gap, float amplitude,
                                                double start_time, int images_per_burst, int spreading,
                                                int side_info_bytes)
{
    ::semcom::FrameHeader proto;
    ::semcom::WaveformConfig cfg;
    build_or_explain("burst_transmitter", [&] {
        if (payload_symbols < 1 || payload_symbols > 65535)
            throw std::invalid_argument("payload_symbols must be in 1..65535, got " + std::to_string(payload_symbols));
        const auto& table = ::semcom::SchemeTable::instance();
        if (scheme < 1 || scheme > 255 || !table.find(std::uint8_t(scheme)))
            throw std::invalid_argument("scheme " + std::to_string(scheme) +
                                        " is not a header code of the scheme table (" + table.names() + ")");
        if (model_id < 0 || model_id > 65535 || layers < 0 || layers > 8)
            throw std::invalid_argument("model_id must be in 0..65535 and layers in 0..8");
        if (gap < 0 || pilots < 2 || !(amplitude > 0.0f) || !std::isfinite(amplitude))
            throw std::invalid_argument("gap must be >= 0, pilots >= 2 and amplitude finite and > 0");
        if (images_per_burst < 1 || images_per_burst > 255)
            throw std::invalid_argument("images_per_burst must be in 1..255, got " + std::to_string(images_per_burst));
        if (std::size_t(images_per_burst) * std::size_t(payload_symbols) > ::semcom::FrameHeader::max_data_symbols)
            throw std::invalid_argument("images_per_burst x payload_symbols must be at most " +
                                        std::to_string(::semcom::FrameHeader::max_data_symbols));
        if (sps < 2 || sps > 16)
            throw std::invalid_argument("samples per symbol must be in 2..16, got " + std::to_string(sps));
        if (side_info_bytes < 0 || std::size_t(side_info_bytes) > ::semcom::SideInfo::max_bytes)
            throw std::invalid_argument("side_info_bytes must be in 0.." + std::to_string(::semcom::SideInfo::max_bytes) +
                                        ", got " + std::to_string(side_info_bytes));
        cfg.sps = unsigned(sps);
        cfg.rolloff = rolloff;
        cfg.pilots = std::size_t(pilots);
        cfg.spreading = unsigned(std::max(0, spreading));
        cfg.validate();
        return 0;
    });
    proto.scheme = std::uint8_t(scheme);
    proto.model_id = std::uint16_t(model_id);
    proto.layers = std::uint8_t(layers);
    proto.payload_symbols = std::uint16_t(payload_symbols);
    proto.spreading = std::uint8_t(cfg.spreading);
    return gnuradio::make_block_sptr<burst_transmitter_impl>(payload_symbols, proto, cfg, gap, amplitude, start_time,
                                                             images_per_burst, side_info_bytes);
}

} // namespace semcom
} // namespace gr
