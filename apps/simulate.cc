/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate: the semantic broadcast as a GNU Radio flowgraph built in C++:
 * image_source -> semantic_encoder -> superposition_mapper -> broadcast_channel -> per receiver
 * neural_decoder -> metrics_sink, plus an image_sink grid; a per-receiver table and JSON at the end.
 */
#include "simulate.h"
#include "flowgraph_common.h"
#ifdef SEMCOM_HAVE_SEPARATE
#include "separate.h"
#endif

#include <gnuradio/semcom/broadcast_channel.h>
#include <gnuradio/semcom/burst_receiver.h>
#include <gnuradio/semcom/burst_transmitter.h>
#include <gnuradio/channels/channel_model.h>
#include <gnuradio/channels/fading_model.h>
#include <gnuradio/semcom/equaliser.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/blocks/vector_to_stream.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/semcom/quantized_demapper.h>
#include <gnuradio/semcom/quantized_mapper.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <gnuradio/semcom/superposition_mapper.h>
#include <gnuradio/blocks/head.h>
#include <gnuradio/blocks/null_sink.h>
#include <gnuradio/top_block.h>
#include <gnuradio/zeromq/pub_sink.h>
#include <gnuradio/zeromq/sub_source.h>
#include <nlohmann/json.hpp>
#include <semcom/channel.h>
#include <semcom/neural/manifest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <cstdlib>
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
    cmd->add_option("--scheme", o.scheme,
                    "deepscm (models/deepscm_4qam16qam), cm (models/cm_joint, the coded-modulation "
                    "baseline), mijscc (models/mijscc_q8, quantized features; one receiver) or separate "
                    "(JPEG + LDPC + QAM at the same channel uses)")
        ->capture_default_str();
    cmd->add_option("--mcs", o.mcs,
                    "separate: auto (per receiver the highest-throughput MCS that decodes) or one for all, "
                    "e.g. 16qam-1/2, 64qam-2/3, 256qam-3/4")
        ->capture_default_str();
    cmd->add_option("--channel-uses", o.channel_uses,
                    "separate: symbols per image (0: those of the shipped DeepSCM models)")
        ->capture_default_str();
    cmd->add_option("--models", o.models,
                    "Model prefix instead of --scheme: PREFIX_encoder.json and PREFIX_rx1.json ... "
                    "(one per receiver)");
    cmd->add_option("--channel", o.channels, "awgn, rayleigh or rician:K, one for all or one per receiver")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--snr", o.snrs, "SNR in dB of each receiver (their number = the receivers)")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--fading", o.fading, "block (one h per image) or per_symbol")
        ->check(CLI::IsMember({ "block", "per_symbol" }))
        ->capture_default_str();
    cmd->add_option("--images", o.images, "Test images to send")->check(CLI::Range(1, 10000))->capture_default_str();
    cmd->add_option("--seed", o.seed, "Channel seed")->capture_default_str();
    cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_option("--json", o.json, "Write the per-receiver results as JSON to this file");
    cmd->add_option("--out-dir", o.out_dir, "Folder for the PNG grid of originals and reconstructions")
        ->capture_default_str();
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
        ->capture_default_str();
    cmd->add_option("--sweep", o.sweep,
                    "LO:HI:STEP in dB: run every receiver at each SNR in turn, write OUT_DIR/sweep.csv "
                    "and plots (accuracy, PSNR, SSIM against SNR)");
    cmd->add_flag("--bench", o.bench, "Also print where the time goes (share of each block's work time)");
    cmd->add_option("--target-rate", o.target_rate, "Symbol rate per receiver that counts as real time")
        ->capture_default_str();
    cmd->add_option("--idle-timeout", o.idle_timeout_s,
                    "rx: stop after this many seconds without new frames and report what arrived")
        ->capture_default_str();
    cmd->add_flag("--waveform", o.waveform,
                  "Waveform level: RRC-shaped bursts (preamble, coded header, pilots) through gr-channels "
                  "impairments, detected, synchronised and equalised by each receiver (needs about 5 dB)");
    cmd->add_option("--impairments", o.impairments,
                    "--waveform: none (noise only) or realistic (CFO 0.002 cycles/symbol, 2 ppm clock offset, "
                    "two-path multipath, a random phase per receiver)")
        ->check(CLI::IsMember({ "none", "realistic" }))
        ->capture_default_str();
    cmd->add_option("--sps", o.sps, "--waveform: samples per symbol")->check(CLI::Range(2, 16))->capture_default_str();
    cmd->add_option("--bank", o.bank,
                    "Decoder bank: 'auto' (models/SCHEME_decoders_*) or model prefixes, comma separated; each "
                    "frame is decoded by the receiver model trained nearest its (measured) SNR");
}

