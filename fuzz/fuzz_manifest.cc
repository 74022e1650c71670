/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the model manifest parser (semcom::neural::Manifest::parse, the JSON of
 * docs/model-manifest.md). Whatever the text, parse either refuses it with one line that names the
 * manifest (std::invalid_argument / std::runtime_error; any other exception escapes and is a
 * finding), or returns a manifest within the documented limits, whose constellation check and tensor
 * sizes run without overflow.
 */
#include "fuzz_util.h"

#include <semcom/neural/manifest.h>

#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using semcom::neural::Manifest;
    const std::string origin = "fuzz/manifest.json";
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const Manifest m = Manifest::parse(text, origin);
        if (m.transmit.receivers < 1 || m.transmit.receivers > 64 || m.channel_uses < 1 ||
            m.channel_uses > Manifest::max_channel_uses || (m.receiver && (*m.receiver < 1 || *m.receiver > 64)))
            std::abort();
        for (const auto* specs : { &m.inputs, &m.outputs })
            for (const auto& t : *specs)
                if (t.item_numel() < 1 || t.item_numel() > Manifest::max_item_values || t.describe().empty())
                    std::abort();
        for (const auto& c : m.constellations)
            if (c.points.size() != c.order)
                std::abort();
        try {
            semcom::neural::verify_constellations(m);
        } catch (const std::invalid_argument& e) {
            semcom_fuzz::check_message(e.what(), origin);
        }
        (void)m.model_path();
    } catch (const std::invalid_argument& e) {
        semcom_fuzz::check_message(e.what(), origin);
    } catch (const std::runtime_error& e) {
        semcom_fuzz::check_message(e.what(), origin);
    }
    return 0;
}
