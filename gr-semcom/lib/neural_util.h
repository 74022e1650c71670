/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_NEURAL_UTIL_H
#define INCLUDED_SEMCOM_NEURAL_UTIL_H

#include "message_parsers.h"

#include <gnuradio/logger.h>
#include <pmt/pmt.h>
#include <semcom/neural/model.h>
#include <semcom/neural/model_bank.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace semcom {

namespace nn = ::semcom::neural;

// snr_from_message: message_parsers.h

//! "a,b,c" -> {a, b, c}; an empty entry is kept (and then refused by the loader, with its name).
inline std::vector<std::string> split_list(const std::string& list)
{
    std::vector<std::string> out;
    std::size_t from = 0;
    for (;;) {
        const auto comma = list.find(',', from);
        out.push_back(list.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
        if (comma == std::string::npos)
            return out;
        from = comma + 1;
    }
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

class neural_decoder;
//! For semcom.receiver: a decoder over a bank loaded once.
std::shared_ptr<neural_decoder> neural_decoder_make_from(std::shared_ptr<nn::ModelBank> bank, float snr_db,
                                                         int max_wait_us, bool realtime, int queue_capacity,
                                                         float exit_threshold = 0.0f, bool hard_decisions = false);
//! Loads \p paths as one bank (each model's checks, then the bank's), errors prefixed by \p block.
std::shared_ptr<nn::ModelBank> load_model_bank(const char* block, const std::vector<std::string>& paths,
                                               const std::string& device, int max_batch);

} // namespace semcom
} // namespace gr

#endif
