/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <semcom/scheme.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <semcom/waveform.h>

#include <cmath>

namespace gr {
namespace semcom {

class burst_transmitter_impl : public burst_transmitter
{
public:
    burst_transmitter_impl(int n, ::semcom::FrameHeader proto, const ::semcom::WaveformConfig& cfg, int gap,
                           float amplitude, double start_time)
        : gr::block("burst_transmitter",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_n(n), d_proto(proto), d_format(cfg.pilots), d_shaper(cfg), d_gap(gap), d_amplitude(amplitude),
          d_start_time(start_time)
    {
        d_shaped = int((d_format.overhead() + std::size_t(n) - 1) * cfg.sps + d_shaper.taps().size() + cfg.sps - 1);
        set_output_multiple(d_shaped + d_gap);
        set_tag_propagation_policy(TPP_DONT);
    }

    int burst_samples() const override { return d_shaped + d_gap; }
    std::uint64_t bursts_sent() const override { return d_sent; }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        required[0] = d_n * (noutput_items / (d_shaped + d_gap));
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        auto* out = static_cast<gr_complex*>(output_items[0]);
        const int per = d_shaped + d_gap;
        const int bursts = std::min(noutput_items / per, ninput_items[0] / d_n);
        for (int b = 0; b < bursts; ++b) {
            const uint64_t first = nitems_read(0) + uint64_t(b) * d_n;
            ::semcom::FrameHeader h = d_proto;
            h.sequence = std::uint32_t(d_sent);
            std::vector<gr::tag_t> tags;
            get_tags_in_range(tags, 0, first, first + d_n);
            // the header carries the frame info: sequence number and quantizer side information
            const pmt::pmt_t info = frame_info::find(tags);
            const auto seq = frame_info::get(info, "seq");
            if (pmt::is_integer(seq) || pmt::is_uint64(seq))
                h.sequence = std::uint32_t(pmt::to_uint64(seq));
            if (const auto q = quantized_info_from_pmt(info)) {
                h.quantizer_bits = std::uint8_t(q->bits);
                h.z_min = q->range.z_min;
                h.z_max = q->range.z_max;
                h.gain = q->gain;
                h.end_index = std::uint16_t(q->sent);
            }
            const auto symbols = d_format.build(h, in + std::size_t(b) * d_n, std::size_t(d_n));
            const auto shaped = d_shaper.shape(symbols.data(), symbols.size());
            gr_complex* o = out + std::size_t(b) * per;
            for (int i = 0; i < d_shaped; ++i)
                o[i] = d_amplitude * shaped[std::size_t(i)];
            std::fill(o + d_shaped, o + per, gr_complex(0.0f, 0.0f));
            const uint64_t at = nitems_written(0) + uint64_t(b) * per;
            if (d_sent == 0 && d_start_time >= 0.0) {
                const double whole = std::floor(d_start_time);
                add_item_tag(0, at, pmt::mp("tx_time"),
                             pmt::make_tuple(pmt::from_uint64(uint64_t(whole)), pmt::from_double(d_start_time - whole)));
            }
            add_item_tag(0, at, pmt::mp("tx_sob"), pmt::PMT_T);
            add_item_tag(0, at + uint64_t(per) - 1, pmt::mp("tx_eob"), pmt::PMT_T);
            ++d_sent;
        }
        consume(0, bursts * d_n);
        return bursts * per;
    }

private:
    const int d_n;
    const ::semcom::FrameHeader d_proto;
    const ::semcom::FrameFormat d_format;
    const ::semcom::PulseShaper d_shaper;
    const int d_gap;
    const float d_amplitude;
    const double d_start_time;
    int d_shaped = 0;
    std::uint64_t d_sent = 0;
};

burst_transmitter::sptr burst_transmitter::make(int payload_symbols, int scheme, int model_id, int layers, int sps,
                                                float rolloff, int pilots, int gap, float amplitude,
                                                double start_time)
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
        if (gap < 0 || pilots < 2 || !(amplitude > 0.0f))
            throw std::invalid_argument("gap must be >= 0, pilots >= 2 and amplitude > 0");
        cfg.sps = unsigned(sps);
        cfg.rolloff = rolloff;
        cfg.pilots = std::size_t(pilots);
        cfg.validate();
        return 0;
    });
    proto.scheme = std::uint8_t(scheme);
    proto.model_id = std::uint16_t(model_id);
    proto.layers = std::uint8_t(layers);
    proto.payload_symbols = std::uint16_t(payload_symbols);
    return gnuradio::make_block_sptr<burst_transmitter_impl>(payload_symbols, proto, cfg, gap, amplitude, start_time);
}

} // namespace semcom
} // namespace gr