namespace {

std::string model_prefix(const SimulateOptions& o) { return scheme_model_prefix(o.scheme, o.models); }

} // namespace

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

// --waveform: receiver r's channel as gr-channels blocks. Symbol SNR = 1 / noise variance per
// sample (unit-energy pulse, unit amplitude); fading per sample with a Doppler so low (1e-5 of
// the sample rate) that it is about constant over a burst; "realistic" adds a CFO of 0.002
// cycles per symbol, a 2 ppm sample-clock offset and a second path 3 samples late at -12 dB.
std::vector<gr::basic_block_sptr> waveform_channel(const SimulateOptions& o, std::size_t r, const std::string& spec)
{
    const auto cfg = ::semcom::ChannelConfig::parse(spec, o.snrs[r]);
    const int seed = int(o.seed * 1000 + r * 17 + 1);
    std::vector<gr::basic_block_sptr> chain;
    if (cfg.fading != ::semcom::Fading::none)
        chain.push_back(gr::channels::fading_model::make(8, 1e-5f, cfg.fading == ::semcom::Fading::rician,
                                                         cfg.k_factor, seed));
    const bool real = o.impairments == "realistic";
    std::vector<gr_complex> taps{ { 1.0f, 0.0f } };
    if (real) {
        const float a = std::pow(10.0f, -12.0f / 20.0f);
        taps = { { 1.0f, 0.0f }, { 0.0f, 0.0f }, { 0.0f, 0.0f }, std::polar(a, 1.0f + float(r)) };
        const float norm = 1.0f / std::sqrt(1.0f + a * a); // unit channel energy: the SNR stays the symbol SNR
        for (auto& t : taps)
            t *= norm * std::polar(1.0f, 0.7f * float(r + 1)); // and a phase of its own
    }
    chain.push_back(gr::channels::channel_model::make(std::pow(10.0, -o.snrs[r] / 20.0),
                                                      real ? 0.002 / o.sps : 0.0, real ? 1.0 + 2e-6 : 1.0, taps,
                                                      double(seed), false));
    return chain;
}

