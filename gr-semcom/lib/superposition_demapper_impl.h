/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SUPERPOSITION_DEMAPPER_IMPL_H
#define INCLUDED_SEMCOM_SUPERPOSITION_DEMAPPER_IMPL_H

#include <gnuradio/semcom/superposition_demapper.h>
#include <semcom/superposition.h>

#include <atomic>

namespace gr {
namespace semcom {

class superposition_demapper_impl : public superposition_demapper
{
public:
    enum class mode_t { hard_ml, hard_sic, llr, posterior };

    superposition_demapper_impl(const ::semcom::SuperpositionMapper& mapper,
                                mode_t mode,
                                const std::vector<int>& item_sizes,
                                float noise_var);

    void set_noise_var(float noise_var) override;
    float noise_var() const override { return d_noise_var; }
    long symbols_nonfinite() const override { return d_nonfinite; }
    long snr_tags_ignored() const override { return d_ignored; }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    void demap(const gr_complex* in, int n, gr_vector_void_star& out, int offset);

    const ::semcom::SuperpositionDemapper d_demapper;
    const mode_t d_mode;
    std::vector<int> d_width; //!< output vector length of each layer
    std::atomic<float> d_noise_var;
    std::vector<std::uint8_t*> d_hard;
    std::vector<float*> d_soft;
    std::atomic<long> d_nonfinite{ 0 }, d_ignored{ 0 };
    std::vector<std::size_t> d_orders; //!< per layer
};

} // namespace semcom
} // namespace gr

#endif
