/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_FRAME_TAGS_H
#define INCLUDED_SEMCOM_FRAME_TAGS_H

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

//! Reads side information back; nullopt if a field is missing or of the wrong type.
inline std::optional<::semcom::QuantizedFrameInfo> quantized_info_from_pmt(const pmt::pmt_t& d)
{
    if (!pmt::is_dict(d))
        return std::nullopt;
    const pmt::pmt_t nil = pmt::PMT_NIL;
    const auto bits = pmt::dict_ref(d, pmt::mp("bits"), nil);
    const auto z_min = pmt::dict_ref(d, pmt::mp("z_min"), nil);
    const auto z_max = pmt::dict_ref(d, pmt::mp("z_max"), nil);
    const auto gain = pmt::dict_ref(d, pmt::mp("gain"), nil);
    const auto values = pmt::dict_ref(d, pmt::mp("values"), nil);
    for (const auto& v : { bits, z_min, z_max, gain, values })
        if (!pmt::is_number(v))
            return std::nullopt;
    ::semcom::QuantizedFrameInfo info;
    info.bits = static_cast<unsigned>(pmt::to_long(bits));
    info.range.z_min = static_cast<float>(pmt::to_double(z_min));
    info.range.z_max = static_cast<float>(pmt::to_double(z_max));
    info.gain = static_cast<float>(pmt::to_double(gain));
    info.values = static_cast<std::uint32_t>(pmt::to_long(values));
    const auto sent = pmt::dict_ref(d, pmt::mp("sent"), nil);
    info.sent = pmt::is_number(sent) ? static_cast<std::uint32_t>(pmt::to_long(sent)) : 0;
    return info;
}

} // namespace semcom
} // namespace gr

#endif
