/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_EQUALISER_H
#define INCLUDED_SEMCOM_EQUALISER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief One-tap equaliser driven by channel-state tags: y -> y / h (ZF) or MMSE.
 * \ingroup semcom
 *
 * Each frame info (gnuradio/semcom/frame_info.h) with an h (as broadcast_channel writes per
 * block-fading frame, or a receiver's estimator) sets h and the noise variance from its sample
 * on; its snr_db becomes the SNR after equalisation, 10 log10(|h|^2 / noise_var), which
 * neural_decoder feeds to its model. Other tags pass through. Before the first CSI, h = 1.
 * A frame whose h is zero, NaN or infinite (or whose noise variance is not a finite number >= 0)
 * carries nothing: its symbols come out as zeros and its snr_db as -100 dB, counted in
 * frames_without_gain() (ZF would give inf and NaN, and an inf/NaN snr_db would be ignored).
 */
class SEMCOM_API equaliser : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<equaliser> sptr;

    //! kind: "zf" or "mmse"
    static sptr make(const std::string& kind = "zf");
    //! Frames whose channel gain was zero, NaN or infinite: equalised to zeros.
    virtual long frames_without_gain() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
