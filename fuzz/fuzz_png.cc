/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the PNG reader (read_png, libpng's simplified API; load_png_folder reads
 * each file with it). The input is the file: read_png either refuses it with one line naming the
 * file, before allocating what a header claims beyond what the file can hold, or returns a grey or
 * RGB image of the size it reports with every value in [0, 1].
 */
#include "fuzz_util.h"

#include <semcom/images.h>

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto path = semcom_fuzz::write_file("image.png", data, size);
    try {
        std::size_t c = 0, h = 0, w = 0;
        const auto chw = semcom::read_png(path, c, h, w);
        if ((c != 1 && c != 3) || h == 0 || w == 0 || chw.size() != c * h * w)
            std::abort();
        for (float v : chw)
            if (!(v >= 0.0f && v <= 1.0f))
                std::abort();
    } catch (const std::runtime_error& e) {
        semcom_fuzz::check_message(e.what(), path);
    }
    return 0;
}
