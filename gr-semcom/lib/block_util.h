/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BLOCK_UTIL_H
#define INCLUDED_SEMCOM_BLOCK_UTIL_H

#include <gnuradio/block.h>
#include <gnuradio/logger.h>
#include <gnuradio/semcom/block_errors.h>
#include <semcom/superposition.h>

#include <mutex>
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

//! Which instruction set the superposition kernels run with: one line per process, as
//! gr-dvbs2rx names its LDPC decoder's.
inline void log_superposition_kernels_once()
{
    static std::once_flag once;
    std::call_once(once, [] {
        gr::logger log("semcom");
        log.info("superposition kernels: demapper {}, mapper {}",
                 ::semcom::superposition_simd_level(),
                 ::semcom::superposition_mapper_kernel());
    });
}

inline ::semcom::SuperpositionMapper make_superposition(const char* block,
                                                        const std::vector<std::string>& layers,
                                                        const std::vector<float>& alphas)
{
    log_superposition_kernels_once();
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
 * Runs a block's work: an exception it did not count and go on from ends the block instead of its
 * thread (which would leave the flowgraph waiting forever): one error line, the error recorded
 * (block_errors(), for the program to report) and WORK_DONE, so that the flowgraph ends.
 */
template <typename F>
int guarded_work(const std::string& block, const gr::logger_ptr& logger, F&& work)
{
    try {
        return work();
    } catch (const std::exception& e) {
        const std::string what = e.what();
        record_block_error(block, what);
        logger->error("stopped: {}", what.substr(0, what.find('\n')));
        return gr::block::WORK_DONE;
    }
}

} // namespace semcom
} // namespace gr

#endif
