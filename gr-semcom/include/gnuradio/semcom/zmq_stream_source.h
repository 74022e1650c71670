/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_ZMQ_STREAM_SOURCE_H
#define INCLUDED_SEMCOM_ZMQ_STREAM_SOURCE_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief A stream (items and their tags) from a ZeroMQ SUB socket, each message checked before
 * any of it is used: a replacement for gr-zeromq's sub_source on a socket that anyone on the
 * network can reach.
 * \ingroup semcom
 *
 * It reads what gr-zeromq's pub_sink publishes (GNU Radio 3.10; pass_tags on: a tag header of
 * version 1, then the items). gr-zeromq's sub_source hands each tag's key, value and source id to
 * pmt::deserialize, which allocates the length a vector claims before reading it (9 bytes can
 * claim 2^32 elements), and throws out of work() on a short header. Here every message goes
 * through parse_stream_message (lib/message_parsers.h): a header that is not one, more tags than
 * its bytes can hold, a PMT whose lengths claim more bytes than follow or nested deeper than 32, a
 * tag outside the message's items, items that are not whole, or a message of several frames is
 * refused: counted (messages_refused(), items_refused()), the first one logged in one line, later
 * ones silently; the block goes on with the next message. Each tag goes out at its item.
 *
 * The socket subscribes to everything and connects to \p address (the publisher binds). Messages
 * over 64 MiB make libzmq drop the connection that sent them. work() waits at most \p timeout_ms
 * for a message and returns no items when none came (as sub_source does), so the flowgraph can
 * stop.
 */
class SEMCOM_API zmq_stream_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<zmq_stream_source> sptr;

    //! The largest message accepted (larger ones: libzmq drops the connection).
    static constexpr long max_message_bytes = 64L << 20;

    /*!
     * \param itemsize bytes per item (1..65536), e.g. sizeof(gr_complex)
     * \param address a ZeroMQ endpoint, e.g. tcp://127.0.0.1:5555; std::invalid_argument naming it
     *        when ZeroMQ cannot connect to it
     * \param timeout_ms how long work() waits for a message (1..10000 ms)
     * \param pass_tags the publisher sends tags (pub_sink's pass_tags): the messages start with
     *        the tag header
     */
    static sptr make(std::size_t itemsize, const std::string& address, int timeout_ms = 100, bool pass_tags = true);

    //! Every message read from the socket, used or refused.
    virtual long messages_received() const = 0;
    //! The messages refused, and the items they held (as far as their size says).
    virtual long messages_refused() const = 0;
    virtual long items_refused() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
