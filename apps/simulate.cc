/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate: the semantic broadcast as a GNU Radio flowgraph built in C++:
 * image_source -> semantic_encoder -> superposition_mapper -> broadcast_channel -> per receiver
 * neural_decoder -> metrics_sink, plus an image_sink grid; a per-receiver table and JSON at the end.
 */
#include "simulate.h"
#include "models.h"
#include "run.h"
#ifdef SEMCOM_HAVE_SEPARATE
#include "separate.h"
#endif

#include <gnuradio/semcom/block_errors.h>
#include <gnuradio/semcom/broadcast_channel.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/semcom/equaliser.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/semcom/snr_report_source.h>
#include <gnuradio/semcom/zmq_stream_source.h>
#include <gnuradio/semcom/transceiver.h>
#include <gnuradio/semcom/waveform_channel.h>
#include <gnuradio/blocks/head.h>
#include <gnuradio/blocks/null_sink.h>
#include <gnuradio/top_block.h>
#include <gnuradio/zeromq/pub_msg_sink.h>
#include <gnuradio/blocks/throttle.h>
#include <gnuradio/zeromq/pub_sink.h>
#include <nlohmann/json.hpp>
#include <semcom/scheme.h>
#include <semcom/waveform.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <atomic>

namespace semcom::apps {

void add_simulate_command(CLI::App& app, SimulateOptions& o)
{
    auto* cmd = app.add_subcommand(
        "simulate",
        "Semantic broadcast simulation as a GNU Radio flowgraph: shipped (or given) models, N "
        "receivers with their own channel and SNR; prints accuracy, PSNR and SSIM per receiver");
    std::string schemes;
    for (const auto& row : ::semcom::SchemeTable::instance().rows())
        schemes += "\n  " + row.name + (row.default_models.empty() ? "" : " (" + row.default_models + ")") + ": " +
                   row.description;
    cmd->add_option("--scheme", o.scheme, "The scheme, with its shipped models (the scheme table):" + schemes)
        ->capture_default_str();
    cmd->add_option("--mcs", o.mcs,
                    "separate: auto (per receiver the highest-throughput MCS that decodes) or one for all, "
                    "e.g. 16qam-1/2, 64qam-2/3, 256qam-3/4")
        ->capture_default_str();
    cmd->add_option("--channel-uses", o.channel_uses,
                    "separate: symbols per image (0: those of the shipped DeepSCM models)")
        ->check(CLI::Range(0, 65536))
        ->capture_default_str();
    cmd->add_option("--models", o.models,
                    "Model prefix instead of --scheme: PREFIX_encoder.json and PREFIX_rx1.json ... "
                    "(one per receiver)");
    cmd->add_option_function<std::vector<std::string>>(
           "--channel",
           [&o](const std::vector<std::string>& v) {
               o.channels = v;
               o.channel_given = true;
           },
           "awgn, rayleigh or rician:K, one for all or one per receiver (default: the channels the models were "
           "trained on when their manifests say, else awgn)")
        ->delimiter(',')
        ->default_str("awgn");
    cmd->add_option("--snr", o.snrs, "SNR in dB of each receiver (their number = the receivers)")
        ->delimiter(',')
        ->check(finite_in(-100, 100, "dB"))
        ->capture_default_str();
    cmd->add_option("--fading", o.fading, "block (one h per image) or per_symbol")
        ->check(CLI::IsMember({ "block", "per_symbol" }))
        ->capture_default_str();
    cmd->add_option("--images", o.images, "Test images to send")->check(CLI::Range(1, 10000))->capture_default_str();
    cmd->add_option("--seed", o.seed, "Channel seed")->capture_default_str();
    cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_option("--json", o.json,
                    "Write the per-receiver results as JSON to this file (checked at the start; with --sweep: "
                    "every SNR's results)");
    cmd->add_option("--out-dir", o.out_dir,
                    "Folder for the PNG grid of originals and reconstructions (and --sweep's CSV), relative to "
                    "the current folder")
        ->capture_default_str();
    cmd->add_flag("--strict", o.strict,
                  "Exit non-zero when any frame sent was not scored (lost by the PHY, dropped, non-finite); "
                  "without it only a receiver that scored nothing at all fails the run");
    cmd->add_flag("--quiet", o.quiet, "Only the table");
    cmd->add_option("--role", o.role,
                    "all: one process; tx: encode and publish the symbols over ZeroMQ; rx: subscribe, "
                    "apply this receiver's channel and decode")
        ->check(CLI::IsMember({ "all", "tx", "rx" }))
        ->capture_default_str();
    cmd->add_option("--address", o.address, "ZeroMQ address (tx binds, rx connects)")->capture_default_str();
    cmd->add_option("--receiver", o.receiver, "rx: this process's receiver number (1-based)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    cmd->add_option("--start-delay", o.start_delay_ms,
                    "tx: milliseconds to wait before sending, so that the receivers have subscribed "
                    "(ZeroMQ drops what is published before)")
        ->check(CLI::Range(0, 3600000))
        ->capture_default_str();
    cmd->add_option("--sweep", o.sweep,
                    "LO:HI:STEP in dB: run every receiver at each SNR in turn, write OUT_DIR/sweep.csv "
                    "and plots (accuracy, PSNR, SSIM against SNR)");
    cmd->add_flag("--bench", o.bench, "Also print where the time goes (share of each block's work time)");
    cmd->add_option("--target-rate", o.target_rate, "Symbol rate per receiver that counts as real time")
        ->check(finite_in(1, 1e12, "symbols/s"))
        ->capture_default_str();
    cmd->add_option("--idle-timeout", o.idle_timeout_s,
                    "Stop after this many seconds in which no frame moved (a receiver waiting for a transmitter, "
                    "a block that failed) and report what arrived, the frames still in flight counted lost")
        ->check(finite_in(0.1, 86400, "s"))
        ->capture_default_str();
    cmd->add_flag("--waveform", o.waveform,
                  "Waveform level: RRC-shaped bursts (preamble, coded header, pilots) through gr-channels "
                  "impairments, detected, synchronised and equalised by each receiver (down to -9 dB with "
                  "--spreading 16)");
    cmd->add_option("--images-per-burst", o.images_per_burst,
                    "--waveform: images in one burst (one preamble, header and pilots for all)")
        ->check(CLI::Range(1, 255))
        ->capture_default_str();
    cmd->add_option("--spreading", o.spreading,
                    "--waveform: preamble, header and pilots sent 1, 2, 4, 8 or 16 times longer, for receivers "
                    "below 5 dB; 0: the smallest that puts the weakest --snr at 5 dB (16 at -5 dB)")
        ->check(CLI::IsMember({ 0, 1, 2, 4, 8, 16 }))
        ->capture_default_str();
    cmd->add_option("--impairments", o.impairments,
                    "--waveform: none (noise only) or realistic (CFO 0.002 cycles/symbol, 2 ppm clock offset, "
                    "two-path multipath, a random phase per receiver)")
        ->check(CLI::IsMember({ "none", "realistic" }))
        ->capture_default_str();
    cmd->add_option("--sps", o.sps, "--waveform: samples per symbol")->check(CLI::Range(2, 16))->capture_default_str();
    cmd->add_flag("--feedback", o.feedback,
                  "Close the SNR feedback loop: each receiver's SNR estimate (EWMA of its measured SNR) drives the "
                  "encoder's SNR inputs (models that take SNRs, e.g. deepbroadcast); without it the encoder is told "
                  "the true --snr values. With --role tx the transmitter then sends at --target-rate symbols/s (the "
                  "air's pace: the reports must come back while it sends)");
    cmd->add_option("--feedback-start", o.feedback_start, "--feedback: the encoder's SNRs (dB) until the first reports")
        ->check(finite_in(-100, 100, "dB"))
        ->capture_default_str();
    cmd->add_option("--report-every", o.report_every, "Frames between a receiver's SNR reports")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    cmd->add_option("--report-weight", o.report_weight, "EWMA weight of each frame in a receiver's SNR estimate")
        ->check(finite_in(1e-6, 1.0))
        ->capture_default_str();
    cmd->add_option("--feedback-address", o.feedback_address,
                    "--feedback with --role tx / rx: ZeroMQ address of the SNR reports (tx binds, rx connects)")
        ->capture_default_str();
    cmd->add_option("--task", o.tasks,
                    "Decode only the receivers of these tasks (their manifests' task: image, fine, coarse, ...), "
                    "repeatable or comma separated; the others' channels still run (default: every receiver)")
        ->delimiter(',');
    cmd->add_option("--exit-threshold", o.exit_threshold,
                    "Multi-exit decoders (codebook schemes, U-DeepSC): a frame leaves at the first exit whose "
                    "certainty exceeds this, in (0, 1] (0: the manifests' default)")
        ->capture_default_str();
    cmd->add_flag("--hard-decisions", o.hard_decisions,
                  "Codebook schemes: hard decisions on the received indices instead of their posteriors");
    cmd->add_option("--bank", o.bank,
                    "Decoder bank: 'auto' (PREFIX_decoders_* beside the models) or model prefixes, comma separated; each "
                    "frame is decoded by the receiver model trained nearest its (measured) SNR");
}

std::size_t receiver_count(const SimulateOptions& o)
{
    const std::size_t n_rx = o.snrs.size();
    if (n_rx == 0)
        throw std::invalid_argument("--snr: give one SNR per receiver");
    if (o.channels.size() != 1 && o.channels.size() != n_rx)
        throw std::invalid_argument("--channel has " + std::to_string(o.channels.size()) + " entries for " +
                                    std::to_string(n_rx) + " receivers (--snr): give one, or one per receiver");
    return n_rx;
}

namespace {

namespace gs = gr::semcom;
using named_blocks = std::vector<std::pair<std::string, gr::block_sptr>>;

//! A gr-zeromq block; a malformed or unusable address is an error naming the option and the value
//! (ZeroMQ itself says only "Invalid argument").
template <typename F>
auto zmq_block(const char* option, const std::string& address, F&& make) -> decltype(make())
{
    try {
        return make();
    } catch (const std::exception& e) {
        const std::string what = e.what();
        throw std::invalid_argument(std::string(option) + " '" + address + "': " + what.substr(0, what.find('\n')) +
                                    " (expected e.g. tcp://127.0.0.1:5555)");
    }
}

const std::string& channel_of(const SimulateOptions& o, std::size_t r)
{
    return o.channels.size() == 1 ? o.channels[0] : o.channels[r];
}

/*
 * One simulation at one set of SNRs, in three stages (build, run, report):
 *
 *   image_source -> transmitter (encoder + mapper [+ bursts])  --+-- [ZeroMQ pub | sub]
 *      -> channel (broadcast_channel + genie ZF equaliser, or gr-channels per receiver)
 *      -> per receiver: receiver ([burst PHY +] demapping + neural decoder) -> metrics_sink
 *   and image_sink: the originals above each receiver's reconstructions.
 *
 * The transmitter and receivers are the gr-semcom chains built from the models' manifests; what
 * stays here is the channel, the ZeroMQ split and the reporting.
 */
class Simulation
{
public:
    explicit Simulation(const SimulateOptions& o)
        : d_o(o),
          d_models(resolve_models(model_prefix(o.scheme, o.models), receiver_count(o))),
          d_bank(bank_prefixes(o.bank, d_models)),
          d_tb(gr::make_top_block("semcom-simulate"))
    {
        if (o.fading != "block")
            throw std::invalid_argument("--fading " + o.fading +
                                        ": simulate equalises with per-frame CSI; per-symbol fading has no CSI "
                                        "tags (use block)");
        if (o.role == "rx" && (o.receiver < 1 || std::size_t(o.receiver) > o.snrs.size()))
            throw std::invalid_argument("--receiver " + std::to_string(o.receiver) + " is not one of the " +
                                        std::to_string(o.snrs.size()) + " receivers given by --snr");
        const auto& tx = d_models.transmitter;
        if (o.waveform && o.spreading == 0)
            d_o.spreading = int(::semcom::spreading_for_snr(*std::min_element(o.snrs.begin(), o.snrs.end())));
        if ((o.exit_threshold != 0.0f || o.hard_decisions) && tx.kind != ::semcom::TransmitKind::codebook)
            throw std::invalid_argument(std::string(o.hard_decisions ? "--hard-decisions" : "--exit-threshold") +
                                        ": '" + d_models.encoder_path + "' sends no codebook indices (transmit kind " +
                                        ::semcom::transmit_kind_name(tx.kind) + "; U-DeepSC's is codebook)");
        if (o.exit_threshold != 0.0f && !(o.exit_threshold > 0.0f && o.exit_threshold <= 1.0f))
            throw std::invalid_argument("--exit-threshold " + std::to_string(o.exit_threshold) + ": must be in (0, 1]");
        if (!o.tasks.empty() && o.role != "all")
            throw std::invalid_argument("--task selects receivers of a --role all run (--role rx: --receiver)");
        for (const auto& t : o.tasks)
            if (std::none_of(d_models.receivers.begin(), d_models.receivers.end(),
                             [&](const auto& rx) { return rx.task == t; }))
                throw std::invalid_argument("--task " + t + ": no receiver of '" + d_models.prefix + "' has it (" +
                                            receiver_tasks() + ")");
        for (std::size_t r = 0; r < o.snrs.size(); ++r) {
            const bool task = o.tasks.empty() || std::find(o.tasks.begin(), o.tasks.end(),
                                                           d_models.receivers[r].task) != o.tasks.end();
            if ((o.role == "all" && task) || (o.role != "all" && std::size_t(o.receiver) == r + 1))
                d_shown.push_back(r);
        }
        if (tx.snr_width > 1 && o.snrs.size() != std::size_t(tx.receivers))
            throw std::invalid_argument("'" + d_models.encoder_path + "' serves " + std::to_string(tx.receivers) +
                                        " receivers and its encoder takes all their SNRs: --snr gives " +
                                        std::to_string(o.snrs.size()));
        if (o.feedback && tx.snr_width == 0)
            throw std::invalid_argument("--feedback: '" + d_models.encoder_path +
                                        "' takes no SNR (transmit.snr_inputs none): nothing to feed back");
        if (!std::isfinite(o.feedback_start))
            throw std::invalid_argument("--feedback-start must be a finite SNR in dB");
        use_trained_channels();
    }

