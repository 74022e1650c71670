/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "message_parsers.h"
#include "zmq_sub_socket.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/zmq_stream_source.h>
#include <semcom/one_line.h>

#include <zmq.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace gr {
namespace semcom {

/*
 * A ZeroMQ SUB socket (libzmq's C API) read in work(); the parsing is in message_parsers.cc, this is
 * the socket, the copy into the output buffer across calls, the tags and the counts.
 */
class zmq_stream_source_impl : public zmq_stream_source
{
public:
    zmq_stream_source_impl(std::size_t itemsize, const std::string& address, int timeout_ms, bool pass_tags)
        : gr::sync_block("zmq_stream_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, itemsize_checked(itemsize))),
          d_itemsize(itemsize),
          d_address(address),
          d_timeout_ms(checked_poll_timeout("zmq_stream_source", timeout_ms)),
          d_pass_tags(pass_tags),
          d_socket("zmq_stream_source", address, false, max_message_bytes)
    {
        zmq_msg_init(&d_msg);
    }

    ~zmq_stream_source_impl() override { zmq_msg_close(&d_msg); }

    long messages_received() const override { return d_received; }
    long messages_refused() const override { return d_refused; }
    long items_refused() const override { return d_items_refused; }

    int work(int noutput_items, gr_vector_const_void_star&, gr_vector_void_star& output_items) override
    {
        auto* out = static_cast<char*>(output_items[0]);
        int done = 0;
        while (done < noutput_items) {
            if (d_left == 0 && !next_message(done == 0))
                break;
            const std::size_t n = std::min<std::size_t>(d_left, std::size_t(noutput_items - done));
            const std::size_t first = d_message.items - d_left; // the message's item at out[done]
            std::memcpy(out + std::size_t(done) * d_itemsize,
                        static_cast<const char*>(zmq_msg_data(&d_msg)) + d_message.payload_at + first * d_itemsize,
                        n * d_itemsize);
            for (const auto& tag : d_message.tags) {
                const std::uint64_t at = tag.offset - d_message.offset; // checked: < items
                if (at >= first && at < first + n)
                    add_item_tag(0, nitems_written(0) + std::uint64_t(done) + (at - first), tag.key, tag.value,
                                 tag.srcid);
            }
            d_left -= n;
            done += int(n);
        }
        return done;
    }

private:
    static int itemsize_checked(std::size_t itemsize)
    {
        if (itemsize < 1 || itemsize > 65536)
            throw std::invalid_argument("zmq_stream_source: itemsize " + std::to_string(itemsize) +
                                        " is not in 1..65536");
        return int(itemsize);
    }

    // The next usable message into d_msg / d_message; waits up to the timeout when \p wait.
    bool next_message(bool wait)
    {
        for (;;) {
            if (wait) {
                zmq_pollitem_t item{ d_socket.get(), 0, ZMQ_POLLIN, 0 };
                const int n = zmq_poll(&item, 1, d_timeout_ms);
                if (n <= 0 || !(item.revents & ZMQ_POLLIN))
                    return false; // timed out or interrupted: no items this time
            }
            if (zmq_msg_recv(&d_msg, d_socket.get(), ZMQ_DONTWAIT) < 0)
                return false;
            ++d_received;
            const std::size_t size = zmq_msg_size(&d_msg);
            if (zmq_msg_more(&d_msg)) {
                for (bool more = true; more;) { // the rest of it, read and dropped
                    zmq_msg_t extra;
                    zmq_msg_init(&extra);
                    more = zmq_msg_recv(&extra, d_socket.get(), 0) >= 0 && zmq_msg_more(&extra);
                    zmq_msg_close(&extra);
                }
                refuse("a message of several frames (pub_sink sends one; a key filter?)", size);
                continue;
            }
            try {
                d_message = parse_stream_message(static_cast<const char*>(zmq_msg_data(&d_msg)), size, d_itemsize,
                                                 d_pass_tags);
            } catch (const std::exception& e) {
                refuse(e.what(), size);
                continue;
            } catch (...) {
                refuse("unreadable", size);
                continue;
            }
            d_left = d_message.items;
            if (d_left > 0)
                return true;
            wait = false; // an empty message: take the next one waiting, if any
        }
    }

    //! Counted; the first refusal logged in one line, later ones only counted.
    void refuse(const std::string& why, std::size_t bytes)
    {
        ++d_refused;
        d_items_refused += long(bytes / d_itemsize);
        if (d_logged)
            return;
        d_logged = true;
        d_logger->warn("{}", ::semcom::one_line("message " + std::to_string(d_received) + " on " + d_address +
                                                    " refused: " + why + " (later refusals counted, not logged)",
                                                400));
    }

    const std::size_t d_itemsize;
    const std::string d_address;
    const int d_timeout_ms;
    const bool d_pass_tags;
    ZmqSubSocket d_socket;
    zmq_msg_t d_msg;
    StreamMessage d_message;
    std::size_t d_left = 0; // items of d_message not yet written
    bool d_logged = false;
    std::atomic<long> d_received{ 0 }, d_refused{ 0 }, d_items_refused{ 0 };
};

zmq_stream_source::sptr
zmq_stream_source::make(std::size_t itemsize, const std::string& address, int timeout_ms, bool pass_tags)
{
    return gnuradio::make_block_sptr<zmq_stream_source_impl>(itemsize, address, timeout_ms, pass_tags);
}

} // namespace semcom
} // namespace gr
