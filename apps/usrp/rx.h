/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_USRP_RX_H
#define SEMCOM_APPS_USRP_RX_H

#include "../run.h"
#include "models.h"
#include "radio.h"

#include <gnuradio/semcom/burst_receiver.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/semcom/transceiver.h>
#include <gnuradio/semcom/uhd_overflow_counter.h>
#include <gnuradio/top_block.h>
#include <gnuradio/uhd/usrp_source.h>

#include <chrono>

namespace semcom::apps {

/*!
 * \brief `semcom rx`: one receiver over the air.
 *
 *     UHD usrp_source | file -> burst_receiver -> semcom.receiver (demapping + neural decoder)
 *         -> metrics_sink (originals from the same image_source, matched by seq)
 *                           -> frame_matcher -> image_sink (originals above reconstructions)
 *     usrp_source -> uhd_overflow_counter
 *
 * The constructor resolves the radio settings and the models (bad input throws); run() finds
 * the USRP (none: one line, exit status 1), build()s, runs until every image is in, the bursts
 * stop (--idle-timeout), --duration is over or Ctrl-C, then report()s: the scores, the burst
 * counts, UHD's overflows, the image grid, --json.
 */
class RxProgram
{
public:
    explicit RxProgram(const UsrpOptions& o);
    //! The exit status: 0 (Ctrl-C is how a receiver without --duration ends), 1 without a USRP.
    int run();

private:
    void build();
    void connect_samples();
    void connect_decoder();
    void connect_scoring();
    StopRule stop_rule() const;
    void report(double seconds, bool interrupted) const;
    void print_notes() const;

    const UsrpOptions& o;
    const Radio radio;
    const ModelSet models;
    std::string name, task, rx_name;
    gr::top_block_sptr tb;
    gr::basic_block_sptr samples;
    gr::uhd::usrp_source::sptr usrp;
    gr::semcom::uhd_overflow_counter::sptr overflows;
    gr::semcom::burst_receiver::sptr receiver;
    gr::semcom::receiver::sptr decoder;
    gr::semcom::image_source::sptr originals;
    gr::semcom::metrics_sink::sptr metrics;
    gr::semcom::image_sink::sptr grid;
};

} // namespace semcom::apps

#endif