    void build()
    {
        d_source = gs::image_source::make("fashion-mnist", "", "test", d_o.images);
        const auto symbols = d_o.role == "rx" ? build_subscription() : build_transmitter();
        if (d_o.role != "tx")
            build_receivers(symbols);
    }

    double run()
    {
        if (!d_o.quiet)
            std::fprintf(stderr, "simulate (%s): %d images, %zu receivers, %s ...\n", d_o.role.c_str(), d_o.images,
                         d_o.snrs.size(), encoder_name().c_str());
        if (d_o.role == "tx")
            std::this_thread::sleep_for(std::chrono::milliseconds(d_o.start_delay_ms));
        const auto t0 = std::chrono::steady_clock::now();
        if (d_o.role == "rx")
            run_subscriber();
        else if (d_o.role == "tx" && d_o.feedback)
            run_publisher();
        else
            run_all();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        // a block that met an error it could not go on from ended itself (and so the run): say which
        const auto errors = gs::block_errors();
        if (!errors.empty())
            throw std::runtime_error(errors.front() + (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) +
                                                                                " more errors)"
                                                                          : std::string()));
        if (d_o.role == "tx")
            std::printf("published %d images (%d symbols each) on %s in %.2f s\n", d_o.images,
                        d_models.transmitter.channel_uses, d_o.address.c_str(), seconds);
        return seconds;
    }

