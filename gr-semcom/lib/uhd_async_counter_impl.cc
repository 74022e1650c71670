/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/uhd_async_counter.h>

#include <atomic>

namespace gr {
namespace semcom {

class uhd_async_counter_impl : public uhd_async_counter
{
public:
    uhd_async_counter_impl()
        : gr::block("uhd_async_counter", gr::io_signature::make(0, 0, 0), gr::io_signature::make(0, 0, 0))
    {
        message_port_register_in(d_port);
        set_msg_handler(d_port, [this](const pmt::pmt_t& m) { count(m); });
    }

    long underflows() const override { return d_underflows; }
    long late_bursts() const override { return d_time_errors; }
    long sequence_errors() const override { return d_seq_errors; }
    long acks() const override { return d_acks; }

    void drain() override
    {
        for (pmt::pmt_t m = delete_head_nowait(d_port); m; m = delete_head_nowait(d_port))
            count(m);
    }

private:
    void count(const pmt::pmt_t& msg)
    {
        pmt::pmt_t d = msg;
        if (pmt::is_pair(d) && !pmt::is_dict(d) && pmt::is_symbol(pmt::car(d)))
            d = pmt::cdr(d); // ("uhd_async_msg" . dict)
        if (!pmt::is_dict(d))
            return;
        for (pmt::pmt_t l = pmt::dict_ref(d, pmt::mp("event_code"), pmt::PMT_NIL); pmt::is_pair(l); l = pmt::cdr(l)) {
            const std::string e = pmt::is_symbol(pmt::car(l)) ? pmt::symbol_to_string(pmt::car(l)) : "";
            if (e == "underflow" || e == "underflow_in_packet")
                ++d_underflows;
            else if (e == "time_error")
                ++d_time_errors;
            else if (e == "seq_error" || e == "seq_error_in_burst")
                ++d_seq_errors;
            else if (e == "burst_ack")
                ++d_acks;
        }
    }

    const pmt::pmt_t d_port = pmt::mp("in");
    std::atomic<long> d_underflows{ 0 }, d_time_errors{ 0 }, d_seq_errors{ 0 }, d_acks{ 0 };
};

uhd_async_counter::sptr uhd_async_counter::make()
{
    return gnuradio::make_block_sptr<uhd_async_counter_impl>();
}

} // namespace semcom
} // namespace gr
