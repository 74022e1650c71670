/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "rx.h"

#include <gnuradio/semcom/block_errors.h>

#include "../run.h"

#include <gnuradio/blocks/file_source.h>
#include <gnuradio/semcom/frame_matcher.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace semcom::apps {

namespace gs = gr::semcom;

RxProgram::RxProgram(const UsrpOptions& opts)
    : o(opts), radio(resolve_radio(o)), models(resolve_usrp_models(o)), name("file " + o.file)
{
    if (!o.file.empty() && !std::filesystem::is_regular_file(o.file))
        throw std::invalid_argument("--file '" + o.file + "': no such file");
    task = models.receivers.front().task;
    if (models.receivers.front().image_output < 0)
        throw std::runtime_error("'" + models.receiver_paths.front() + "' reconstructs no image: semcom rx scores images");
    rx_name = "rx" + std::to_string(o.receiver);
}

int RxProgram::run()
{
    if (o.file.empty() && !find_usrp("rx", radio, name, o.quiet))
        return 1;
    build();
    if (usrp && o.start_delay > 0)
        usrp->set_start_time(usrp->get_time_now(0) + ::uhd::time_spec_t(o.start_delay));
    if (!o.quiet) {
        std::fprintf(stderr, "semcom rx: %s\n", describe_radio(radio, o.sps, name, !o.file.empty()).c_str());
        std::fprintf(stderr, "semcom rx: receiver %d (%s, %s task), waiting for %d images%s\n", o.receiver,
                     models.receiver_paths.front().c_str(), task.c_str(), o.images,
                     o.file.empty() ? " (Ctrl-C stops and reports)" : "");
    }
    const auto t0 = std::chrono::steady_clock::now();
    const bool interrupted = run_until_idle(tb, stop_rule()) == RunEnd::interrupted;
    report(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), interrupted);
    // a block that failed ended the run: its error, one line
    const auto errors = gs::block_errors();
    if (!errors.empty())
        throw std::runtime_error(errors.front());
    if (metrics->frames() == 0) {
        std::fprintf(stderr, "semcom: error: rx%d decoded none of the %d images expected\n", o.receiver, o.images);
        return 2;
    }
    return 0; // Ctrl-C is how a receiver without --duration ends: the report above is its result
}

void RxProgram::build()
{
    tb = gr::make_top_block("semcom-rx");
    connect_samples();
    connect_decoder();
    connect_scoring();
}

//! The samples: a USRP (with its overflow counter beside the receiver) or a file.
void RxProgram::connect_samples()
{
    if (!o.file.empty()) {
        samples = gr::blocks::file_source::make(sizeof(gr_complex), o.file.c_str(), false);
        return;
    }
    try {
        ::uhd::stream_args_t sa("fc32", radio.otw);
        sa.channels = { 0 };
        usrp = gr::uhd::usrp_source::make(::uhd::device_addr_t(radio.make_args), sa, true);
    } catch (const std::exception& e) {
        throw std::runtime_error("USRP '" + radio.args + "': " + first_line(e.what()));
    }
    configure(*usrp, radio);
    overflows = gs::uhd_overflow_counter::make(radio.rate);
    tb->connect(usrp, 0, overflows, 0);
    samples = usrp;
}

//! burst_receiver -> semcom.receiver (the demapping its manifest asks for and the neural decoder)
void RxProgram::connect_decoder()
{
    const auto& sig = models.transmitter;
    receiver = gs::burst_receiver::make(sig.channel_uses, sig.header_code, o.sps, o.rolloff, o.pilots, o.threshold,
                                        o.spreading);
    tb->connect(samples, 0, receiver, 0);
    // Over the air the decoder must never hold up the radio: frames it cannot take are dropped
    // and counted. From a file every frame is decoded.
    decoder = gs::receiver::make(models.receiver_paths.front(), o.device, 10.0f, 32, o.file.empty());
    tb->connect(receiver, 0, decoder, 0);
}

//! The originals from the same image_source as the transmitter's -> metrics_sink and the grid.
void RxProgram::connect_scoring()
{
    originals = gs::image_source::make("fashion-mnist", "", "test", o.images, o.seed != 0, false, o.seed);
    const auto shape = originals->image_shape(); // C, H, W
    metrics = gs::metrics_sink::make(shape[0], shape[1], shape[2], decoder->num_classes(),
                                     task == "coarse" ? "coarse" : "fine", rx_name);
    tb->connect(originals, 0, metrics, 0);
    tb->connect(decoder, 1, metrics, 1);
    tb->connect(decoder, 0, metrics, 2);
    std::filesystem::create_directories(o.out_dir);
    auto matcher = gs::frame_matcher::make(originals->image_size());
    grid = gs::image_sink::make(shape[0], shape[1], shape[2], 2, o.out_dir, 0, 12, rx_name);
    tb->connect(originals, 0, matcher, 0);
    tb->connect(decoder, 1, matcher, 1);
    tb->connect(matcher, 0, grid, 0);
    tb->connect(matcher, 1, grid, 1);
}

