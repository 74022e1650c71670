/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "tx.h"

#include "../run.h"

#include <gnuradio/blocks/file_sink.h>
#include <gnuradio/semcom/block_errors.h>
#include <gnuradio/semcom/image_source.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

namespace gs = gr::semcom;

namespace {

double tx_amplitude(const UsrpOptions& o)
{
    const double a = std::isnan(o.amplitude) ? 0.25 * std::sqrt(double(o.sps)) : o.amplitude;
    if (!(a > 0.0))
        throw std::invalid_argument("--amplitude must be > 0");
    return a;
}

} // namespace

TxProgram::TxProgram(const UsrpOptions& opts)
    : o(opts), radio(resolve_radio(o)), models(resolve_usrp_models(o)), amplitude(tx_amplitude(o)), name("file " + o.file)
{
}

int TxProgram::run()
{
    if (o.file.empty() && !find_usrp("tx", radio, name, o.quiet))
        return 1;
    build();
    const double burst_s = burst->burst_samples() / radio.rate;
    if (!o.quiet) {
        std::fprintf(stderr, "semcom tx: %s\n", describe_radio(radio, o.sps, name, !o.file.empty()).c_str());
        std::fprintf(stderr,
                     "semcom tx: %d images of %s (n = %d symbols), %d per burst, spreading %d, bursts of %d samples "
                     "(%.2f ms with the gap)%s\n",
                     o.images, models.encoder_path.c_str(), models.transmitter.channel_uses, o.images_per_burst,
                     o.spreading, burst->burst_samples(), 1e3 * burst_s,
                     start_time >= 0 ? (", the first at device time " + format_number(start_time) + " s").c_str() : "");
    }
    const auto t0 = std::chrono::steady_clock::now();
    // A block that fails (GNU Radio's file sink on a full disk) ends its thread and leaves the
    // others waiting: the run stops when no sample has moved for 10 s, and is then an error.
    StopRule rule;
    rule.activity = [&] { return burst->nitems_written(0) + (file ? file->nitems_read(0) : 0); };
    rule.idle_s = 10.0;
    const auto end = run_until_idle(tb, rule);
    const bool interrupted = end == RunEnd::interrupted;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto errors = gs::block_errors();
    if (!errors.empty())
        throw std::runtime_error(errors.front());
    if (file && file->nitems_read(0) < burst->nitems_written(0))
        throw std::runtime_error("--file '" + o.file + "': writing failed after " + std::to_string(file->nitems_read(0)) +
                                 " of " + std::to_string(burst->nitems_written(0)) + " samples (disk full?)");
    if (end == RunEnd::idle)
        throw std::runtime_error("no sample moved for 10 s: a block failed (see the error above)");
    if (file) {
        // what the sink buffered goes out when it closes: the file must hold every sample
        tb.reset();
        file.reset();
        std::error_code ec;
        const auto bytes = burst->nitems_written(0) * sizeof(gr_complex);
        if (std::filesystem::is_regular_file(o.file, ec) && std::filesystem::file_size(o.file, ec) < bytes)
            throw std::runtime_error("--file '" + o.file + "': " + std::to_string(std::filesystem::file_size(o.file, ec)) +
                                     " of " + std::to_string(bytes) + " bytes written (disk full?)");
    }
    if (sink)
        wait_for_acks();
    const auto j = report(seconds, interrupted);
    if (!o.json.empty())
        write_json_file(o.json, j);
    return interrupted ? 130 : 0;
}

//! image_source -> semcom.transmitter (symbols) -> burst_transmitter -> USRP or file
void TxProgram::build()
{
    tb = gr::make_top_block("semcom-tx");
    auto source = gs::image_source::make("fashion-mnist", "", "test", o.images, o.seed != 0, false, o.seed);
    transmitter = gs::transmitter::make(models.encoder_path, o.device, 32);
    tb->connect(source, 0, transmitter, 0);
    counter = gs::uhd_async_counter::make();
    if (o.file.empty())
        connect_radio();
    // Last, so that the first burst's time is as fresh as it can be.
    const auto& sig = models.transmitter;
    burst = gs::burst_transmitter::make(sig.channel_uses, sig.header_code, 0, int(sig.layer_outputs.size()), o.sps,
                                        o.rolloff, o.pilots, o.gap, float(amplitude), start_time, o.images_per_burst,
                                        o.spreading);
    tb->connect(transmitter, 0, burst, 0);
    if (sink) {
        tb->connect(burst, 0, sink, 0);
        tb->msg_connect(sink, "async_msgs", counter, "in");
    } else {
        file = gr::blocks::file_sink::make(sizeof(gr_complex), o.file.c_str());
        tb->connect(burst, 0, file, 0);
    }
}

void TxProgram::connect_radio()
{
    try {
        ::uhd::stream_args_t sa("fc32", radio.otw);
        sa.channels = { 0 };
        sink = gr::uhd::usrp_sink::make(::uhd::device_addr_t(radio.make_args), sa, "");
    } catch (const std::exception& e) {
        throw std::runtime_error("USRP '" + radio.args + "': " + first_line(e.what()));
    }
    configure(*sink, radio);
    start_time = sink->get_time_now(0).get_real_secs() + o.start_delay;
}

//! The last bursts leave the radio after the flowgraph has handed them over: wait for their
//! acknowledgements (the sink keeps listening until it is destroyed).
void TxProgram::wait_for_acks()
{
    const long sent = long(burst->bursts_sent());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500) +
                          std::chrono::duration<double>(std::max(0.0, o.start_delay) + 0.2);
    while (std::chrono::steady_clock::now() < deadline && counter->acks() < sent) {
        counter->drain();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    counter->drain();
}

nlohmann::json TxProgram::report(double seconds, bool interrupted) const
{
    const long sent = long(burst->bursts_sent());
    std::printf("sent %ld bursts (%llu images, n = %d, %d samples each with the gap) in %.2f s%s\n", sent,
                (unsigned long long)burst->images_sent(), models.transmitter.channel_uses, burst->burst_samples(),
                seconds, sink ? "" : (" to " + o.file).c_str());
    nlohmann::json j = { { "role", "tx" },
                         { "models", models.prefix },
                         { "images", o.images },
                         { "bursts", sent },
                         { "images_sent", burst->images_sent() },
                         { "images_per_burst", o.images_per_burst },
                         { "spreading", o.spreading },
                         { "burst_samples", burst->burst_samples() },
                         { "sample_rate", radio.rate },
                         { "symbol_rate", radio.rate / o.sps },
                         { "sps", o.sps },
                         { "amplitude", amplitude },
                         { "seconds", seconds } };
    if (sink) {
        std::printf("UHD: %ld underflows, %ld late bursts, %ld sequence errors; %ld of %ld bursts acknowledged\n",
                    counter->underflows(), counter->late_bursts(), counter->sequence_errors(), counter->acks(), sent);
        j["freq"] = radio.freq;
        j["gain"] = std::isnan(radio.gain) ? nlohmann::json() : nlohmann::json(radio.gain);
        j["start_time"] = start_time;
        j["underflows"] = counter->underflows();
        j["late_bursts"] = counter->late_bursts();
        j["sequence_errors"] = counter->sequence_errors();
        j["bursts_acknowledged"] = counter->acks();
    }
    j["interrupted"] = interrupted;
    return j;
}

} // namespace semcom::apps