// --bank: the model prefixes of the decoder bank ("auto": models/SCHEME_decoders_*).
std::vector<std::string> bank_prefixes(const SimulateOptions& o, const neural::Manifest& encoder)
{
    std::vector<std::string> out;
    if (o.bank.empty())
        return out;
    if (o.bank == "auto") {
        const std::string stem = encoder.scheme + "_decoders_";
        if (std::filesystem::is_directory("models"))
            for (const auto& e : std::filesystem::directory_iterator("models")) {
                const std::string f = e.path().filename().string();
                const std::string tail = "_rx1.json";
                if (f.rfind(stem, 0) == 0 && f.size() > tail.size() && f.compare(f.size() - tail.size(), tail.size(), tail) == 0)
                    out.push_back("models/" + f.substr(0, f.size() - tail.size()));
            }
        std::sort(out.begin(), out.end());
        if (out.empty())
            throw std::invalid_argument("--bank auto: no models/" + stem + "*_rx1.json");
        return out;
    }
    std::size_t from = 0;
    for (;;) {
        const auto comma = o.bank.find(',', from);
        out.push_back(o.bank.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
        if (!std::filesystem::exists(out.back() + "_rx1.json"))
            throw std::invalid_argument("--bank: '" + out.back() + "_rx1.json' does not exist");
        if (comma == std::string::npos)
            break;
        from = comma + 1;
    }
    return out;
}

nlohmann::json simulate_once(const SimulateOptions& opts)
{
    namespace gs = gr::semcom;
    if (opts.scheme == "separate") {
#ifdef SEMCOM_HAVE_SEPARATE
        return simulate_separate(opts);
#else
        throw std::invalid_argument("--scheme separate: built without libjpeg (apt-get install libjpeg62-turbo-dev)");
#endif
    }
    SimulateOptions o = opts;
    o.models = model_prefix(opts);
    const std::string enc_path = o.models + "_encoder.json";
    if (!std::filesystem::exists(enc_path))
        throw std::runtime_error("model not found: '" + enc_path +
                                 "' (train and export one, see python/README.md)");
    const auto enc_manifest = neural::Manifest::load(enc_path);
    const bool quantized = enc_manifest.constellations.empty();
    // A-MIJSCC's encoder takes the SNR (its receiver's: one receiver) and sends only the head of
    // each frame it chooses
    const bool adaptive = enc_manifest.inputs.size() == 2;
    if (o.fading != "block")
        throw std::invalid_argument("--fading " + o.fading +
                                    ": simulate equalises with per-frame CSI; per-symbol fading has no CSI tags "
                                    "(use block)");
    const std::size_t n_rx = receiver_count(o);
    std::vector<neural::Manifest> rx_manifests;
    for (std::size_t r = 0; r < n_rx; ++r) {
        const std::string p = o.models + "_rx" + std::to_string(r + 1) + ".json";
        if (!std::filesystem::exists(p))
            throw std::runtime_error("--snr gives " + std::to_string(n_rx) + " receivers but '" + p +
                                     "' does not exist");
        rx_manifests.push_back(neural::Manifest::load(p));
    }

    std::vector<std::string> layers;
    for (const auto& c : enc_manifest.constellations)
        layers.push_back(c.name);
    std::vector<float> alphas(enc_manifest.alphas.begin(), enc_manifest.alphas.end());
    const int n = int(enc_manifest.channel_uses);
    const auto shape = enc_manifest.inputs[0].shape; // [-1, C, H, W]

    const bool tx = o.role != "rx", rx = o.role != "tx";
    if (o.role == "rx" && (o.receiver < 1 || std::size_t(o.receiver) > n_rx))
        throw std::invalid_argument("--receiver " + std::to_string(o.receiver) + " is not one of the " +
                                    std::to_string(n_rx) + " receivers given by --snr");
    auto tb = gr::make_top_block("semcom-simulate");
    auto source = gs::image_source::make("fashion-mnist", "", "test", o.images);
    gs::semantic_encoder::sptr encoder;
    gs::quantized_mapper::sptr qmapper;
    gr::basic_block_sptr symbols; // what the channel sees: the mapper here, or the subscription
    std::vector<std::pair<std::string, gr::block_sptr>> dsp_blocks; // for --bench
    if (tx) {
        encoder = gs::semantic_encoder::make(enc_path, o.device, 32);
        if (adaptive)
            encoder->set_snr(o.snrs.front());
        tb->connect(source, 0, encoder, 0);
        gr::block_sptr mapper;
        if (quantized) {
            // analog models (no quantizer in the manifest) still go through 8 bits
            const int bits = enc_manifest.quantizer ? int(enc_manifest.quantizer->bits) : 8;
            qmapper = gs::quantized_mapper::make(2 * n, bits, "per_frame");
            mapper = qmapper;
            tb->connect(encoder, 0, mapper, 0);
            dsp_blocks.emplace_back("quantized_mapper", mapper);
        } else {
            mapper = gs::superposition_mapper::make(layers, alphas);
            for (std::size_t k = 0; k < layers.size(); ++k)
                tb->connect(encoder, int(k), mapper, int(k));
            dsp_blocks.emplace_back("superposition_mapper", mapper);
        }
        symbols = mapper;
        if (!rx) {
            auto pub = gr::zeromq::pub_sink::make(sizeof(gr_complex), 1, const_cast<char*>(o.address.c_str()),
                                                  100, true, -1, "", false);
            tb->connect(mapper, 0, pub, 0);
        }
    } else {
        auto sub = gr::zeromq::sub_source::make(sizeof(gr_complex), 1, const_cast<char*>(o.address.c_str()), 100,
                                                true);
        auto head = gr::blocks::head::make(sizeof(gr_complex), std::uint64_t(o.images) * n);
        tb->connect(sub, 0, head, 0);
        symbols = head;
    }
    std::vector<gr::basic_block_sptr> waveform_channels; // --waveform: each receiver's last channel block
    std::vector<gs::burst_receiver::sptr> burst_receivers;
    const auto bank = bank_prefixes(o, enc_manifest);
    std::vector<gs::neural_decoder::sptr> decoders;
    std::vector<gs::metrics_sink::sptr> metrics;
    std::vector<std::size_t> shown; // receivers decoded in this process
    gs::image_sink::sptr grid;
    if (rx) {
        // The whole broadcast channel in every process, so that receiver r gets the same noise
        // (seeded from seed and r) wherever it runs; the other outputs go nowhere.
        gs::broadcast_channel::sptr channel;
        if (o.waveform) {
            auto burst_tx = gs::burst_transmitter::make(n, quantized ? 3 : (layers.size() > 1 ? 1 : 2), 0,
                                                        quantized ? 0 : int(layers.size()), o.sps, 0.35f, 32, 200);
            tb->connect(symbols, 0, burst_tx, 0);
            dsp_blocks.emplace_back("burst_transmitter", burst_tx);
            for (std::size_t r = 0; r < n_rx; ++r) {
                const auto ch = waveform_channel(o, r, o.channels.size() == 1 ? o.channels[0] : o.channels[r]);
                tb->connect(burst_tx, 0, ch.front(), 0);
                for (std::size_t k = 1; k < ch.size(); ++k)
                    tb->connect(ch[k - 1], 0, ch[k], 0);
                for (const auto& b : ch) // (channel_model is a hierarchical block: no counters of its own)
                    if (auto blk = std::dynamic_pointer_cast<gr::block>(b))
                        dsp_blocks.emplace_back(b->name() + " rx" + std::to_string(r + 1), blk);
                waveform_channels.push_back(ch.back());
            }
        } else {
            channel = gs::broadcast_channel::make(o.channels, o.snrs, o.fading, n, o.seed);
            tb->connect(symbols, 0, channel, 0);
            dsp_blocks.emplace_back("broadcast_channel", channel);
        }
        for (std::size_t r = 0; r < n_rx; ++r)
            if (o.role == "all" || std::size_t(o.receiver) == r + 1)
                shown.push_back(r);
        std::filesystem::create_directories(o.out_dir);
        grid = gs::image_sink::make(int(shape[1]), int(shape[2]), int(shape[3]), int(shown.size()) + 1, o.out_dir,
                                    0, 12, o.role == "all" ? "simulate" : "simulate_rx" + std::to_string(o.receiver));
        tb->connect(source, 0, grid, 0);
        for (std::size_t r = 0; r < n_rx; ++r) {
            if (std::find(shown.begin(), shown.end(), r) == shown.end()) {
                tb->connect(o.waveform ? waveform_channels[r] : gr::basic_block_sptr(channel),
                            o.waveform ? 0 : int(r), gr::blocks::null_sink::make(sizeof(gr_complex)), 0);
                continue;
            }
            const auto& m = rx_manifests[r];
            const std::string task = m.tasks.empty() ? "fine" : m.tasks[0];
            std::string decoder_models = m.path;
            for (const auto& b : bank)
                decoder_models += "," + b + "_rx" + std::to_string(r + 1) + ".json";
            auto dec = gs::neural_decoder::make(decoder_models, o.device, o.snrs[r], 32);
            auto met = gs::metrics_sink::make(int(shape[1]), int(shape[2]), int(shape[3]), dec->num_classes(),
                                              task == "coarse" ? "coarse" : "fine", "rx" + std::to_string(r + 1));
            gr::basic_block_sptr eq;
            if (o.waveform) {
                // the receiver measures everything: detection, CFO, timing, channel, SNR
                auto burst_rx = gs::burst_receiver::make(n, 0, o.sps);
                tb->connect(waveform_channels[r], 0, burst_rx, 0);
                dsp_blocks.emplace_back("burst_receiver rx" + std::to_string(r + 1), burst_rx);
                burst_receivers.push_back(burst_rx);
                eq = burst_rx;
            } else {
                // Zero-forcing with the channel's (genie) CSI; the decoder gets the SNR after it.
                eq = gs::equaliser::make("zf");
                tb->connect(channel, int(r), eq, 0);
            }
            if (quantized) {
                // y / gain per frame from the side information, back to n complex values
                auto demap = gs::quantized_demapper::make(2 * n);
                auto unpack = gr::blocks::vector_to_stream::make(sizeof(gr_complex), n);
                tb->connect(eq, 0, demap, 0);
                tb->connect(demap, 0, unpack, 0);
                tb->connect(unpack, 0, dec, 0);
            } else {
                tb->connect(eq, 0, dec, 0);
            }
            tb->connect(source, 0, met, 0);
            tb->connect(dec, 1, met, 1);
            tb->connect(dec, 0, met, 2);
            tb->connect(dec, 1, grid, int(decoders.size()) + 1);
            decoders.push_back(dec);
            metrics.push_back(met);
        }
    }
    if (!o.quiet)
        std::fprintf(stderr, "simulate (%s): %d images, %zu receivers, %s ...\n", o.role.c_str(), o.images, n_rx,
                     enc_manifest.name.c_str());
    if (o.role == "tx")
        std::this_thread::sleep_for(std::chrono::milliseconds(o.start_delay_ms));
    const auto t0 = std::chrono::steady_clock::now();
    if (o.role == "rx") {
        // A subscriber cannot tell a late transmitter from a lost one: stop when frames stop.
        std::fprintf(stderr, "simulate (rx %d): subscribed to %s\n", o.receiver, o.address.c_str());
        tb->start();
        std::atomic<bool> done{ false };
        std::thread waiter([&] {
            tb->wait();
            done = true;
        });
        long last = -1;
        auto last_change = std::chrono::steady_clock::now();
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const long now = decoders.front()->frames_decoded();
            if (metrics.front()->frames() + metrics.front()->frames_missing() >= o.images) {
                tb->stop(); // every frame scored; the subscription alone would never end
                break;
            }
            if (now != last) {
                last = now;
                last_change = std::chrono::steady_clock::now();
            } else if (std::chrono::duration<double>(std::chrono::steady_clock::now() - last_change).count() >
                       o.idle_timeout_s) {
                std::fprintf(stderr, "simulate (rx %d): no frame for %.0f s, stopping with %ld of %d\n",
                             o.receiver, o.idle_timeout_s, now, o.images);
                tb->stop();
                break;
            }
        }
        waiter.join();
    } else {
        tb->run();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (o.role == "tx") {
        std::printf("published %d images (%d symbols each) on %s in %.2f s\n", o.images, n, o.address.c_str(),
                    seconds);
        return nlohmann::json::object();
    }

    const double images_per_s = o.images / seconds;
    const double realtime = images_per_s * n / o.target_rate;
    std::printf("%s: %d images, n = %d symbols per image, %.1f images/s, %.0f ksym/s per receiver = "
                "%.2fx real time at %.0f ksym/s\n",
                enc_manifest.name.c_str(), o.images, n, images_per_s, images_per_s * n / 1e3, realtime,
                o.target_rate / 1e3);
    std::printf("%-4s %-16s %-7s %9s %10s %8s %8s %8s\n", "rx", "channel", "task", "accuracy", "PSNR (dB)",
                "SSIM", "frames", "dropped");
    nlohmann::json j;
    j["models"] = o.models;
    j["images"] = o.images;
    j["channel_uses"] = n;
    j["seconds"] = seconds;
    j["images_per_s"] = images_per_s;
    j["realtime_factor"] = realtime;
    if (qmapper) {
        j["symbols_per_image"] = qmapper->mean_symbols_sent();
        if (adaptive)
            std::printf("A-MIJSCC: %.1f of %d symbols per image sent on average at %.1f dB\n",
                        qmapper->mean_symbols_sent(), n, o.snrs.front());
    }
    for (std::size_t i = 0; i < shown.size(); ++i) {
        const std::size_t r = shown[i];
        const std::string ch = (o.channels.size() == 1 ? o.channels[0] : o.channels[r]) + " " +
                               std::to_string(int(std::lround(o.snrs[r]))) + " dB";
        const auto summary = nlohmann::json::parse(metrics[i]->summary_json());
        std::printf("%-4zu %-16s %-7s %8.2f%% %10.2f %8.4f %8ld %8ld\n", r + 1, ch.c_str(),
                    summary["task"].get<std::string>().c_str(), 100.0 * metrics[i]->accuracy(),
                    metrics[i]->psnr_db(), metrics[i]->ssim(), metrics[i]->frames(),
                    decoders[i]->frames_dropped());
        auto rxj = summary;
        rxj["channel"] = ch;
        rxj["snr_db"] = o.snrs[r];
        if (o.waveform) {
            const auto& b = burst_receivers[i];
            rxj["bursts_detected"] = b->bursts_detected();
            rxj["header_errors"] = b->header_errors();
            rxj["measured_snr_db"] = b->mean_snr_db();
        }
        if (!bank.empty())
            rxj["frames_per_model"] = decoders[i]->frames_per_model();
        j["receivers"].push_back(rxj);
    }
    for (std::size_t i = 0; i < shown.size(); ++i) {
        if (o.waveform)
            std::printf("rx%zu waveform: %llu bursts detected, %llu header errors, measured SNR %.2f dB\n",
                        shown[i] + 1, (unsigned long long)burst_receivers[i]->bursts_detected(),
                        (unsigned long long)burst_receivers[i]->header_errors(), burst_receivers[i]->mean_snr_db());
        if (!bank.empty()) {
            std::printf("rx%zu decoder bank:", shown[i] + 1);
            const auto used = decoders[i]->frames_per_model();
            for (std::size_t k = 0; k < used.size(); ++k)
                std::printf(" %s %ld%s", k == 0 ? o.models.c_str() : bank[k - 1].c_str(), used[k],
                            k + 1 < used.size() ? "," : "\n");
        }
    }
    if (o.bench) {
        // Work time per block from GNU Radio's performance counters (GR_CONF_PERFCOUNTERS_ON).
        std::vector<std::pair<std::string, gr::block_sptr>> blocks{ { "image_source", source } };
        if (encoder)
            blocks.emplace_back("semantic_encoder", encoder);
        for (std::size_t i = 0; i < decoders.size(); ++i) {
            blocks.emplace_back("neural_decoder rx" + std::to_string(shown[i] + 1), decoders[i]);
            blocks.emplace_back("metrics_sink rx" + std::to_string(shown[i] + 1), metrics[i]);
        }
        for (const auto& b : dsp_blocks)
            blocks.push_back(b);
        double total = 0;
        for (const auto& b : blocks)
            total += b.second->pc_work_time_total();
        std::printf("where the time goes (work time, %.2f s in all):\n", total / 1e9);
        double dsp = 0;
        for (const auto& b : blocks) {
            const double t = b.second->pc_work_time_total();
            std::printf("  %-26s %6.1f %%\n", b.first.c_str(), total > 0 ? 100.0 * t / total : 0.0);
            for (const char* dsp_prefix : { "superposition", "quantized", "broadcast", "burst", "fading" })
                if (b.first.rfind(dsp_prefix, 0) == 0)
                    dsp += t;
            j["work_share"][b.first] = total > 0 ? t / total : 0.0;
        }
        std::printf("  DSP blocks (mapper, channel%s): %.1f %% of the work time\n", o.waveform ? ", burst PHY" : "", total > 0 ? 100.0 * dsp / total : 0.0);
        std::printf("  (the decoders' inference runs on their own worker threads: their share here is the "
                    "hand-off only)\n");
    }
    std::printf("images: %s\n", grid->write_grid().c_str());
    if (!o.json.empty())
        write_json_file(o.json, j);
    return j;
}

// "LO:HI:STEP" -> the SNRs
std::vector<float> parse_sweep(const std::string& spec)
{
    float lo, hi, step;
    char c1, c2;
    std::istringstream in(spec);
    if (!(in >> lo >> c1 >> hi >> c2 >> step) || c1 != ':' || c2 != ':' || !(step > 0) || hi < lo || !in.eof())
        throw std::invalid_argument("--sweep '" + spec + "': expected LO:HI:STEP in dB with STEP > 0, e.g. -10:25:5");
    std::vector<float> v;
    for (float s = lo; s <= hi + 1e-4f; s += step)
        v.push_back(s);
    return v;
}

} // namespace

