/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BLOCK_UTIL_H
#define INCLUDED_SEMCOM_BLOCK_UTIL_H

#include <gnuradio/block.h>
#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <semcom/superposition.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace semcom {

//! Builds a semcom-core object, prefixing any parameter error with the block's name, so that
//! Python users see e.g. "superposition_mapper: alphas must sum to 1" as a ValueError.
template <typename F>
auto build_or_explain(const char* block, F&& build) -> decltype(build())
{
    try {
        return build();
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(block) + ": " + e.what());
    } catch (const std::logic_error& e) {
        throw std::invalid_argument(std::string(block) + ": " + e.what());
    }
}

inline ::semcom::SuperpositionMapper make_superposition(const char* block,
                                                        const std::vector<std::string>& layers,
                                                        const std::vector<float>& alphas)
{
    return build_or_explain(block, [&] {
        if (layers.empty())
            throw std::invalid_argument("layers: give at least one constellation name");
        std::vector<::semcom::Constellation> c;
        for (std::size_t l = 0; l < layers.size(); ++l) {
            try {
                c.push_back(::semcom::Constellation::from_name(layers[l]));
            } catch (const std::invalid_argument& e) {
                throw std::invalid_argument("layers[" + std::to_string(l) + "] = '" + layers[l] +
                                            "': " + e.what());
            }
        }
        return ::semcom::SuperpositionMapper(std::move(c), alphas);
    });
}

/*!
 * forecast() of a sink whose inputs are independent streams, each consumed on its own (originals
 * and every receiver's frames): general_work() runs as soon as any input has an item, so that an
 * input that never gets one (a receiver that decodes nothing) never holds up the others, nor,
 * through their full buffers, the source upstream.
 *
 * GNU Radio calls general_work() only when every input has what forecast() asks for: this asks one
 * item of the inputs that have some and none of the others. When no input has any, it asks one of
 * the first input still open, so that the thread sleeps until an input changes (no busy loop);
 * when every input is finished and empty, one of input 0, so that the scheduler ends the block.
 */
inline void forecast_any_input(const gr::block& b, gr_vector_int& required)
{
    std::fill(required.begin(), required.end(), 0);
    const auto d = b.detail();
    if (!d) {
        std::fill(required.begin(), required.end(), 1);
        return;
    }
    bool any = false;
    int open = -1;
    for (int i = 0; i < int(required.size()); ++i) {
        const auto reader = d->input(unsigned(i));
        gr::thread::scoped_lock guard(*reader->mutex());
        if (reader->items_available() > 0) {
            required[i] = 1;
            any = true;
        } else if (!reader->done() && open < 0) {
            open = i;
        }
    }
    if (!any && !required.empty())
        required[open < 0 ? 0 : open] = 1;
}

} // namespace semcom
} // namespace gr

#endif