//! Every image in, or the bursts stopped for --idle-timeout, or --duration; progress every 5 s.
StopRule RxProgram::stop_rule() const
{
    StopRule rule;
    rule.done = [this] {
        return metrics->frames() + metrics->frames_nonfinite() + metrics->frames_missing() >= o.images;
    };
    rule.activity = [this] { return receiver->bursts_detected() + decoder->frames_decoded(); };
    rule.idle_s = o.idle_timeout;
    rule.wait_for_first = true;
    rule.max_s = o.duration;
    if (!o.quiet)
        rule.progress = [this] {
            std::fprintf(stderr, "semcom rx: %llu bursts, %llu frames, %ld scored, SNR %.1f dB%s\n",
                         (unsigned long long)receiver->bursts_detected(), (unsigned long long)receiver->frames_decoded(),
                         metrics->frames(), receiver->mean_snr_db(),
                         overflows ? (", " + std::to_string(overflows->overflows()) + " overflows").c_str() : "");
        };
    return rule;
}

void RxProgram::report(double seconds, bool interrupted) const
{
    const long frames = metrics->frames();
    const double snr = receiver->mean_snr_db();
    std::printf("%-4s %-7s %9s %10s %8s %8s %8s %9s\n", "rx", "task", "accuracy", "PSNR (dB)", "SSIM", "frames",
                "missing", "SNR (dB)");
    std::printf("%-4d %-7s %8.2f%% %10.2f %8.4f %8ld %8ld %9.1f\n", o.receiver, task.c_str(),
                100.0 * metrics->accuracy(), metrics->psnr_db(), metrics->ssim(), frames, long(o.images) - frames, snr);
    std::printf("bursts: %llu detected, %llu header errors, %llu decoded, %llu rejected; decoder dropped %ld\n",
                (unsigned long long)receiver->bursts_detected(), (unsigned long long)receiver->header_errors(),
                (unsigned long long)receiver->frames_decoded(), (unsigned long long)receiver->frames_rejected(),
                decoder->frames_dropped());
    if (overflows)
        std::printf("UHD: %ld overflows (%lld samples lost) in %lld samples\n", overflows->overflows(),
                    overflows->samples_lost(), overflows->samples());
    print_notes();
    const std::string grid_path = grid->write_grid();
    std::printf("images: %s\n", grid_path.c_str());
    if (o.json.empty())
        return;
    nlohmann::json j = nlohmann::json::parse(metrics->summary_json());
    j.update({ { "role", "rx" }, { "models", models.prefix }, { "images", o.images },
               { "missing", long(o.images) - frames }, { "snr_db", std::isnan(snr) ? nlohmann::json() : nlohmann::json(snr) },
               { "bursts_detected", receiver->bursts_detected() }, { "header_errors", receiver->header_errors() },
               { "frames_decoded", receiver->frames_decoded() }, { "frames_rejected", receiver->frames_rejected() },
               { "decoder_dropped", decoder->frames_dropped() }, { "sample_rate", radio.rate },
               { "symbol_rate", radio.rate / o.sps }, { "seconds", seconds }, { "grid", grid_path },
               { "interrupted", interrupted } });
    if (overflows)
        j.update({ { "freq", radio.freq }, { "gain", std::isnan(radio.gain) ? nlohmann::json() : nlohmann::json(radio.gain) },
                   { "overflows", overflows->overflows() }, { "samples_lost", overflows->samples_lost() },
                   { "samples", overflows->samples() } });
    write_json_file(o.json, j);
}

void RxProgram::print_notes() const
{
    const long frames = metrics->frames();
    const double snr = receiver->mean_snr_db();
    if (frames == 0 && receiver->frames_rejected() > 0)
        std::printf("note: every good burst was of another scheme or payload length: give the transmitter's "
                    "--scheme / --models\n");
    if (frames > 0 && snr < 5.0)
        std::printf("note: mean SNR %.1f dB: the burst PHY needs about 5 dB (headers are lost below ~3 dB); raise the "
                    "TX gain or remove attenuation\n",
                    snr);
}

} // namespace semcom::apps
