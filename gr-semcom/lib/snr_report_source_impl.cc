/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "message_parsers.h"
#include "zmq_sub_socket.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/snr_report_source.h>
#include <semcom/one_line.h>

#include <zmq.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>

namespace gr {
namespace semcom {

/*
 * A ZeroMQ SUB socket read by a thread of its own (libzmq's C API). The parsing is in
 * message_parsers.cc; this is the socket, the thread and the counts.
 */
class snr_report_source_impl : public snr_report_source
{
public:
    snr_report_source_impl(const std::string& address, int timeout_ms, bool bind)
        : gr::block("snr_report_source", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0)),
          d_address(address),
          d_timeout_ms(checked_poll_timeout("snr_report_source", timeout_ms)),
          d_socket("snr_report_source", address, bind, max_message_bytes)
    {
        message_port_register_out(d_port);
    }

    ~snr_report_source_impl() override { stop(); }

    bool start() override
    {
        if (d_thread.joinable())
            return true;
        d_finished = false;
        d_thread = std::thread([this] { receive_loop(); });
        return true;
    }

    bool stop() override
    {
        d_finished = true;
        if (d_thread.joinable())
            d_thread.join();
        return true;
    }

    long messages_received() const override { return d_received; }
    long messages_refused() const override { return d_refused; }

private:
    // Nothing escapes this thread: an exception past it would end the process (std::terminate).
    void receive_loop() noexcept
    {
        try {
            while (!d_finished) {
                zmq_pollitem_t item{ d_socket.get(), 0, ZMQ_POLLIN, 0 };
                const int n = zmq_poll(&item, 1, d_timeout_ms);
                if (n < 0) {
                    if (zmq_errno() == EINTR)
                        continue;
                    log_error(std::string("ZeroMQ poll failed: ") + zmq_strerror(zmq_errno()) +
                              "; no more reports are read");
                    return;
                }
                if (n > 0 && (item.revents & ZMQ_POLLIN))
                    receive_waiting();
            }
        } catch (const std::exception& e) {
            log_error(std::string("no more reports are read: ") + e.what());
        } catch (...) {
            log_error("no more reports are read: an unknown exception");
        }
    }

    // Every message waiting, without blocking; each frame of a multi-frame message is read.
    void receive_waiting()
    {
        while (!d_finished) {
            std::string bytes;
            int frames = 0;
            for (bool more = true; more;) {
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, d_socket.get(), frames ? 0 : ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&msg);
                    if (frames == 0)
                        return; // EAGAIN: nothing more waiting
                    break;      // (a multi-frame message arrives whole: not expected)
                }
                if (frames++ == 0)
                    bytes.assign(static_cast<const char*>(zmq_msg_data(&msg)), zmq_msg_size(&msg));
                more = zmq_msg_more(&msg);
                zmq_msg_close(&msg);
            }
            ++d_received;
            if (frames != 1) {
                refuse("a message of " + std::to_string(frames) + " frames (expected one serialised PMT)");
                continue;
            }
            pmt::pmt_t m;
            try {
                m = deserialize_checked(bytes);
            } catch (const std::exception& e) {
                refuse(e.what());
                continue;
            } catch (...) {
                refuse("unreadable");
                continue;
            }
            message_port_pub(d_port, m);
        }
    }

    //! Counted; the first refusal logged in one line, later ones only counted.
    void refuse(const std::string& why)
    {
        ++d_refused;
        if (d_logged.exchange(true))
            return;
        try {
            d_logger->warn("{}", ::semcom::one_line("message " + std::to_string(d_received) + " on " + d_address +
                                                        " refused: " + why + " (later refusals counted, not logged)",
                                                    400));
        } catch (...) {
        }
    }

    void log_error(const std::string& what) noexcept
    {
        try {
            d_logger->error("{}", ::semcom::one_line(d_address + ": " + what, 400));
        } catch (...) {
        }
    }

    const pmt::pmt_t d_port = pmt::mp("out");
    const std::string d_address;
    const int d_timeout_ms;
    ZmqSubSocket d_socket;
    std::thread d_thread;
    std::atomic<bool> d_finished{ true }, d_logged{ false };
    std::atomic<long> d_received{ 0 }, d_refused{ 0 };
};

snr_report_source::sptr snr_report_source::make(const std::string& address, int timeout_ms, bool bind)
{
    return gnuradio::make_block_sptr<snr_report_source_impl>(address, timeout_ms, bind);
}

} // namespace semcom
} // namespace gr
