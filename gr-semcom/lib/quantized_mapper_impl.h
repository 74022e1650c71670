/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_QUANTIZED_MAPPER_IMPL_H
#define INCLUDED_SEMCOM_QUANTIZED_MAPPER_IMPL_H

#include <gnuradio/semcom/quantized_mapper.h>
#include <semcom/quantizer.h>

#include <atomic>
#include <cmath>

namespace gr {
namespace semcom {

class quantized_mapper_impl : public quantized_mapper
{
public:
    quantized_mapper_impl(int values, const ::semcom::QuantizedMapper& mapper);

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

    double mean_symbols_sent() const override
    {
        return d_frames ? double(d_symbols_sent) / double(d_frames) : std::nan("");
    }

private:
    std::atomic<std::uint64_t> d_frames{ 0 }, d_symbols_sent{ 0 };
    const int d_values;
    const ::semcom::QuantizedMapper d_mapper;
};

} // namespace semcom
} // namespace gr

#endif
