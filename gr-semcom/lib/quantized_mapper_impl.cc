/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "quantized_mapper_impl.h"

#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>

#include <algorithm>

namespace gr {
namespace semcom {

quantized_mapper::sptr quantized_mapper::make(
    int values, int bits, const std::string& range_mode, float z_min, float z_max)
{
    auto mapper = build_or_explain("quantized_mapper", [&] {
        if (values <= 0 || values % 2)
            throw std::invalid_argument("values must be even and > 0 (two per symbol), got " +
                                        std::to_string(values));
        if (bits < 1 || bits > 8)
            throw std::invalid_argument("bits must be in 1..8, got " + std::to_string(bits));
        return ::semcom::QuantizedMapper(static_cast<unsigned>(bits),
                                         ::semcom::range_mode_from_name(range_mode),
                                         ::semcom::QuantizerRange{ z_min, z_max });
    });
    return gnuradio::make_block_sptr<quantized_mapper_impl>(values, mapper);
}

quantized_mapper_impl::quantized_mapper_impl(int values, const ::semcom::QuantizedMapper& mapper)
    : gr::sync_interpolator("quantized_mapper",
                            gr::io_signature::make(1, 1, sizeof(float) * values),
                            gr::io_signature::make(1, 1, sizeof(gr_complex)),
                            values / 2),
      d_values(values),
      d_mapper(mapper)
{
    // The frame info gains the quantizer side information here; other tags stay with their frame.
    set_tag_propagation_policy(TPP_DONT);
}

int quantized_mapper_impl::work(int noutput_items,
                                gr_vector_const_void_star& input_items,
                                gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        const auto* in = static_cast<const float*>(input_items[0]);
        auto* out = static_cast<gr_complex*>(output_items[0]);
        const int symbols = d_values / 2;
        const int frames = noutput_items / symbols;
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, frames);
        std::vector<pmt::pmt_t> frame(std::size_t(std::max(frames, 0)), pmt::PMT_NIL);
        for (const auto& t : tags) {
            const uint64_t f = t.offset - nitems_read(0);
            if (pmt::eqv(t.key, frame_info::key()))
                frame[f] = t.value;
            else
                add_item_tag(0, nitems_written(0) + f * std::uint64_t(symbols), t.key, t.value, t.srcid);
        }
        for (int f = 0; f < frames; ++f) {
            // A-MIJSCC: the frame info's end_index (from the encoder) says how many symbols to send
            const auto end = frame_info::number(frame[f], "end_index");
            const std::size_t sent = end ? std::size_t(std::clamp<long>(long(*end), 1, long(symbols))) : 0;
            const auto info = d_mapper.map(in + std::size_t(f) * d_values, d_values,
                                           out + std::size_t(f) * symbols, sent);
            d_frames += 1;
            d_symbols_sent += info.sent ? info.sent : std::uint64_t(symbols);
            add_item_tag(0, nitems_written(0) + std::uint64_t(f) * symbols, frame_info::key(),
                         quantized_info_to_pmt(info, frame[f]), alias_pmt());
        }
        return frames * symbols;
    });
}

} // namespace semcom
} // namespace gr
