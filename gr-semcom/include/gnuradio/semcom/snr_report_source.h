/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SNR_REPORT_SOURCE_H
#define INCLUDED_SEMCOM_SNR_REPORT_SOURCE_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief The receivers' SNR reports (any serialised PMT messages) from a ZeroMQ SUB socket, each
 * one checked before it is deserialised: a replacement for gr-zeromq's sub_msg_source on a socket
 * that anyone on the network can reach.
 * \ingroup semcom
 *
 * gr-zeromq's sub_msg_source hands every message to GNU Radio's pmt::deserialize, which allocates
 * the length a vector claims before reading it (9 bytes can claim 2^32 elements) and recurses once
 * per nesting level. This block reads the same messages (what pub_msg_sink publishes: one frame,
 * pmt::serialize of the PMT) with deserialize_checked (lib/message_parsers.h): a message whose
 * lengths claim more bytes than follow, nested deeper than 32, with an unknown tag, that pmt
 * cannot read, or of several frames, is refused: counted (messages_refused()), the first one logged
 * in one line, later ones silently. Every other message is published on the message output "out"
 * (connect it to semantic_encoder's "snr" port, which checks what the message says).
 *
 * The socket subscribes to everything and binds to \p address (\p bind true, as the transmitter of
 * `semcom simulate --feedback --role tx` does) or connects to it. Messages over 1 MiB make libzmq
 * drop the connection that sent them (ZMQ_MAXMSGSIZE). The block runs its own receive thread from
 * start() to stop(); the thread polls with \p timeout_ms, so stop() returns within about that time.
 */
class SEMCOM_API snr_report_source : virtual public gr::block
{
public:
    typedef std::shared_ptr<snr_report_source> sptr;

    //! The largest message accepted (larger ones: libzmq drops the connection).
    static constexpr long max_message_bytes = 1 << 20;

    /*!
     * \param address a ZeroMQ endpoint, e.g. tcp://127.0.0.1:5556; std::invalid_argument naming it
     *        when ZeroMQ cannot bind or connect to it
     * \param timeout_ms the receive thread's poll timeout (1..10000 ms)
     * \param bind bind to the address (true) or connect to it (false)
     */
    static sptr make(const std::string& address, int timeout_ms = 100, bool bind = true);

    //! Every message read from the socket, published or refused.
    virtual long messages_received() const = 0;
    //! The messages refused (not published): malformed, too deep, several frames.
    virtual long messages_refused() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