int run_simulate(const SimulateOptions& o)
{
    if (o.bench)
        setenv("GR_CONF_PERFCOUNTERS_ON", "True", 1); // read by GNU Radio's prefs at first use
    if (o.sweep.empty()) {
        simulate_once(o);
        return 0;
    }
    if (o.role != "all")
        throw std::invalid_argument("--sweep runs in one process (--role all)");
    const auto snrs = parse_sweep(o.sweep);
    std::filesystem::create_directories(o.out_dir);
    const std::string csv = o.out_dir + "/sweep.csv";
    std::ofstream f(csv);
    if (!f)
        throw std::runtime_error("cannot write '" + csv + "'");
    f << "scheme,name,receiver,task,snr_db,accuracy,psnr_db,ssim\n";
    const std::string name = std::filesystem::path(model_prefix(o)).filename().string();
    for (float s : snrs) {
        SimulateOptions one = o;
        one.snrs.assign(o.snrs.size(), s);
        one.json.clear();
        const auto j = simulate_once(one);
        for (const auto& rx : j["receivers"])
            f << "gr-semcom," << name << "," << rx["receiver"].get<std::string>().substr(2) << ","
              << rx["task"].get<std::string>() << "," << s << "," << rx["accuracy"] << "," << rx["psnr_db"]
              << "," << rx["ssim"] << "\n";
    }
    f.close();
    std::printf("sweep: %s\n", csv.c_str());
    // The plots come from the Python package (matplotlib), when it is there.
    const std::string plot = "PYTHONPATH=python /usr/bin/python3 -m semcom_train plot '" + csv + "' --out '" +
                             o.out_dir + "' > /dev/null 2>&1";
    if (std::system(plot.c_str()) == 0)
        std::printf("plots: %s/accuracy_vs_snr.png, psnr_vs_snr.png, ssim_vs_snr.png\n", o.out_dir.c_str());
    else
        std::printf("plots: run %s\n", plot.c_str());
    return 0;
}

} // namespace semcom::apps
