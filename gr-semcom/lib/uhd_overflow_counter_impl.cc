/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/uhd_overflow_counter.h>

#include <atomic>
#include <cmath>

namespace gr {
namespace semcom {

class uhd_overflow_counter_impl : public uhd_overflow_counter
{
public:
    explicit uhd_overflow_counter_impl(double rate)
        : gr::sync_block("uhd_overflow_counter", gr::io_signature::make(1, 1, sizeof(gr_complex)),
                         gr::io_signature::make(0, 0, 0)),
          d_rate(rate)
    {
    }

    long overflows() const override { return d_overflows; }
    long long samples_lost() const override { return d_samples_lost; }
    long long samples() const override { return d_samples; }

    int work(int n, gr_vector_const_void_star&, gr_vector_void_star&) override
    {
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, n, d_key);
        for (const auto& t : tags) {
            if (!pmt::is_tuple(t.value) || pmt::length(t.value) < 2)
                continue;
            const double secs =
                double(pmt::to_uint64(pmt::tuple_ref(t.value, 0))) + pmt::to_double(pmt::tuple_ref(t.value, 1));
            if (d_have) {
                const double lost = (secs - d_time) * d_rate - double(t.offset - d_offset);
                if (lost > 0.5) {
                    ++d_overflows;
                    d_samples_lost += std::llround(lost);
                }
            }
            d_have = true;
            d_time = secs;
            d_offset = t.offset;
        }
        d_samples += n;
        return n;
    }

private:
    const double d_rate;
    const pmt::pmt_t d_key = pmt::mp("rx_time");
    bool d_have = false;
    double d_time = 0.0;
    std::uint64_t d_offset = 0;
    std::atomic<long> d_overflows{ 0 };
    std::atomic<long long> d_samples_lost{ 0 }, d_samples{ 0 };
};

uhd_overflow_counter::sptr uhd_overflow_counter::make(double sample_rate)
{
    build_or_explain("uhd_overflow_counter", [&] {
        if (!(sample_rate > 0.0) || !std::isfinite(sample_rate))
            throw std::invalid_argument("sample_rate must be > 0, got " + std::to_string(sample_rate));
        return 0;
    });
    return gnuradio::make_block_sptr<uhd_overflow_counter_impl>(sample_rate);
}

} // namespace semcom
} // namespace gr
