/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_IMPL_H
#define INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_IMPL_H

#include <gnuradio/semcom/superposition_mapper.h>
#include <semcom/superposition.h>
#include <atomic>

namespace gr {
namespace semcom {

class superposition_mapper_impl : public superposition_mapper
{
public:
    superposition_mapper_impl(const ::semcom::SuperpositionMapper& mapper);

    std::vector<gr_complex> super_constellation() const override { return d_mapper.table(); }
    long indices_out_of_range() const override { return d_out_of_range; }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const ::semcom::SuperpositionMapper d_mapper;
    std::vector<const std::uint8_t*> d_in;
    std::atomic<long> d_out_of_range{ 0 };
};

} // namespace semcom
} // namespace gr

#endif
