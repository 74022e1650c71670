/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_H
#define INCLUDED_SEMCOM_SUPERPOSITION_MAPPER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Superposition mapper: K index streams -> one stream of superposed complex symbols.
 * \ingroup semcom
 *
 * Input k carries one symbol index of layer k per byte (reduced modulo the layer order);
 * the output is Y = sum_k sqrt(alpha_k) C_k[s_k] with unit average power. Layer 1 is the basic,
 * most protected layer: alphas must be > 0, strictly decreasing, and sum to 1.
 * 4QAM x 16QAM with alphas (16/21, 5/21) gives a uniform 64QAM, 4QAM x 4QAM with (0.8, 0.2) a
 * uniform 16QAM. See semcom::SuperpositionMapper.
 */
class SEMCOM_API superposition_mapper : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<superposition_mapper> sptr;

    /*!
     * \param layers constellation name of each layer, e.g. {"4qam", "16qam"}
     * \param alphas power share of each layer
     */
    static sptr make(const std::vector<std::string>& layers, const std::vector<float>& alphas);

    //! The super-constellation, indexed by the mixed-radix super index (layer 1 most significant).
    virtual std::vector<gr_complex> super_constellation() const = 0;
    //! Input indices beyond their layer's order (sent reduced modulo the order), counted.
    virtual long indices_out_of_range() const = 0;
    /*!
     * The layers' power shares from the next work call on (> 0, strictly decreasing, sum 1;
     * ValueError otherwise, the old ones kept). A live control: receivers trained at other shares
     * are not told, which is what a mismatch experiment wants. Thread-safe.
     */
    virtual void set_alphas(const std::vector<float>& alphas) = 0;
    virtual std::vector<float> alphas() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
