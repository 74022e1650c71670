/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BLOCK_UTIL_H
#define INCLUDED_SEMCOM_BLOCK_UTIL_H

#include <semcom/superposition.h>

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

} // namespace semcom
} // namespace gr

#endif
