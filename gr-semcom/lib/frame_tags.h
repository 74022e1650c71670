/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_FRAME_TAGS_H
#define INCLUDED_SEMCOM_FRAME_TAGS_H

#include "message_parsers.h"

#include <gnuradio/semcom/frame_info.h>
#include <pmt/pmt.h>
#include <semcom/quantizer.h>

#include <optional>

namespace gr {
namespace semcom {

//! \p frame (a frame-info dict, or PMT_NIL) with the quantizer side information added.
inline pmt::pmt_t quantized_info_to_pmt(const ::semcom::QuantizedFrameInfo& info, pmt::pmt_t frame = pmt::PMT_NIL)
{
    pmt::pmt_t d = pmt::is_dict(frame) ? frame : pmt::make_dict();
    d = pmt::dict_add(d, pmt::mp("bits"), pmt::from_long(info.bits));
    d = pmt::dict_add(d, pmt::mp("z_min"), pmt::from_double(info.range.z_min));
    d = pmt::dict_add(d, pmt::mp("z_max"), pmt::from_double(info.range.z_max));
    d = pmt::dict_add(d, pmt::mp("gain"), pmt::from_double(info.gain));
    d = pmt::dict_add(d, pmt::mp("values"), pmt::from_long(info.values));
    d = pmt::dict_add(d, pmt::mp("sent"), pmt::from_long(info.sent));
    return d;
}

// quantized_info_from_pmt, the side information read back (checked): message_parsers.h

} // namespace semcom
} // namespace gr

#endif
