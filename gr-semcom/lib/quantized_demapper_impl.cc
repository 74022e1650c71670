/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "quantized_demapper_impl.h"

#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>

namespace gr {
namespace semcom {

quantized_demapper::sptr quantized_demapper::make(int values, bool snap)
{
    build_or_explain("quantized_demapper", [&] {
        if (values <= 0 || values % 2)
            throw std::invalid_argument("values must be even and > 0 (two per symbol), got " +
                                        std::to_string(values));
        return 0;
    });
    return gnuradio::make_block_sptr<quantized_demapper_impl>(values, snap);
}

quantized_demapper_impl::quantized_demapper_impl(int values, bool snap)
    : gr::block("quantized_demapper",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(float) * values)),
      d_values(values),
      d_symbols(values / 2),
      d_snap(snap)
{
    set_relative_rate(1, static_cast<uint64_t>(d_symbols));
    set_tag_propagation_policy(TPP_DONT); // frame tags are consumed here
}

void quantized_demapper_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    ninput_items_required[0] = noutput_items * d_symbols;
}

int quantized_demapper_impl::general_work(int noutput_items,
                                          gr_vector_int& ninput_items,
                                          gr_vector_const_void_star& input_items,
                                          gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        auto* out = static_cast<float*>(output_items[0]);
        const int frames = std::min(noutput_items, ninput_items[0] / d_symbols);
        int produced = 0;
        std::vector<gr::tag_t> tags;
        for (int f = 0; f < frames; ++f) {
            const uint64_t first = nitems_read(0) + std::uint64_t(f) * d_symbols;
            get_tags_in_range(tags, 0, first, first + 1, frame_info::key());
            const pmt::pmt_t frame = frame_info::find(tags);
            std::optional<::semcom::QuantizedFrameInfo> info;
            std::string why = "no quantizer side information in the frame info (semcom_frame tag) on its first symbol";
            if (!pmt::is_null(frame))
                info = quantized_info_from_pmt(frame, &why); // checked: types and ranges (message_parsers.h)
            if (!info || info->values != static_cast<std::uint32_t>(d_values)) {
                ++d_dropped;
                d_logger->warn("frame at sample {} dropped: {} (dropped so far: {})",
                               first,
                               info ? "side information is for " + std::to_string(info->values) +
                                          " values, block expects " + std::to_string(d_values)
                                    : why,
                               d_dropped.load());
                continue;
            }
            try {
                const std::size_t nonfinite = d_demapper.demap(in + std::size_t(f) * d_symbols, *info,
                                                               out + std::size_t(produced) * d_values, d_snap);
                if (nonfinite > 0 && d_nonfinite.fetch_add(long(nonfinite)) == 0)
                    d_logger->warn("received symbols that are NaN or infinite: no information, their values 0 "
                                   "(counted, later ones silently)");
                // the frame info stays with its frame
                add_item_tag(0, nitems_written(0) + produced, frame_info::key(), frame, alias_pmt());
                ++produced;
            } catch (const std::invalid_argument& e) {
                ++d_dropped;
                d_logger->warn("frame at sample {} dropped: {}", first, e.what());
            }
        }
        consume_each(frames * d_symbols);
        return produced;
    });
}

} // namespace semcom
} // namespace gr
