/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_USRP_TX_H
#define SEMCOM_APPS_USRP_TX_H

#include "models.h"
#include "radio.h"

#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/semcom/transceiver.h>
#include <gnuradio/semcom/uhd_async_counter.h>
#include <gnuradio/top_block.h>
#include <gnuradio/uhd/usrp_sink.h>
#include <nlohmann/json.hpp>

namespace semcom::apps {

/*!
 * \brief `semcom tx`: test images -> semcom.transmitter (the encoder and the mapper its manifest
 * asks for) -> burst_transmitter (tx_sob/tx_eob bursts, the first one timed) -> UHD usrp_sink, or a file.
 *
 * The constructor resolves the radio settings and the models (bad input throws); run() finds
 * the USRP (none: one line, exit status 1), build()s the flowgraph, streams every image,
 * waits for the radio's acknowledgements and report()s: the counts, UHD's async events, --json.
 */
class TxProgram
{
public:
    explicit TxProgram(const UsrpOptions& o);
    //! The exit status: 0, 1 without a USRP, 130 when Ctrl-C stopped it.
    int run();

private:
    void build();
    void connect_radio();
    void wait_for_acks();
    nlohmann::json report(double seconds, bool interrupted) const;

    const UsrpOptions& o;
    const Radio radio;
    const ModelSet models;
    const double amplitude;
    std::string name;
    gr::top_block_sptr tb;
    gr::semcom::transmitter::sptr transmitter;
    gr::uhd::usrp_sink::sptr sink;
    gr::semcom::uhd_async_counter::sptr counter;
    gr::semcom::burst_transmitter::sptr burst;
    gr::block_sptr file; //!< --file: the file sink
    double start_time = -1.0;
};

} // namespace semcom::apps

#endif