    nlohmann::json report(double seconds) const
    {
        if (d_o.role == "tx")
            return { { "run_end", d_end == RunEnd::idle          ? "idle timeout"
                                  : d_end == RunEnd::interrupted ? "interrupted"
                                                                 : "complete" } };
        const int n = d_models.transmitter.channel_uses;
        const double images_per_s = d_o.images / seconds;
        const double realtime = images_per_s * n / d_o.target_rate;
        std::printf("%s: %d images, n = %d symbols per image, %.1f images/s, %.0f ksym/s per receiver = "
                    "%.2fx real time at %.0f ksym/s\n",
                    encoder_name().c_str(), d_o.images, n, images_per_s, images_per_s * n / 1e3, realtime,
                    d_o.target_rate / 1e3);
        nlohmann::json j;
        j["models"] = d_models.prefix;
        j["scheme"] = d_models.transmitter.scheme;
        j["images"] = d_o.images;
        j["channel_uses"] = n;
        j["seconds"] = seconds;
        j["images_per_s"] = images_per_s;
        // how the run ended: by itself, or stopped (no frame moved for --idle-timeout, Ctrl-C)
        j["run_end"] = d_end == RunEnd::idle          ? "idle timeout"
                       : d_end == RunEnd::interrupted ? "interrupted"
                                                      : "complete";
        j["realtime_factor"] = realtime;
        if (d_sub) {
            // what came over ZeroMQ and what of it was refused (malformed: its items dropped)
            j["zmq_messages_received"] = d_sub->messages_received();
            j["zmq_messages_refused"] = d_sub->messages_refused();
            if (d_sub->messages_refused() > 0)
                std::printf("--address %s: %ld of %ld messages refused (%ld symbols dropped)\n", d_o.address.c_str(),
                            d_sub->messages_refused(), d_sub->messages_received(), d_sub->items_refused());
        }
        if (d_tx && d_models.transmitter.kind != ::semcom::TransmitKind::superposition) {
            j["symbols_per_image"] = d_tx->mean_symbols_sent();
            if (d_models.transmitter.variable_length)
                std::printf("%s: variable length: %.1f of %d symbols per image sent on average at %.1f dB\n",
                            d_models.transmitter.scheme.c_str(), d_tx->mean_symbols_sent(), n, d_o.snrs.front());
            if (d_models.transmitter.keep_masks)
                std::printf("%s: variable length: %.1f of %d symbols per image sent on average (every receiver's "
                            "kept tokens), %ld frames not sent\n",
                            d_models.transmitter.scheme.c_str(), d_tx->mean_symbols_sent(), n, d_tx->frames_dropped());
            j["frames_not_sent"] = d_tx->frames_dropped();
        }
        report_receivers(j);
        if (d_o.bench)
            report_work_time(j);
        if (d_grid)
            std::printf("images: %s\n", d_grid->write_grid().c_str());
        return j;
    }

private:
    //! "rx1 image, rx2 fine, ..."
    std::string receiver_tasks() const
    {
        std::string out;
        for (std::size_t r = 0; r < d_models.receivers.size(); ++r)
            out += (r ? ", rx" : "rx") + std::to_string(r + 1) + " " + d_models.receivers[r].task;
        return out;
    }

    std::string encoder_name() const { return std::filesystem::path(d_models.encoder_path).stem().string(); }

