/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the burst header and frame parsers (scripts/fuzz.sh builds and runs it).
 * Bytes 0..31 go to FrameHeader::parse: whatever it accepts must serialise back to the same
 * bytes. The rest, read as float pairs, is a received burst for FrameFormat::parse (spreading 1
 * and 4) and the BurstDetector, and a stream of samples for the WaveformReceiver (in two pieces):
 * none may crash, read out of bounds or accept a header that fails its checks. The whole input is
 * also a side-information block for SideInfo::parse: what it accepts must serialise to records
 * that parse back to the same.
 */
#include <semcom/frame.h>
#include <semcom/waveform.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using namespace semcom;
    std::string error;
    if (size > 0) {
        const std::size_t images = 1 + data[0] % 255;
        if (const auto side = SideInfo::parse(data + 1, size - 1, images, &error)) {
            if (side->keep_masks.size() > images || side->quantizers.size() > images)
                std::abort();
            if (side->size() <= SideInfo::max_bytes) {
                const auto again = side->serialize();
                const auto back = SideInfo::parse(again.data(), again.size(), images);
                if (!back || !(*back == *side))
                    std::abort(); // accepted records that do not round-trip
            }
        } else if (error.empty()) {
            std::abort();
        }
    }
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
    static const FrameFormat plain(8), spread(8, 4);
    static const BurstDetector detector(plain), robust(spread, BurstDetector::default_threshold, 2, 2);
    for (const FrameFormat* format : { &plain, &spread })
        if (const auto parsed = format->parse(burst.data(), burst.size(), &error)) {
            if (parsed->payload.size() != parsed->header.data_symbols() ||
                format->burst_symbols(parsed->header) > burst.size() ||
                parsed->header.spreading != format->spreading())
                std::abort();
        }
    for (const BurstDetector* d : { &detector, &robust })
        for (const auto& found : d->detect(burst.data(), burst.size()))
            if (found.start >= burst.size())
                std::abort();
    WaveformConfig cfg;
    cfg.sps = 2;
    cfg.pilots = 8;
    cfg.spreading = data[0] & 1 ? 2 : 1;
    WaveformReceiver rx(cfg);
    const std::size_t half = burst.size() / 2;
    std::size_t images = rx.push(burst.data(), half).size();
    images += rx.push(burst.data() + half, burst.size() - half).size();
    if (images != rx.counters().frames)
        std::abort();
    return 0;
}
