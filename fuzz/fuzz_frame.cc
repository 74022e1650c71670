/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the burst header and frame parsers (scripts/fuzz.sh builds and runs it).
 * Bytes 0..31 go to FrameHeader::parse: whatever it accepts must serialise back to the same
 * bytes. The rest, read as float pairs, is a received burst for FrameFormat::parse and the
 * BurstDetector: neither may crash, read out of bounds or accept a header that fails its checks.
 */
#include <semcom/frame.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace semcom;
    std::string error;
    if (const auto h = FrameHeader::parse(data, size, &error)) {
        const auto again = h->serialize();
        if (std::memcmp(again.data(), data, FrameHeader::size) != 0)
            std::abort(); // accepted bytes that do not round-trip
    } else if (error.empty()) {
        std::abort(); // refused without saying why
    }
    if (size <= FrameHeader::size)
        return 0;
    const std::size_t n = (size - FrameHeader::size) / (2 * sizeof(float));
    if (n == 0)
        return 0;
    std::vector<cfloat> burst(n);
    std::memcpy(static_cast<void*>(burst.data()), data + FrameHeader::size, n * sizeof(cfloat));
    for (auto& s : burst)
        if (!std::isfinite(s.real()) || !std::isfinite(s.imag()))
            s = cfloat(0.0f, 0.0f); // the radio delivers finite samples
    static const FrameFormat format(8);
    static const BurstDetector detector(format);
    if (const auto parsed = format.parse(burst.data(), burst.size(), &error)) {
        if (parsed->payload.size() != parsed->header.payload_symbols ||
            format.overhead() + parsed->payload.size() > burst.size())
            std::abort();
    }
    for (const auto& d : detector.detect(burst.data(), burst.size()))
        if (d.start + 2 * FrameFormat::preamble_half > burst.size())
            std::abort();
    return 0;
}
