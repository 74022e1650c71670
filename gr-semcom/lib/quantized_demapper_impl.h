/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_QUANTIZED_DEMAPPER_IMPL_H
#define INCLUDED_SEMCOM_QUANTIZED_DEMAPPER_IMPL_H

#include <gnuradio/semcom/quantized_demapper.h>
#include <semcom/quantizer.h>

#include <atomic>

namespace gr {
namespace semcom {

class quantized_demapper_impl : public quantized_demapper
{
public:
    quantized_demapper_impl(int values, bool snap);

    std::uint64_t frames_dropped() const override { return d_dropped; }
    long symbols_nonfinite() const override { return d_nonfinite; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    const int d_values;
    const int d_symbols;
    const bool d_snap;
    const ::semcom::QuantizedDemapper d_demapper{};
    std::atomic<std::uint64_t> d_dropped{ 0 };
    std::atomic<long> d_nonfinite{ 0 };
};

} // namespace semcom
} // namespace gr

#endif
