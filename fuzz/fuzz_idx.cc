/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the IDX reader (load_idx: Fashion-MNIST's format, plain or gzip). The input
 * is two files: its first byte b says where the image file ends (b * size / 256), the rest is the
 * label file. load_idx either refuses them with one line naming a file, or returns a set whose
 * sizes agree (one fine and one coarse label per image, pixels in [0, 1]).
 */
#include "fuzz_util.h"

#include <semcom/images.h>

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const std::size_t cut = 1 + std::size_t(data[0]) * (size - 1) / 256;
    const auto images = semcom_fuzz::write_file("images.idx", data + 1, cut - 1);
    const auto labels = semcom_fuzz::write_file("labels.idx", data + cut, size - cut);
    try {
        const auto s = semcom::load_idx(images, labels);
        if (s.size() == 0 || s.coarse.size() != s.size() || s.channels != 1 ||
            s.pixels.size() != s.size() * s.image_size())
            std::abort();
        for (float v : s.pixels)
            if (!(v >= 0.0f && v <= 1.0f))
                std::abort();
    } catch (const std::runtime_error& e) {
        semcom_fuzz::check_message(e.what(), semcom_fuzz::scratch_dir());
    }
    return 0;
}