    // Without --channel, each receiver gets the channel its model was trained on (manifest
    // `channels`); a given --channel that differs is used, with one warning line.
    void use_trained_channels()
    {
        const auto& trained = d_models.transmitter.channels;
        if (trained.empty())
            return;
        if (!d_o.channel_given) {
            d_o.channels.assign(trained.begin(), trained.begin() + long(d_o.snrs.size()));
            return;
        }
        std::string differ;
        for (std::size_t r = 0; r < d_o.snrs.size(); ++r)
            if (channel_of(d_o, r) != trained[r])
                differ += std::string(differ.empty() ? "" : ", ") + "rx" + std::to_string(r + 1) + " " +
                          channel_of(d_o, r) + " (trained on " + trained[r] + ")";
        if (!differ.empty())
            std::fprintf(stderr, "semcom: warning: --channel differs from the channels the models were trained on: %s\n",
                         differ.c_str());
    }

    // image_source -> transmitter: the symbols (with --waveform, the burst samples) for the channel
    gr::basic_block_sptr build_transmitter()
    {
        d_tx = gs::transmitter::make(d_models.encoder_path, d_o.device, 32, d_o.waveform ? d_o.sps : 0, 200,
                                     d_o.images_per_burst, d_o.spreading);
        feed_snrs();
        d_tb->connect(d_source, 0, d_tx, 0);
        if (d_o.role == "tx") {
            auto pub = zmq_block("--address", d_o.address, [&] {
                return gr::zeromq::pub_sink::make(sizeof(gr_complex), 1, const_cast<char*>(d_o.address.c_str()), 100,
                                                  true, -1, "", false);
            });
            if (d_o.feedback) {
                // a closed loop runs at the air's pace: unthrottled, the publisher could send every
                // image before the receivers' first report came back (a loaded machine, bursts)
                const double rate = d_o.target_rate * (d_o.waveform ? d_o.sps : 1);
                auto pace = gr::blocks::throttle::make(sizeof(gr_complex), rate);
                d_tb->connect(d_tx, 0, pace, 0);
                d_tb->connect(pace, 0, pub, 0);
            } else {
                d_tb->connect(d_tx, 0, pub, 0);
            }
            d_pub = pub;
        }
        return d_tx;
    }

    // The encoder's SNR inputs: its receiver's (own), or every receiver's in order (all_receivers).
    void feed_snrs()
    {
        const int width = d_tx->snr_width();
        if (d_o.feedback) {
            d_tx->set_snr(d_o.feedback_start); // until the receivers' first reports
            if (d_o.role == "tx") {
                // the receivers' reports from other processes: the transmitter binds, they connect;
                // each message checked before it is deserialised (not gr-zeromq's sub_msg_source)
                auto reports = zmq_block("--feedback-address", d_o.feedback_address, [&] {
                    return gs::snr_report_source::make(d_o.feedback_address, 100, true);
                });
                d_tb->msg_connect(reports, "out", d_tx, "snr");
            }
            return;
        }
        if (width == 1)
            d_tx->set_snr(d_o.snrs.front());
        else if (width > 1 && std::size_t(width) == d_o.snrs.size())
            d_tx->set_snrs(d_o.snrs);
        else if (width > 1)
            throw std::invalid_argument("'" + d_models.encoder_path + "' takes the SNRs of " + std::to_string(width) +
                                        " receivers: give " + std::to_string(width) + " with --snr");
    }

    // --role rx: what the transmitter publishes; symbols are counted, bursts end by the frame count
    gr::basic_block_sptr build_subscription()
    {
        // each message checked before its tags are deserialised (not gr-zeromq's sub_source)
        auto sub = zmq_block("--address", d_o.address, [&] {
            return gs::zmq_stream_source::make(sizeof(gr_complex), d_o.address, 100, true);
        });
        d_sub = sub;
        if (d_o.waveform)
            return sub;
        auto head = gr::blocks::head::make(sizeof(gr_complex),
                                           std::uint64_t(d_o.images) * d_models.transmitter.channel_uses);
        d_tb->connect(sub, 0, head, 0);
        return head;
    }

    // Each receiver's channel output (block, port). The whole broadcast channel runs in every
    // process, so that receiver r gets the same noise (seeded from seed and r) wherever it runs.
    std::vector<std::pair<gr::basic_block_sptr, int>> build_channels(const gr::basic_block_sptr& symbols)
    {
        std::vector<std::pair<gr::basic_block_sptr, int>> out;
        if (!d_o.waveform) {
            auto channel = gs::broadcast_channel::make(d_o.channels, d_o.snrs, d_o.fading,
                                                       d_models.transmitter.channel_uses, d_o.seed);
            d_tb->connect(symbols, 0, channel, 0);
            d_dsp.emplace_back("broadcast_channel", channel);
            for (std::size_t r = 0; r < d_o.snrs.size(); ++r)
                out.emplace_back(channel, int(r));
            return out;
        }
        for (std::size_t r = 0; r < d_o.snrs.size(); ++r) {
            // gr-channels with the symbol SNR's noise voltage, seeded from seed and r (gr-semcom)
            auto channel = gs::waveform_channel::make(channel_of(d_o, r), d_o.snrs[r], d_o.impairments, d_o.sps,
                                                      int(r), d_o.seed);
            d_tb->connect(symbols, 0, channel, 0);
            for (const auto& [name, blk] : channel->blocks()) // (channel_model: no counters of its own)
                d_dsp.emplace_back(name + " rx" + std::to_string(r + 1), blk);
            out.emplace_back(channel, 0);
        }
        return out;
    }

