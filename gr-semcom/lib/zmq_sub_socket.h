/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_ZMQ_SUB_SOCKET_H
#define INCLUDED_SEMCOM_ZMQ_SUB_SOCKET_H

#include <semcom/one_line.h>

#include <zmq.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace gr {
namespace semcom {

//! A receive poll timeout in 1..10000 ms, or std::invalid_argument naming \p block.
inline int checked_poll_timeout(const std::string& block, int timeout_ms)
{
    if (timeout_ms < 1 || timeout_ms > 10000)
        throw std::invalid_argument(block + ": timeout_ms " + std::to_string(timeout_ms) + " is not in 1..10000");
    return timeout_ms;
}

/*!
 * A ZeroMQ SUB socket (libzmq's C API) of the blocks that read other processes' messages
 * (snr_report_source, zmq_stream_source): subscribed to everything, no linger, messages over
 * \p max_message_bytes dropping the connection that sent them; bound to or connected to \p address.
 * std::invalid_argument naming \p block and the address when ZeroMQ cannot.
 */
class ZmqSubSocket
{
public:
    ZmqSubSocket(const std::string& block, const std::string& address, bool bind, std::int64_t max_message_bytes)
    {
        d_context = zmq_ctx_new();
        if (!d_context)
            throw std::runtime_error(block + ": no ZeroMQ context: " + zmq_strerror(errno));
        d_socket = zmq_socket(d_context, ZMQ_SUB);
        const int linger = 0;
        if (!d_socket || zmq_setsockopt(d_socket, ZMQ_SUBSCRIBE, "", 0) != 0 ||
            zmq_setsockopt(d_socket, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
            zmq_setsockopt(d_socket, ZMQ_MAXMSGSIZE, &max_message_bytes, sizeof max_message_bytes) != 0 ||
            (bind ? zmq_bind(d_socket, address.c_str()) : zmq_connect(d_socket, address.c_str())) != 0) {
            const std::string why = zmq_strerror(zmq_errno());
            close();
            throw std::invalid_argument(block + ": cannot " + (bind ? "bind to" : "connect to") + " '" +
                                        ::semcom::one_line(address, 200) + "': " + why);
        }
    }
    ~ZmqSubSocket() { close(); }
    ZmqSubSocket(const ZmqSubSocket&) = delete;
    ZmqSubSocket& operator=(const ZmqSubSocket&) = delete;

    void* get() const { return d_socket; }

private:
    void close()
    {
        if (d_socket)
            zmq_close(d_socket);
        if (d_context)
            zmq_ctx_term(d_context);
        d_socket = d_context = nullptr;
    }

    void* d_context = nullptr;
    void* d_socket = nullptr;
};

} // namespace semcom
} // namespace gr

#endif
