/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_UHD_ASYNC_COUNTER_H
#define INCLUDED_SEMCOM_UHD_ASYNC_COUNTER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

namespace gr {
namespace semcom {

/*!
 * \brief Counts a UHD sink's asynchronous events: underflows, late bursts, sequence errors and
 * burst acknowledgements.
 * \ingroup semcom
 *
 * Connect a usrp_sink's "async_msgs" port to the message input "in". Each message is a dict (or
 * the pair ("uhd_async_msg" . dict)) whose "event_code" is a list of symbols: underflow and
 * underflow_in_packet count as underflows ('U' on the console), time_error as a late burst ('L':
 * a timed burst reached the radio after its time), seq_error and seq_error_in_burst as sequence
 * errors ('S'), burst_ack as one burst acknowledged. Other messages are ignored. A transmitter
 * knows its bursts left the radio when acks() reaches the bursts it sent: the sink keeps
 * listening after the flowgraph has stopped, and drain() counts what arrived since.
 */
class SEMCOM_API uhd_async_counter : virtual public gr::block
{
public:
    typedef std::shared_ptr<uhd_async_counter> sptr;

    static sptr make();

    virtual long underflows() const = 0;
    virtual long late_bursts() const = 0;
    virtual long sequence_errors() const = 0;
    virtual long acks() const = 0;
    //! Counts the messages queued on "in" that the scheduler has not handled (after stop()).
    virtual void drain() = 0;
};

} // namespace semcom
} // namespace gr

#endif