    void build_receivers(const gr::basic_block_sptr& symbols)
    {
        const auto channels = build_channels(symbols);
        const auto& shape = d_models.transmitter.image_shape;
        std::vector<gs::receiver::sptr> reconstructions; // the grid's rows below the originals
        for (std::size_t r = 0; r < d_o.snrs.size(); ++r) {
            const auto& [channel, port] = channels[r];
            if (std::find(d_shown.begin(), d_shown.end(), r) == d_shown.end()) {
                d_tb->connect(channel, port, gr::blocks::null_sink::make(sizeof(gr_complex)), 0);
                continue;
            }
            std::string models = d_models.receiver_paths[r];
            for (const auto& b : d_bank)
                models += "," + b + "_rx" + std::to_string(r + 1) + ".json";
            auto rx = gs::receiver::make(models, d_o.device, d_o.snrs[r], 32, false, d_o.waveform ? d_o.sps : 0,
                                         d_o.report_every, d_o.report_weight, d_o.exit_threshold, d_o.hard_decisions,
                                         d_o.waveform ? d_o.spreading : 1);
            if (d_o.feedback && d_o.role == "all") {
                d_tb->msg_connect(rx, "snr_report", d_tx, "snr");
            } else if (d_o.feedback) {
                auto pub = zmq_block("--feedback-address", d_o.feedback_address, [&] {
                    return gr::zeromq::pub_msg_sink::make(const_cast<char*>(d_o.feedback_address.c_str()), 100,
                                                          false);
                });
                d_tb->msg_connect(rx, "snr_report", pub, "in");
            }
            if (d_o.waveform) {
                // the receiver measures everything: detection, CFO, timing, channel, SNR
                d_tb->connect(channel, port, rx, 0);
            } else {
                // zero forcing with the channel's (genie) CSI; the decoder gets the SNR after it
                auto eq = gs::equaliser::make("zf");
                d_tb->connect(channel, port, eq, 0);
                d_tb->connect(eq, 0, rx, 0);
            }
            // a receiver that only classifies (ASC) has no reconstructions to score or show; one
            // that only reconstructs (U-DeepSC's recovery) no class scores: its image is output 0
            const bool images = rx->image_size() > 0;
            // the originals wait in the sink for their decoded frames: as many as the chain holds
            // (thousands of 8-symbol DeepBroadcast images at waveform level), the whole run when
            // they are labels only, at most 32768 images (100 MB) when they are kept for scoring
            const int max_pending = std::max(4096, images ? std::min(d_o.images, 32768) : d_o.images);
            auto met = gs::metrics_sink::make(int(shape[0]), int(shape[1]), int(shape[2]), rx->num_classes(),
                                              rx->task(), "rx" + std::to_string(r + 1),
                                              100, "", images, max_pending);
            d_tb->connect(d_source, 0, met, 0);
            int met_port = 1;
            if (images) {
                d_tb->connect(rx, rx->image_port(), met, met_port++);
                reconstructions.push_back(rx);
            }
            if (rx->num_classes() > 0)
                d_tb->connect(rx, 0, met, met_port);
            d_receivers.push_back(rx);
            d_metrics.push_back(met);
        }
        if (reconstructions.empty())
            return;
        std::filesystem::create_directories(d_o.out_dir);
        d_grid = gs::image_sink::make(int(shape[0]), int(shape[1]), int(shape[2]), int(reconstructions.size()) + 1,
                                      d_o.out_dir, 0, 12,
                                      d_o.role == "all" ? "simulate" : "simulate_rx" + std::to_string(d_o.receiver));
        d_tb->connect(d_source, 0, d_grid, 0);
        for (std::size_t k = 0; k < reconstructions.size(); ++k)
            d_tb->connect(reconstructions[k], reconstructions[k]->image_port(), d_grid, int(k) + 1);
    }

    // --role all and tx: the flowgraph ends by itself once every frame is through. A run in which
    // nothing moves any more (a block that failed and left the others waiting) is stopped after
    // --idle-timeout, with the frames still in flight counted lost.
    void run_all()
    {
        StopRule rule;
        rule.activity = [&] { return progress(); };
        rule.idle_s = d_o.idle_timeout_s;
        rule.before_stop = [&](RunEnd) { note_in_flight(); };
        d_end = run_until_idle(d_tb, rule);
        if (d_end == RunEnd::idle) {
            std::string flight;
            for (std::size_t i = 0; i < d_shown.size(); ++i)
                flight += (i ? ", rx" : "; rx") + std::to_string(d_shown[i] + 1) + " " +
                          std::to_string(d_in_flight[i]) + " in flight";
            std::fprintf(stderr,
                         "semcom: simulate: no frame moved for %.1f s (--idle-timeout): stopped%s (counted lost); a "
                         "block may have failed (see any error above)\n",
                         d_o.idle_timeout_s, flight.c_str());
        } else if (d_end == RunEnd::interrupted) {
            std::fprintf(stderr, "semcom: simulate: interrupted; the frames still in flight are counted lost\n");
        }
    }

    //! A counter that grows while frames move anywhere in the flowgraph.
    std::uint64_t progress() const
    {
        std::uint64_t a = d_source->nitems_written(0);
        if (d_pub)
            a += d_pub->nitems_read(0);
        for (std::size_t i = 0; i < d_receivers.size(); ++i)
            a += std::uint64_t(d_receivers[i]->frames_decoded() + d_receivers[i]->frames_dropped() +
                               d_receivers[i]->frames_rejected() + d_receivers[i]->bursts_detected() +
                               d_metrics[i]->frames() + d_metrics[i]->frames_missing() +
                               d_metrics[i]->frames_nonfinite());
        return a;
    }

    //! Before a stop by the idle rule or Ctrl-C: the frames each receiver still waits for.
    void note_in_flight()
    {
        d_in_flight.assign(d_metrics.size(), 0);
        for (std::size_t i = 0; i < d_metrics.size(); ++i)
            d_in_flight[i] = d_metrics[i]->frames_pending();
    }

    /*
     * Where each frame sent to receiver i went. Every original the metrics sink saw ends scored,
     * non-finite or missing; the missing ones are those the encoder did not send (codebook frames
     * it refused), those the receiver dropped (decoder queue full, side information that does not
     * describe the frame, a decoding error) or refused (another scheme or payload length), those
     * still in flight when the run was stopped, and the rest: lost on the way, i.e. by the PHY
     * (burst not detected, header not found or failing its CRC).
     */
    struct Losses {
        long sent = 0, scored = 0, nonfinite = 0, not_sent = 0, dropped = 0, rejected = 0, in_flight = 0, phy = 0;
        long lost() const { return sent - scored; }

        void to_json(nlohmann::json& j) const
        {
            j["frames_sent"] = sent;
            j["frames_scored"] = scored;
            j["frames_lost"] = lost();
            j["frames_lost_phy"] = phy;
            j["frames_dropped"] = dropped;
            j["frames_rejected"] = rejected;
            j["frames_nonfinite"] = nonfinite;
            j["frames_not_sent"] = not_sent;
            j["frames_in_flight_at_stop"] = in_flight;
        }

