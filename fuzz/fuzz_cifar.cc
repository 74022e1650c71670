/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the CIFAR-10 / CIFAR-100 binary reader (load_cifar). The first byte picks
 * the variant (even: CIFAR-10, odd: CIFAR-100), the rest is its test file. load_cifar either refuses
 * it with one line naming the file, or returns a set whose labels are in range and whose
 * coarse_of_fine table agrees with every record.
 */
#include "fuzz_util.h"

#include <semcom/images.h>

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 1)
        return 0;
    const int variant = data[0] % 2 ? 100 : 10;
    const std::string dir = semcom_fuzz::scratch_dir();
    semcom_fuzz::write_file(variant == 10 ? "test_batch.bin" : "test.bin", data + 1, size - 1);
    try {
        const auto s = semcom::load_cifar(dir, variant, "test");
        if (s.size() == 0 || s.coarse.size() != s.size() || s.pixels.size() != s.size() * 3072)
            std::abort();
        const int fine_classes = variant, coarse_classes = variant == 10 ? 2 : 20;
        if (s.coarse_of_fine.size() != std::size_t(fine_classes))
            std::abort();
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s.fine[i] < 0 || s.fine[i] >= fine_classes || s.coarse[i] < 0 || s.coarse[i] >= coarse_classes ||
                s.coarse_of_fine[std::size_t(s.fine[i])] != s.coarse[i])
                std::abort();
    } catch (const std::runtime_error& e) {
        semcom_fuzz::check_message(e.what(), dir);
    }
    return 0;
}
