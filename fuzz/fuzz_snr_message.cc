/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the SNR feedback message path (ZeroMQ: a receiver's snr_report published
 * with pub_msg_sink, read by snr_report_source with deserialize_checked, handed to semantic_encoder's
 * "snr" port and neural_decoder's): deserialize_checked of the input (pmt::deserialize_str after its lengths are checked), then parse_snr_message and the
 * SnrTable the encoder keeps, as semantic_encoder_impl does. Nothing may throw past the parser,
 * every value used must be finite, and the table must stay within its trained ranges.
 */
#include "message_parsers.h"

#include <semcom/snr_feedback.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    using gr::semcom::SnrMessage;
    pmt::pmt_t msg;
    try {
        msg = gr::semcom::deserialize_checked(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const std::exception&) {
        return 0; // refused before any block sees it
    }
    const float decoder_snr = gr::semcom::snr_from_message(msg, 3.0f);
    if (!std::isfinite(decoder_snr))
        std::abort();
    const SnrMessage m = gr::semcom::parse_snr_message(msg);
    for (const auto& e : m.errors)
        if (e.empty() || e.find('\n') != std::string::npos)
            std::abort();
    semcom::SnrTable table(3, 0.0f, { { -5.0, 20.0 }, { -5.0, 20.0 }, { 0.0, 25.0 } });
    switch (m.kind) {
    case SnrMessage::Kind::invalid:
        if (m.errors.empty())
            std::abort();
        break;
    case SnrMessage::Kind::all:
        if (!std::isfinite(m.all_db))
            std::abort();
        table.set_all(std::vector<float>(table.size(), m.all_db));
        break;
    case SnrMessage::Kind::per_receiver:
        if (m.values.size() > gr::semcom::max_snr_values)
            std::abort();
        for (float v : m.values)
            if (!std::isfinite(v))
                std::abort();
        if (m.values.size() == table.size())
            table.set_all(m.values);
        break;
    case SnrMessage::Kind::reports:
        if (m.reports.size() > gr::semcom::max_snr_values)
            std::abort();
        for (const auto& [receiver, snr_db] : m.reports) {
            const auto u = table.report(receiver, snr_db);
            if (u.accepted) {
                const auto& r = table.ranges()[std::size_t(receiver - 1)];
                if (!std::isfinite(u.new_db) || u.new_db < float(r.lo) || u.new_db > float(r.hi) ||
                    u.describe().empty())
                    std::abort();
            } else if (u.reason.empty()) {
                std::abort();
            }
        }
        break;
    }
    for (float v : table.values())
        if (!std::isfinite(v))
            std::abort();
    return 0;
}