        std::string line(std::size_t r) const
        {
            char text[600];
            std::snprintf(text, sizeof text,
                          "rx%zu: %ld of %ld frames lost: %ld by the PHY (burst or header not found, CRC), %ld dropped "
                          "by the receiver (decoder queue full or bad side information), %ld refused (another scheme "
                          "or length), %ld with NaN/infinite outputs, %ld not sent, %ld in flight at the stop; "
                          "accuracy, PSNR and SSIM are over the %ld decoded",
                          r + 1, lost(), sent, phy, dropped, rejected, nonfinite, not_sent, in_flight, scored);
            return text;
        }
    };

    Losses losses(std::size_t i) const
    {
        const auto& rx = d_receivers[i];
        const auto& met = d_metrics[i];
        Losses l;
        l.sent = met->frames_sent();
        l.scored = met->frames();
        l.nonfinite = met->frames_nonfinite();
        l.not_sent = d_tx ? d_tx->frames_dropped() : 0;
        l.dropped = rx->frames_dropped();
        l.rejected = long(rx->frames_rejected());
        l.in_flight = i < d_in_flight.size() ? d_in_flight[i] : 0;
        l.phy = std::max(0L, met->frames_missing() - l.not_sent - l.dropped - l.rejected - l.in_flight);
        return l;
    }

    // A subscriber cannot tell a late transmitter from a lost one: stop when every frame is
    // scored, or when frames stop coming.
    void run_subscriber()
    {
        std::fprintf(stderr, "simulate (rx %d): subscribed to %s\n", d_o.receiver, d_o.address.c_str());
        const auto& rx = d_receivers.front();
        const auto& met = d_metrics.front();
        StopRule rule;
        rule.done = [&] {
            return met->frames() + met->frames_nonfinite() + met->frames_missing() >= d_o.images;
        };
        rule.activity = [&] { return std::uint64_t(rx->frames_decoded()); };
        rule.idle_s = d_o.idle_timeout_s;
        rule.before_stop = [&](RunEnd) { note_in_flight(); };
        d_end = run_until_idle(d_tb, rule);
        if (d_end == RunEnd::idle)
            std::fprintf(stderr,
                         "simulate (rx %d): no frame for %.1f s (--idle-timeout), stopping with %ld of %d decoded, "
                         "%ld still in flight (counted lost)\n",
                         d_o.receiver, d_o.idle_timeout_s, rx->frames_decoded(), d_o.images,
                         d_in_flight.empty() ? 0L : d_in_flight.front());
    }

    // --role tx --feedback: the reports' message source never ends by itself; stop once every
    // symbol is published (--waveform: every image's burst).
    void run_publisher()
    {
        const std::uint64_t symbols = std::uint64_t(d_o.images) * std::uint64_t(d_models.transmitter.channel_uses);
        gs::burst_transmitter::sptr burst;
        for (const auto& [name, block] : d_tx->blocks())
            if (name == "burst_transmitter")
                burst = std::dynamic_pointer_cast<gs::burst_transmitter>(block);
        StopRule rule;
        rule.done = [&] {
            if (burst)
                return burst->images_sent() >= std::uint64_t(d_o.images) &&
                       d_pub->nitems_read(0) >= burst->nitems_written(0);
            return d_pub->nitems_read(0) >= symbols;
        };
        rule.activity = [&] { return d_pub->nitems_read(0); };
        rule.idle_s = d_o.idle_timeout_s;
        if (run_until_idle(d_tb, rule) == RunEnd::idle)
            std::fprintf(stderr, "simulate (tx): nothing sent for %.0f s, stopping\n", d_o.idle_timeout_s);
    }

    void report_receivers(nlohmann::json& j) const
    {
        std::vector<std::string> snr_lines;
        std::vector<std::string> loss_lines;
        std::printf("%-4s %-16s %-7s %9s %10s %8s %8s %8s %8s\n", "rx", "channel", "task", "accuracy", "PSNR (dB)",
                    "SSIM", "sent", "decoded", "lost");
        for (std::size_t i = 0; i < d_shown.size(); ++i) {
            const std::size_t r = d_shown[i];
            const auto& rx = d_receivers[i];
            const auto& met = d_metrics[i];
            const std::string ch = channel_of(d_o, r) + " " + std::to_string(int(std::lround(d_o.snrs[r]))) + " dB";
            auto rxj = nlohmann::json::parse(met->summary_json());
            // a receiver that only classifies has no image to score: a dash, not "nan"
            // and one that only reconstructs no accuracy
            char psnr[16] = "-", ssim[16] = "-", accuracy[16] = "-";
            // (and one that decoded nothing has nothing to average: dashes, the loss beside them)
            if (rx->image_size() > 0 && met->frames() > 0) {
                std::snprintf(psnr, sizeof psnr, "%.2f", met->psnr_db());
                std::snprintf(ssim, sizeof ssim, "%.4f", met->ssim());
            }
            if (rx->num_classes() > 0 && met->frames() > 0)
                std::snprintf(accuracy, sizeof accuracy, "%.2f%%", 100.0 * met->accuracy());
            const auto loss = losses(i);
            std::printf("%-4zu %-16s %-7s %9s %10s %8s %8ld %8ld %8ld\n", r + 1, ch.c_str(),
                        rxj["task"].get<std::string>().c_str(), accuracy, psnr, ssim, loss.sent, loss.scored,
                        loss.lost());
            loss.to_json(rxj);
            if (loss.lost() > 0)
                loss_lines.push_back(loss.line(r));
            rxj["channel"] = ch;
            rxj["snr_db"] = d_o.snrs[r];
            if (d_o.waveform) {
                rxj["bursts_detected"] = rx->bursts_detected();
                rxj["header_errors"] = rx->header_errors();
                rxj["frames_rejected"] = rx->frames_rejected();
                rxj["measured_snr_db"] = rx->mean_snr_db();
                rxj["images_per_burst"] = d_o.images_per_burst;
                rxj["spreading"] = d_o.spreading;
            }
            if (!d_bank.empty())
                rxj["frames_per_model"] = rx->frames_per_model();
            if (d_models.transmitter.keep_masks)
                snr_lines.push_back(report_codebook(r, *rx, *met, rxj));
            snr_lines.push_back(report_snrs(r, *rx, rxj));
            j["receivers"].push_back(rxj);
        }
        for (const auto& line : loss_lines)
            std::printf("%s\n", line.c_str());
        for (const auto& line : snr_lines)
            std::printf("%s\n", line.c_str());
        for (std::size_t i = 0; i < d_shown.size(); ++i)
            report_receiver_details(d_shown[i], *d_receivers[i]);
    }

