/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_QUANTIZED_DEMAPPER_H
#define INCLUDED_SEMCOM_QUANTIZED_DEMAPPER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>

namespace gr {
namespace semcom {

/*!
 * \brief Quantized constellation demapper: n received symbols -> the 2n features of one frame.
 * \ingroup semcom
 *
 * Reads the "semcom_frame" side-information tag at the first symbol of each frame (as written by
 * quantized_mapper and carried through the channel) and returns y / gain in feature order, the
 * noisy features a neural decoder expects, or with snap = true the nearest quantizer levels.
 * A frame whose first symbol has no side information cannot be inverted: it is dropped, counted
 * (frames_dropped()) and logged, never passed on with wrong values.
 */
class SEMCOM_API quantized_demapper : virtual public gr::block
{
public:
    typedef std::shared_ptr<quantized_demapper> sptr;

    static sptr make(int values, bool snap = false);

    virtual std::uint64_t frames_dropped() const = 0;
    //! Received symbols that were NaN or infinite: their two values went out as 0 (no information).
    virtual long symbols_nonfinite() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
