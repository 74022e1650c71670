/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_QUANTIZED_MAPPER_H
#define INCLUDED_SEMCOM_QUANTIZED_MAPPER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_interpolator.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief Quantized constellation mapper: a vector of 2n real features -> n complex symbols.
 * \ingroup semcom
 *
 * Each input vector (one frame, e.g. one image's features) is quantised to q bits with an
 * asymmetric range, dequantised, paired into I/Q symbols and scaled to unit average power.
 * The first symbol of each frame carries a tag "semcom_frame" whose value is a dict with the side
 * information the receiver needs: bits, z_min, z_max, gain, values, sent. See semcom::QuantizedMapper.
 *
 * A-MIJSCC: an end_index in an input frame's frame info (as semantic_encoder writes for adaptive
 * models) sends only that frame's first end_index symbols; the rest are 0 and carry no power.
 */
class SEMCOM_API quantized_mapper : virtual public gr::sync_interpolator
{
public:
    typedef std::shared_ptr<quantized_mapper> sptr;

    /*!
     * \param values real features per frame (even): the input vector length
     * \param bits quantizer bits q in 1..8
     * \param range_mode "per_frame" (min/max of each frame) or "calibrated" (z_min, z_max)
     * \param z_min lower range end for "calibrated"
     * \param z_max upper range end for "calibrated"
     */
    static sptr make(int values,
                     int bits,
                     const std::string& range_mode = "per_frame",
                     float z_min = -1.0f,
                     float z_max = 1.0f);

    //! Mean symbols sent per frame (all of them unless frame infos carry an end_index).
    virtual double mean_symbols_sent() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
