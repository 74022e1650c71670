/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_NEURAL_UTIL_H
#define INCLUDED_SEMCOM_NEURAL_UTIL_H

#include <gnuradio/logger.h>
#include <pmt/pmt.h>
#include <semcom/neural/model.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace gr {
namespace semcom {

namespace nn = ::semcom::neural;

inline float snr_from_message(const pmt::pmt_t& msg, float fallback)
{
    if (pmt::is_number(msg))
        return float(pmt::to_double(msg));
    if (pmt::is_dict(msg)) {
        const auto v = pmt::dict_ref(msg, pmt::mp("snr_db"), pmt::PMT_NIL);
        if (pmt::is_number(v))
            return float(pmt::to_double(v));
    }
    return fallback;
}

inline std::shared_ptr<nn::Model> load_model(const char* block, const std::string& path,
                                      const std::string& device, int max_batch)
{
    if (max_batch < 1)
        throw std::invalid_argument(std::string(block) + ": max_batch must be >= 1");
    nn::ModelOptions o;
    o.device = device;
    o.max_batch = max_batch;
    o.log = [block](const std::string& line) {
        gr::logger l(block);
        l.info("{}", line);
    };
    try {
        return std::make_shared<nn::Model>(path, o);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(block) + ": " + e.what());
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string(block) + ": " + e.what());
    }
}


} // namespace semcom
} // namespace gr

#endif
