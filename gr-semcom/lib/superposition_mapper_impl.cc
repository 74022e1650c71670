/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "superposition_mapper_impl.h"

#include "block_util.h"

#include <gnuradio/io_signature.h>
#include <algorithm>
#include <string>

namespace gr {
namespace semcom {

superposition_mapper::sptr superposition_mapper::make(const std::vector<std::string>& layers,
                                                      const std::vector<float>& alphas)
{
    return gnuradio::make_block_sptr<superposition_mapper_impl>(
        make_superposition("superposition_mapper", layers, alphas));
}

superposition_mapper_impl::superposition_mapper_impl(const ::semcom::SuperpositionMapper& mapper)
    : gr::sync_block("superposition_mapper",
                     gr::io_signature::make(static_cast<int>(mapper.num_layers()),
                                            static_cast<int>(mapper.num_layers()),
                                            sizeof(std::uint8_t)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_mapper(std::make_shared<const ::semcom::SuperpositionMapper>(mapper)),
      d_in(mapper.num_layers())
{
}

void superposition_mapper_impl::set_alphas(const std::vector<float>& alphas)
{
    auto current = this->mapper();
    std::shared_ptr<const ::semcom::SuperpositionMapper> next;
    try {
        next = std::make_shared<const ::semcom::SuperpositionMapper>(current->layers(), alphas);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("superposition_mapper: set_alphas: ") + e.what());
    }
    {
        std::lock_guard<std::mutex> l(d_mutex);
        d_mapper = std::move(next);
    }
    std::string shares;
    for (float a : alphas)
        shares += (shares.empty() ? "" : ", ") + std::to_string(a);
    d_logger->info("power shares {}", shares);
}

int superposition_mapper_impl::work(int noutput_items,
                                    gr_vector_const_void_star& input_items,
                                    gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        const auto mapper_now = mapper(); // one lock a call: set_alphas may swap it meanwhile
        const auto& m = *mapper_now;
        for (std::size_t l = 0; l < d_in.size(); ++l)
            d_in[l] = static_cast<const std::uint8_t*>(input_items[l]);
        // an index beyond the layer's order is reduced modulo it (the mapper's contract): counted
        const long bad = long(m.map(d_in.data(), static_cast<gr_complex*>(output_items[0]),
                                           std::size_t(noutput_items)));
        if (bad > 0 && d_out_of_range.fetch_add(bad) == 0)
            for (std::size_t l = 0; l < d_in.size(); ++l)
                if (m.count_out_of_range(l, d_in[l], std::size_t(noutput_items)) > 0)
                    d_logger->warn("layer {}: index >= its order {} (reduced modulo it; counted, later ones "
                                   "silently)",
                                   l, m.layers()[l].order());
        return noutput_items;
    });
}

} // namespace semcom
} // namespace gr
