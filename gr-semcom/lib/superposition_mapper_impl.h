/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_IMPL_H
#define INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_IMPL_H

#include <gnuradio/semcom/superposition_mapper.h>
#include <semcom/superposition.h>
#include <atomic>
#include <memory>
#include <mutex>

namespace gr {
namespace semcom {

class superposition_mapper_impl : public superposition_mapper
{
public:
    superposition_mapper_impl(const ::semcom::SuperpositionMapper& mapper);

    std::vector<gr_complex> super_constellation() const override { return mapper()->table(); }
    long indices_out_of_range() const override { return d_out_of_range; }
    void set_alphas(const std::vector<float>& alphas) override;
    std::vector<float> alphas() const override { return mapper()->alphas(); }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    std::shared_ptr<const ::semcom::SuperpositionMapper> mapper() const
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_mapper;
    }

    mutable std::mutex d_mutex; //!< guards d_mapper: set_alphas replaces it from another thread
    std::shared_ptr<const ::semcom::SuperpositionMapper> d_mapper;
    std::vector<const std::uint8_t*> d_in;
    std::atomic<long> d_out_of_range{ 0 };
};

} // namespace semcom
} // namespace gr

#endif
