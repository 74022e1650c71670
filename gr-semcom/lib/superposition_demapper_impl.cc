/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "superposition_demapper_impl.h"

#include "block_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/frame_info.h>
#include <semcom/channel.h>

#include <algorithm>
#include <cmath>

namespace gr {
namespace semcom {

namespace {
} // namespace

superposition_demapper::sptr superposition_demapper::make(const std::vector<std::string>& layers,
                                                          const std::vector<float>& alphas,
                                                          const std::string& mode,
                                                          float noise_var)
{
    const char* name = "superposition_demapper";
    auto mapper = make_superposition(name, layers, alphas);
    using mode_t = superposition_demapper_impl::mode_t;
    const mode_t m = build_or_explain(name, [&] {
        if (mode == "hard_ml")
            return mode_t::hard_ml;
        if (mode == "hard_sic")
            return mode_t::hard_sic;
        if (mode == "llr")
            return mode_t::llr;
        if (mode == "posterior")
            return mode_t::posterior;
        throw std::invalid_argument("mode '" + mode +
                                    "' is not one of hard_ml, hard_sic, llr, posterior");
    });
    std::vector<int> sizes;
    build_or_explain(name, [&] {
        for (const auto& c : mapper.layers()) {
            switch (m) {
            case mode_t::hard_ml:
            case mode_t::hard_sic:
                sizes.push_back(1);
                break;
            case mode_t::llr:
                sizes.push_back(static_cast<int>(c.bits_per_symbol()));
                break;
            case mode_t::posterior:
                sizes.push_back(static_cast<int>(c.order()));
                break;
            }
        }
        if (!(noise_var > 0.0f) || !std::isfinite(noise_var))
            throw std::invalid_argument("noise_var must be > 0, got " + std::to_string(noise_var));
        return 0;
    });
    return gnuradio::make_block_sptr<superposition_demapper_impl>(mapper, m, sizes, noise_var);
}

namespace {
std::vector<int> byte_sizes(superposition_demapper_impl::mode_t m, const std::vector<int>& widths)
{
    std::vector<int> s;
    for (int w : widths)
        s.push_back(m == superposition_demapper_impl::mode_t::hard_ml ||
                            m == superposition_demapper_impl::mode_t::hard_sic
                        ? int(sizeof(std::uint8_t))
                        : int(sizeof(float)) * w);
    return s;
}
} // namespace

superposition_demapper_impl::superposition_demapper_impl(
    const ::semcom::SuperpositionMapper& mapper,
    mode_t mode,
    const std::vector<int>& widths,
    float noise_var)
    : gr::sync_block("superposition_demapper",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::makev(static_cast<int>(widths.size()),
                                             static_cast<int>(widths.size()),
                                             byte_sizes(mode, widths))),
      d_demapper(mapper),
      d_mode(mode),
      d_width(widths),
      d_noise_var(noise_var),
      d_hard(widths.size()),
      d_soft(widths.size())
{
    for (const auto& layer : mapper.layers())
        d_orders.push_back(layer.order());
}

void superposition_demapper_impl::set_noise_var(float noise_var)
{
    if (!(noise_var > 0.0f) || !std::isfinite(noise_var))
        throw std::invalid_argument("superposition_demapper: noise_var must be > 0, got " +
                                    std::to_string(noise_var));
    d_noise_var = noise_var;
}

void superposition_demapper_impl::demap(const gr_complex* in,
                                        int n,
                                        gr_vector_void_star& out,
                                        int offset)
{
    if (n <= 0)
        return;
    switch (d_mode) {
    case mode_t::hard_ml:
    case mode_t::hard_sic:
        for (std::size_t l = 0; l < d_hard.size(); ++l)
            d_hard[l] = static_cast<std::uint8_t*>(out[l]) + offset;
        if (d_mode == mode_t::hard_ml)
            d_demapper.hard_ml(in + offset, d_hard.data(), n);
        else
            d_demapper.hard_sic(in + offset, d_hard.data(), n);
        break;
    case mode_t::llr:
    case mode_t::posterior:
        for (std::size_t l = 0; l < d_soft.size(); ++l)
            d_soft[l] = static_cast<float*>(out[l]) + std::size_t(offset) * d_width[l];
        if (d_mode == mode_t::llr)
            d_demapper.llrs(in + offset, d_noise_var, d_soft.data(), n);
        else
            d_demapper.posteriors(in + offset, d_noise_var, d_soft.data(), n);
        break;
    }
}

int superposition_demapper_impl::work(int noutput_items,
                                      gr_vector_const_void_star& input_items,
                                      gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        const bool soft = d_mode == mode_t::llr || d_mode == mode_t::posterior;
        int done = 0;
        if (soft) {
            // A noise-variance tag applies from its sample on: demap up to it, then switch.
            std::vector<gr::tag_t> tags;
            const uint64_t start = nitems_read(0);
            get_tags_in_window(tags, 0, 0, noutput_items);
            std::stable_sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
            for (const auto& t : tags) {
                // the frame's SNR (after equalisation when an equaliser set it), else its noise variance
                if (!pmt::eqv(t.key, frame_info::key()))
                    continue;
                float nv;
                if (const auto snr = frame_info::number(t.value, "snr_db"))
                    nv = static_cast<float>(::semcom::noise_variance_from_snr_db(*snr));
                else if (const auto v = frame_info::number(t.value, "noise_var"))
                    nv = static_cast<float>(*v);
                else
                    continue;
                if (!(nv > 0.0f) || !std::isfinite(nv)) {
                    if (d_ignored++ == 0)
                        d_logger->warn("a frame info's SNR / noise variance is not usable ({}): the previous "
                                       "noise variance stays (counted, later ones silently)",
                                       nv);
                    continue;
                }
                const int at = static_cast<int>(t.offset - start);
                demap(in, at - done, output_items, done);
                done = at;
                d_noise_var = nv;
            }
        }
        demap(in, noutput_items - done, output_items, done);
        // a NaN or infinite symbol carries nothing: neutral outputs, counted
        for (int i = 0; i < noutput_items; ++i) {
            if (std::isfinite(in[i].real()) && std::isfinite(in[i].imag()))
                continue;
            if (d_nonfinite++ == 0)
                d_logger->warn("received symbols that are NaN or infinite: no information (counted, later ones "
                               "silently)");
            for (std::size_t l = 0; l < d_orders.size(); ++l) {
                if (!soft) {
                    static_cast<std::uint8_t*>(output_items[l])[i] = 0;
                    continue;
                }
                float* v = static_cast<float*>(output_items[l]) + std::size_t(i) * d_width[l];
                std::fill(v, v + d_width[l], d_mode == mode_t::llr ? 0.0f : 1.0f / float(d_orders[l]));
            }
        }
        return noutput_items;
    });
}

} // namespace semcom
} // namespace gr
