/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/frame_matcher.h>
#include <semcom/metrics.h>

#include <algorithm>
#include <mutex>

namespace gr {
namespace semcom {

class frame_matcher_impl : public frame_matcher
{
public:
    explicit frame_matcher_impl(int floats)
        : gr::block("frame_matcher", gr::io_signature::make(2, 2, sizeof(float) * floats),
                    gr::io_signature::make(2, 2, sizeof(float) * floats)),
          d_floats(floats)
    {
        set_tag_propagation_policy(TPP_DONT);
    }

    std::uint64_t matched() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_matcher.matched();
    }
    std::uint64_t missing() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_matcher.missing();
    }

    void forecast(int, gr_vector_int& required) override { std::fill(required.begin(), required.end(), 1); }

    int general_work(int noutput_items, gr_vector_int& ninput_items, gr_vector_const_void_star& in,
                     gr_vector_void_star& out) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const auto s0 = seqs(0, ninput_items[0]), s1 = seqs(1, ninput_items[1]);
            ::semcom::FrameMatcher::Step step;
            {
                std::lock_guard<std::mutex> l(d_mutex);
                step = d_matcher.match(s0.data(), s0.size(), s1.data(), s1.size(), std::size_t(noutput_items));
            }
            const std::size_t per = std::size_t(d_floats);
            for (std::size_t o = 0; o < step.pairs.size(); ++o) {
                const auto& p = step.pairs[o];
                std::copy_n(static_cast<const float*>(in[0]) + p.original * per, per, static_cast<float*>(out[0]) + o * per);
                std::copy_n(static_cast<const float*>(in[1]) + p.decoded * per, per, static_cast<float*>(out[1]) + o * per);
                const long long s = s1[p.decoded] >= 0 ? s1[p.decoded] : s0[p.original];
                const pmt::pmt_t tag =
                    pmt::dict_add(pmt::make_dict(), pmt::mp("seq"), pmt::from_uint64(std::uint64_t(std::max(s, 0LL))));
                for (int k = 0; k < 2; ++k)
                    add_item_tag(k, nitems_written(k) + o, frame_info::key(), tag);
            }
            consume(0, int(step.originals_used));
            consume(1, int(step.decoded_used));
            return int(step.pairs.size());
        });
    }

private:
    //! The seq of each item's "semcom_frame" tag, -1 for an untagged item.
    std::vector<long long> seqs(int port, int n)
    {
        std::vector<long long> out(std::size_t(n), -1);
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, port, 0, n, frame_info::key());
        for (const auto& t : tags)
            if (pmt::is_dict(t.value))
                out[t.offset - nitems_read(port)] =
                    (long long)pmt::to_uint64(pmt::dict_ref(t.value, pmt::mp("seq"), pmt::from_uint64(0)));
        return out;
    }

    const int d_floats;
    mutable std::mutex d_mutex;
    ::semcom::FrameMatcher d_matcher;
};

frame_matcher::sptr frame_matcher::make(int item_size)
{
    build_or_explain("frame_matcher", [&] {
        if (item_size < 1)
            throw std::invalid_argument("item_size must be >= 1, got " + std::to_string(item_size));
        return 0;
    });
    return gnuradio::make_block_sptr<frame_matcher_impl>(item_size);
}

} // namespace semcom
} // namespace gr
