/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/equaliser.h>
#include <semcom/equaliser.h>

#include <atomic>
#include <cmath>

#include <algorithm>

namespace gr {
namespace semcom {

class equaliser_impl : public equaliser
{
public:
    explicit equaliser_impl(::semcom::EqualiserKind kind)
        : gr::sync_block("equaliser",
                         gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(1, 1, sizeof(gr_complex))),
          d_eq(kind)
    {
        set_tag_propagation_policy(TPP_DONT); // frame info updated with the equalised SNR, the others copied
    }

    int work(int noutput_items, gr_vector_const_void_star& input_items, gr_vector_void_star& output_items) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const auto* in = static_cast<const gr_complex*>(input_items[0]);
            auto* out = static_cast<gr_complex*>(output_items[0]);
            std::vector<gr::tag_t> tags;
            get_tags_in_window(tags, 0, 0, noutput_items);
            std::stable_sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
            const uint64_t start = nitems_read(0);
            int done = 0;
            for (const auto& t : tags) {
                const int at = static_cast<int>(t.offset - start);
                const auto h = frame_info::get(t.value, "h");
                if (!pmt::eqv(t.key, frame_info::key()) || !pmt::is_complex(h)) {
                    add_item_tag(0, nitems_written(0) + at, t.key, t.value, t.srcid);
                    continue;
                }
                d_eq.equalise(in + done, d_h, d_noise_var, out + done, at - done);
                done = at;
                d_h = gr_complex(pmt::to_complex(h));
                if (const auto nv = frame_info::number(t.value, "noise_var"))
                    d_noise_var = static_cast<float>(*nv);
                // a frame with a zero, NaN or infinite gain (or noise variance) carries nothing: its
                // symbols become zeros and its SNR the floor, counted (never inf/NaN downstream)
                double snr = ::semcom::effective_snr_db(d_h, d_noise_var);
                const float g = std::norm(d_h);
                if (!(g > 0.0f) || !std::isfinite(g) || !std::isfinite(d_noise_var) || d_noise_var < 0.0f ||
                    std::isnan(snr)) {
                    if (d_no_gain++ == 0)
                        d_logger->warn("a frame with channel gain {}{:+}j and noise variance {}: equalised to zeros, "
                                       "SNR {} dB (counted; later ones silently)",
                                       d_h.real(), d_h.imag(), d_noise_var, snr_floor_db);
                    snr = snr_floor_db;
                }
                add_item_tag(0, nitems_written(0) + at, frame_info::key(),
                             frame_info::with(t.value, "snr_db", pmt::from_double(snr)), alias_pmt());
            }
            d_eq.equalise(in + done, d_h, d_noise_var, out + done, noutput_items - done);
            return noutput_items;
        });
    }

    long frames_without_gain() const override { return d_no_gain; }

private:
    static constexpr double snr_floor_db = -100.0;
    std::atomic<long> d_no_gain{ 0 };
    const ::semcom::Equaliser d_eq;
    gr_complex d_h{ 1.0f, 0.0f };
    float d_noise_var = 1e-3f;
};

equaliser::sptr equaliser::make(const std::string& kind)
{
    const auto k = build_or_explain("equaliser", [&] { return ::semcom::equaliser_kind_from_name(kind); });
    return gnuradio::make_block_sptr<equaliser_impl>(k);
}

} // namespace semcom
} // namespace gr
