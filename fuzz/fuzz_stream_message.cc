/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target for the ZeroMQ stream path (`semcom simulate --role rx`): a message as
 * gr-zeromq's pub_sink sends it (tag header, tags as serialised PMTs, complex items), read by
 * zmq_stream_source with parse_stream_message. Only std::invalid_argument or pmt's own exceptions
 * may leave it; an accepted message's items fill the bytes after its header exactly and every tag
 * lies on one of them.
 */
#include "message_parsers.h"

#include <cstdlib>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    // byte 0: with tags (even) or without (odd), the rest: the message
    if (size < 1)
        return 0;
    const bool with_tags = data[0] % 2 == 0;
    const char* msg = reinterpret_cast<const char*>(data + 1);
    const std::size_t n = size - 1;
    gr::semcom::StreamMessage m;
    try {
        m = gr::semcom::parse_stream_message(msg, n, 8, with_tags);
    } catch (const std::invalid_argument&) {
        return 0;
    } catch (const std::exception&) {
        return 0; // pmt's own (a symbol it cannot intern, ...): refused by the block alike
    }
    if (m.payload_at > n || m.payload_at + m.items * 8 != n)
        std::abort();
    if (!with_tags && (m.payload_at != 0 || !m.tags.empty()))
        std::abort();
    for (const auto& tag : m.tags)
        if (tag.offset < m.offset || tag.offset - m.offset >= m.items || !tag.key || !tag.value || !tag.srcid)
            std::abort();
    return 0;
}