    // A codebook receiver (U-DeepSC): the symbols of its segment, its exits and its metric.
    std::string report_codebook(std::size_t r, const gs::receiver& rx, const gs::metrics_sink& met,
                                nlohmann::json& rxj) const
    {
        const double symbols = rx.mean_symbols_received(), layer = rx.mean_exit_layer();
        rxj["symbols_per_image"] = std::isfinite(symbols) ? nlohmann::json(symbols) : nlohmann::json();
        rxj["mean_exit_layer"] = std::isfinite(layer) ? nlohmann::json(layer) : nlohmann::json();
        rxj["frames_per_exit_layer"] = rx.frames_per_exit_layer();
        rxj["exit_threshold"] = rx.exit_threshold();
        rxj["hard_decisions"] = d_o.hard_decisions;
        rxj["frames_invalid"] = rx.frames_invalid();
        char metric[48];
        if (rx.num_classes() > 0)
            std::snprintf(metric, sizeof metric, "accuracy %.2f %%", 100.0 * met.accuracy());
        else
            std::snprintf(metric, sizeof metric, "PSNR %.2f dB", met.psnr_db());
        char line[400];
        std::snprintf(line, sizeof line,
                      "rx%zu %s: %.1f symbols per image (its segment), mean exit layer %.2f of %d (exit threshold "
                      "%.2f, %s), %s",
                      r + 1, rx.task().c_str(), symbols, layer, rx.exit_layers(), double(rx.exit_threshold()),
                      d_o.hard_decisions ? "hard decisions" : "soft posteriors", metric);
        return line;
    }

    // What receiver r reported (its last EWMA) and what the encoder used for it: the last frame's
    // value and the mean over the frames (the frames' snr_db_used, as the metrics sink saw them).
    std::string report_snrs(std::size_t r, const gs::receiver& rx, nlohmann::json& rxj) const
    {
        char line[400];
        const double reported = rx.reported_snr_db();
        rxj["reported_snr_db"] = std::isfinite(reported) ? nlohmann::json(reported) : nlohmann::json();
        const int width = d_models.transmitter.snr_width;
        const std::size_t k = width == 1 ? 0 : r;
        if (width == 0 || !rxj.contains("snr_db_used_last") || rxj["snr_db_used_last"].size() <= k) {
            std::snprintf(line, sizeof line, "rx%zu SNR: reported %.2f dB (EWMA of the measured)", r + 1, reported);
            return line;
        }
        const double last = rxj["snr_db_used_last"][k].get<double>();
        const double mean = rxj["snr_db_used_mean"][k].get<double>();
        rxj["encoder_snr_db_last"] = last;
        rxj["encoder_snr_db_mean"] = mean;
        std::snprintf(line, sizeof line,
                      "rx%zu SNR: reported %.2f dB (EWMA of the measured), encoder used %.2f dB (last frame), "
                      "%.2f dB (mean over %ld frames)%s",
                      r + 1, reported, last, mean, rxj["snr_db_used_frames"].get<long>(),
                      d_o.feedback ? ", from the receivers' reports" : ", told the true SNRs");
        return line;
    }

    void report_receiver_details(std::size_t r, const gs::receiver& rx) const
    {
        if (d_o.waveform)
            std::printf("rx%zu waveform: %llu bursts detected (%d images per burst, spreading %d), %llu header errors, "
                        "%llu images of another scheme or length, measured SNR %.2f dB\n",
                        r + 1, (unsigned long long)rx.bursts_detected(), d_o.images_per_burst, d_o.spreading,
                        (unsigned long long)rx.header_errors(), (unsigned long long)rx.frames_rejected(),
                        rx.mean_snr_db());
        if (!d_bank.empty()) {
            std::printf("rx%zu decoder bank:", r + 1);
            const auto used = rx.frames_per_model();
            for (std::size_t k = 0; k < used.size(); ++k)
                std::printf(" %s %ld%s", k == 0 ? d_models.prefix.c_str() : d_bank[k - 1].c_str(), used[k],
                            k + 1 < used.size() ? "," : "\n");
        }
    }

    // --bench: work time per block from GNU Radio's performance counters (GR_CONF_PERFCOUNTERS_ON)
    void report_work_time(nlohmann::json& j) const
    {
        named_blocks blocks{ { "image_source", d_source } };
        if (d_tx)
            for (const auto& b : d_tx->blocks())
                blocks.push_back(b);
        for (std::size_t i = 0; i < d_receivers.size(); ++i) {
            const std::string rx = " rx" + std::to_string(d_shown[i] + 1);
            for (const auto& b : d_receivers[i]->blocks())
                blocks.emplace_back(b.first + rx, b.second);
            for (const auto& b : d_metrics[i]->blocks())
                blocks.emplace_back(b.first + rx, b.second);
        }
        blocks.insert(blocks.end(), d_dsp.begin(), d_dsp.end());
        double total = 0, dsp = 0;
        for (const auto& b : blocks)
            total += b.second->pc_work_time_total();
        std::printf("where the time goes (work time, %.2f s in all):\n", total / 1e9);
        for (const auto& b : blocks) {
            const double t = b.second->pc_work_time_total();
            std::printf("  %-30s %6.1f %%\n", b.first.c_str(), total > 0 ? 100.0 * t / total : 0.0);
            for (const char* dsp_prefix : { "superposition", "quantized", "broadcast", "burst", "fading" })
                if (b.first.rfind(dsp_prefix, 0) == 0)
                    dsp += t;
            j["work_share"][b.first] = total > 0 ? t / total : 0.0;
        }
        std::printf("  DSP blocks (mapper, channel%s): %.1f %% of the work time\n", d_o.waveform ? ", burst PHY" : "",
                    total > 0 ? 100.0 * dsp / total : 0.0);
        std::printf("  (the decoders' inference runs on their own worker threads: their share here is the "
                    "hand-off only)\n");
    }

