/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the JPEG payload decoder of the separate-coding baseline (JpegCodec::decode,
 * libjpeg-turbo; what a receiver gets after the channel code, so any bytes). Byte 0 picks the shape
 * (grey 28x28 as Fashion-MNIST, or RGB 32x32); the rest is the payload. decode either refuses it
 * with a reason (returns false, one line) or fills every value of the image with a number in [0, 1].
 */
#include <semcom/jpeg_codec.h>

#include <cstdlib>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const bool rgb = data[0] & 1;
    const semcom::JpegCodec codec(rgb ? 3 : 1, rgb ? 32 : 28, rgb ? 32 : 28);
    std::vector<float> chw(codec.channels() * codec.height() * codec.width(), -1.0f);
    std::string error;
    if (!codec.decode(data + 1, size - 1, chw.data(), &error)) {
        if (error.empty() || error.find('\n') != std::string::npos)
            std::abort();
        return 0;
    }
    for (float v : chw)
        if (!(v >= 0.0f && v <= 1.0f))
            std::abort();
    return 0;
}
