/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the quantizer side information (gr-semcom/lib/message_parsers.cc,
 * quantized_info_from_pmt: the frame-info dict a quantized frame carries as its semcom_frame tag,
 * across gr-zeromq too). The input is deserialised with pmt::deserialize_str, as gr-zeromq does;
 * what it refuses (deserialize_checked: claimed lengths against the bytes, then pmt's own checks)
 * ends there. Side information that is accepted is within its
 * documented ranges and the demapper inverts a frame with it without error.
 */
#include "message_parsers.h"

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    pmt::pmt_t msg;
    try {
        msg = gr::semcom::deserialize_checked(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::exception&) {
        return 0; // refused before any block sees it
    }
    std::string why;
    const auto info = gr::semcom::quantized_info_from_pmt(msg, &why);
    if (!info) {
        if (why.empty() || why.find('\n') != std::string::npos)
            std::abort();
        return 0;
    }
    if (info->bits < 1 || info->bits > 8 || info->values % 2 || !std::isfinite(info->range.z_min) ||
        !std::isfinite(info->range.z_max) || !(info->range.z_min <= info->range.z_max) ||
        !(info->gain > 0.0f) || !std::isfinite(info->gain) || info->sent > info->values / 2)
        std::abort();
    if (info->values > 1 << 14)
        return 0; // a frame the fuzzer cannot afford; the block checks values against its own size
    std::vector<semcom::cfloat> y(info->values / 2, semcom::cfloat(0.5f, -0.25f));
    std::vector<float> z(info->values);
    const semcom::QuantizedDemapper demapper;
    for (bool snap : { false, true })
        demapper.demap(y.data(), *info, z.data(), snap); // may not throw on accepted side information
    return 0;
}
