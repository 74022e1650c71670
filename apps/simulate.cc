/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate: the semantic broadcast as a GNU Radio flowgraph built in C++:
 * image_source -> semantic_encoder -> superposition_mapper -> broadcast_channel -> per receiver
 * neural_decoder -> metrics_sink, plus an image_sink grid; a per-receiver table and JSON at the end.
 */
#include "simulate.h"

#include <gnuradio/semcom/broadcast_channel.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/semcom/image_source.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <gnuradio/semcom/superposition_mapper.h>
#include <gnuradio/top_block.h>
#include <nlohmann/json.hpp>
#include <semcom/neural/manifest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace semcom::apps {

void add_simulate_command(CLI::App& app, SimulateOptions& o)
{
    auto* cmd = app.add_subcommand(
        "simulate",
        "Semantic broadcast simulation as a GNU Radio flowgraph: shipped (or given) models, N "
        "receivers with their own channel and SNR; prints accuracy, PSNR and SSIM per receiver");
    cmd->add_option("--models", o.models,
                    "Model prefix: PREFIX_encoder.json and PREFIX_rx1.json ... (one per receiver)")
        ->capture_default_str();
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
}

int run_simulate(const SimulateOptions& o)
{
    namespace gs = gr::semcom;
    const std::string enc_path = o.models + "_encoder.json";
    if (!std::filesystem::exists(enc_path))
        throw std::runtime_error("model not found: '" + enc_path +
                                 "' (train and export one, see python/README.md)");
    const auto enc_manifest = neural::Manifest::load(enc_path);
    if (enc_manifest.constellations.empty())
        throw std::runtime_error("'" + enc_path + "': scheme '" + enc_manifest.scheme +
                                 "' is not a superposition scheme; simulate runs deepscm and cm models");
    const std::size_t n_rx = o.snrs.size();
    if (n_rx == 0)
        throw std::invalid_argument("--snr: give one SNR per receiver");
    if (o.channels.size() != 1 && o.channels.size() != n_rx)
        throw std::invalid_argument("--channel has " + std::to_string(o.channels.size()) + " entries for " +
                                    std::to_string(n_rx) + " receivers (--snr): give one, or one per receiver");
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

    auto tb = gr::make_top_block("semcom-simulate");
    auto source = gs::image_source::make("fashion-mnist", "", "test", o.images);
    auto encoder = gs::semantic_encoder::make(enc_path, o.device, 32);
    auto mapper = gs::superposition_mapper::make(layers, alphas);
    auto channel = gs::broadcast_channel::make(o.channels, o.snrs, o.fading, n, o.seed);
    std::filesystem::create_directories(o.out_dir);
    auto grid = gs::image_sink::make(int(shape[1]), int(shape[2]), int(shape[3]), int(n_rx) + 1, o.out_dir, 0,
                                     12, "simulate");
    tb->connect(source, 0, encoder, 0);
    for (std::size_t k = 0; k < layers.size(); ++k)
        tb->connect(encoder, int(k), mapper, int(k));
    tb->connect(mapper, 0, channel, 0);
    tb->connect(source, 0, grid, 0);
    std::vector<gs::neural_decoder::sptr> decoders;
    std::vector<gs::metrics_sink::sptr> metrics;
    for (std::size_t r = 0; r < n_rx; ++r) {
        const auto& m = rx_manifests[r];
        const std::string task = m.tasks.empty() ? "fine" : m.tasks[0];
        auto dec = gs::neural_decoder::make(m.path, o.device, o.snrs[r], 32);
        auto met = gs::metrics_sink::make(int(shape[1]), int(shape[2]), int(shape[3]), dec->num_classes(),
                                          task == "coarse" ? "coarse" : "fine", "rx" + std::to_string(r + 1));
        tb->connect(channel, int(r), dec, 0);
        tb->connect(source, 0, met, 0);
        tb->connect(dec, 1, met, 1);
        tb->connect(dec, 0, met, 2);
        tb->connect(dec, 1, grid, int(r) + 1);
        decoders.push_back(dec);
        metrics.push_back(met);
    }
    if (!o.quiet)
        std::fprintf(stderr, "simulate: %d images, %zu receivers, %s on %s ...\n", o.images, n_rx,
                     enc_manifest.name.c_str(), encoder->device_name().c_str());
    const auto t0 = std::chrono::steady_clock::now();
    tb->run();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    const double images_per_s = o.images / seconds;
    std::printf("%s: %d images, n = %d symbols per image, %.1f images/s (%.0f ksym/s per receiver)\n",
                enc_manifest.name.c_str(), o.images, n, images_per_s, images_per_s * n / 1e3);
    std::printf("%-4s %-16s %-7s %9s %10s %8s %8s %8s\n", "rx", "channel", "task", "accuracy", "PSNR (dB)",
                "SSIM", "frames", "dropped");
    nlohmann::json j;
    j["models"] = o.models;
    j["images"] = o.images;
    j["channel_uses"] = n;
    j["seconds"] = seconds;
    j["images_per_s"] = images_per_s;
    for (std::size_t r = 0; r < n_rx; ++r) {
        const std::string ch = (o.channels.size() == 1 ? o.channels[0] : o.channels[r]) + " " +
                               std::to_string(int(std::lround(o.snrs[r]))) + " dB";
        const auto summary = nlohmann::json::parse(metrics[r]->summary_json());
        std::printf("%-4zu %-16s %-7s %8.2f%% %10.2f %8.4f %8ld %8ld\n", r + 1, ch.c_str(),
                    summary["task"].get<std::string>().c_str(), 100.0 * metrics[r]->accuracy(),
                    metrics[r]->psnr_db(), metrics[r]->ssim(), metrics[r]->frames(),
                    decoders[r]->frames_dropped());
        auto rx = summary;
        rx["channel"] = ch;
        rx["snr_db"] = o.snrs[r];
        j["receivers"].push_back(rx);
    }
    std::printf("images: %s\n", grid->write_grid().c_str());
    if (!o.json.empty()) {
        std::ofstream f(o.json);
        if (!f)
            throw std::runtime_error("--json: cannot write '" + o.json + "'");
        f << j.dump(2) << "\n";
    }
    return 0;
}

} // namespace semcom::apps