    SimulateOptions d_o; //!< the options, with the trained channels filled in
    const ModelSet d_models;
    const std::vector<std::string> d_bank;
    gr::top_block_sptr d_tb;
    std::vector<std::size_t> d_shown; //!< receivers decoded in this process
    gs::image_source::sptr d_source;
    gs::transmitter::sptr d_tx;
    gr::block_sptr d_pub; //!< --role tx: the symbols' ZeroMQ publisher
    gs::zmq_stream_source::sptr d_sub; //!< --role rx: their subscriber
    std::vector<gs::receiver::sptr> d_receivers;
    std::vector<gs::metrics_sink::sptr> d_metrics;
    gs::image_sink::sptr d_grid;
    named_blocks d_dsp; //!< channel blocks, for --bench
    RunEnd d_end = RunEnd::finished;
    std::vector<long> d_in_flight; //!< per receiver, frames pending when the run was stopped
};

nlohmann::json simulate_once(const SimulateOptions& o)
{
    if (o.scheme == "separate" && o.models.empty()) {
#ifdef SEMCOM_HAVE_SEPARATE
        return simulate_separate(o);
#else
        throw std::invalid_argument("--scheme separate: built without libjpeg (apt-get install libjpeg62-turbo-dev)");
#endif
    }
    Simulation sim(o);
    sim.build();
    return sim.report(sim.run());
}

// "LO:HI:STEP" -> the SNRs (at most 1000 of them, each a finite SNR of --snr's range)
std::vector<float> parse_sweep(const std::string& spec)
{
    double lo, hi, step;
    char c1, c2;
    std::istringstream in(spec);
    const std::string expected = "--sweep '" + spec + "': expected LO:HI:STEP in dB with -100 <= LO <= HI <= 100 and "
                                 "STEP > 0, e.g. -10:25:5";
    if (!(in >> lo >> c1 >> hi >> c2 >> step) || c1 != ':' || c2 != ':' || !in.eof())
        throw std::invalid_argument(expected);
    if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(step) || !(step > 0) || hi < lo || lo < -100 ||
        hi > 100)
        throw std::invalid_argument(expected);
    const double points = std::floor((hi - lo) / step + 1e-6) + 1;
    if (points > 1000)
        throw std::invalid_argument("--sweep '" + spec + "': " + std::to_string(long(points)) +
                                    " SNRs; at most 1000 (a larger STEP)");
    std::vector<float> v;
    for (long k = 0; k < long(points); ++k)
        v.push_back(float(lo + double(k) * step));
    return v;
}

/*
 * Exit status of a run from its results: 2 when a receiver scored no frame at all, when a run
 * had to be stopped (nothing moved for --idle-timeout), or, with --strict, when any frame sent was
 * not scored; 0 otherwise. Says why on stderr, one line each.
 */
int verdict(const nlohmann::json& j, const SimulateOptions& o, const std::string& what)
{
    int status = 0;
    const std::string prefix = "semcom: " + std::string(what.empty() ? "" : what + ": ");
    if (j.value("run_end", "complete") == "idle timeout" && o.role != "rx") {
        std::fprintf(stderr, "%serror: the run was stopped: no frame moved for %.1f s\n", prefix.c_str(),
                     o.idle_timeout_s);
        status = 2;
    }
    if (!j.contains("receivers"))
        return status;
    std::string lost;
    for (const auto& rx : j["receivers"]) {
        if (!rx.contains("frames_sent"))
            continue;
        const long sent = rx["frames_sent"].get<long>(), scored = rx["frames_scored"].get<long>();
        const std::string name = rx.value("receiver", std::string("rx"));
        if (sent > 0 && scored == 0) {
            std::fprintf(stderr, "%serror: %s decoded none of the %ld frames sent to it\n", prefix.c_str(),
                         name.c_str(), sent);
            status = 2;
        }
        if (scored < sent)
            lost += (lost.empty() ? "" : ", ") + name + " " + std::to_string(sent - scored) + " of " +
                    std::to_string(sent);
    }
    if (!lost.empty()) {
        std::fprintf(stderr, "%s%s: frames lost: %s%s\n", prefix.c_str(), o.strict ? "error (--strict)" : "warning",
                     lost.c_str(), o.strict ? "" : " (--strict makes this an error)");
        if (o.strict)
            status = 2;
    }
    return status;
}

} // namespace

int run_simulate(const SimulateOptions& o)
{
    if (o.bench)
        setenv("GR_CONF_PERFCOUNTERS_ON", "True", 1); // read by GNU Radio's prefs at first use
    // where the results go is checked first, not after the whole run
    check_writable("--json", o.json);
    if (o.role != "tx")
        check_writable_dir("--out-dir", o.out_dir);
    if (o.sweep.empty()) {
        const auto j = simulate_once(o);
        if (!o.json.empty())
            write_json_file(o.json, j);
        return verdict(j, o, "");
    }
    if (o.role != "all")
        throw std::invalid_argument("--sweep runs in one process (--role all)");
    const auto snrs = parse_sweep(o.sweep);
    const std::string csv = o.out_dir + "/sweep.csv";
    std::ofstream f(csv);
    if (!f)
        throw std::runtime_error("--out-dir: cannot write '" + csv + "'");
    f << "scheme,name,receiver,task,snr_db,accuracy,psnr_db,ssim,frames_sent,frames_scored\n";
    const std::string name = std::filesystem::path(model_prefix(o.scheme, o.models)).filename().string();
    nlohmann::json all = { { "sweep", o.sweep }, { "runs", nlohmann::json::array() } };
    int status = 0;
    for (float s : snrs) {
        SimulateOptions one = o;
        one.snrs.assign(o.snrs.size(), s);
        one.json.clear();
        auto j = simulate_once(one);
        for (const auto& rx : j["receivers"])
            f << "gr-semcom," << name << "," << rx["receiver"].get<std::string>().substr(2) << ","
              << rx["task"].get<std::string>() << "," << s << "," << rx["accuracy"] << "," << rx["psnr_db"] << ","
              << rx["ssim"] << "," << rx.value("frames_sent", 0L) << "," << rx.value("frames_scored", 0L) << "\n";
        char what[32];
        std::snprintf(what, sizeof what, "%g dB", double(s));
        status = std::max(status, verdict(j, o, what));
        j["snr_db"] = s;
        all["runs"].push_back(std::move(j));
    }
    f.flush();
    if (!f)
        throw std::runtime_error("--out-dir: writing '" + csv + "' failed (disk full?)");
    f.close();
    if (!o.json.empty())
        write_json_file(o.json, all);
    std::printf("sweep: %s\n", csv.c_str());
    // The plots are the Python package's (matplotlib): a printed step, never run through a shell.
    std::printf("plots: PYTHONPATH=python /usr/bin/python3 -m semcom_train plot %s --out %s\n",
                shell_quote(csv).c_str(), shell_quote(o.out_dir).c_str());
    return status;
}

} // namespace semcom::apps
