/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SUPERPOSITION_DEMAPPER_H
#define INCLUDED_SEMCOM_SUPERPOSITION_DEMAPPER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Per-layer decisions on received superposed symbols: one output per layer.
 * \ingroup semcom
 *
 * Modes:
 * - "hard_ml": joint nearest super-point, output k = layer-k index (byte);
 * - "hard_sic": successive interference cancellation, layer 1 first (byte);
 * - "llr": exact bit LLRs ln P(b=0|y)/P(b=1|y), output k = float vector of log2(M_k), MSB first;
 * - "posterior": exact P(s_k = m | y), output k = float vector of M_k.
 * The soft modes need the noise variance of the (equalised) input: set it, or let the frame info
 * (gnuradio/semcom/frame_info.h) update it from that sample on: its snr_db sets
 * noise_var = 10^(-snr/10), else its noise_var.
 */
class SEMCOM_API superposition_demapper : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<superposition_demapper> sptr;

    static sptr make(const std::vector<std::string>& layers,
                     const std::vector<float>& alphas,
                     const std::string& mode = "hard_ml",
                     float noise_var = 0.1f);

    virtual void set_noise_var(float noise_var) = 0;
    virtual float noise_var() const = 0;
    //! Received symbols that were NaN or infinite: they carry nothing (index 0, LLRs 0, uniform
    //! posteriors), counted.
    virtual long symbols_nonfinite() const = 0;
    //! Frame infos whose snr_db (or noise_var) was not a usable number (NaN, inf, <= 0 noise):
    //! the previous noise variance stays, counted.
    virtual long snr_tags_ignored() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
