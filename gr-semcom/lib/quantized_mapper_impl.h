/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_QUANTIZED_MAPPER_IMPL_H
#define INCLUDED_SEMCOM_QUANTIZED_MAPPER_IMPL_H

#include <gnuradio/semcom/quantized_mapper.h>
#include <semcom/quantizer.h>

namespace gr {
namespace semcom {

class quantized_mapper_impl : public quantized_mapper
{
public:
    quantized_mapper_impl(int values, const ::semcom::QuantizedMapper& mapper);

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const int d_values;
    const ::semcom::QuantizedMapper d_mapper;
};

} // namespace semcom
} // namespace gr

#endif
