/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate --scheme separate: the separate source-channel coding baseline at the semantic
 * schemes' channel uses. The simulation is semcom::separate::Simulation (lib/separate); here are the
 * options, the data, the clean-image classifier (TorchScript), the printout and the JSON.
 */
#include "separate.h"
#include "models.h"
#include "run.h"
#include "simulate.h"

#include <semcom/images.h>
#include <semcom/neural/manifest.h>
#include <semcom/neural/model.h>
#include <semcom/separate/simulation.h>

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

namespace semcom::apps {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

//! The channel uses of the semantic schemes' shipped models, unless given.
int channel_uses(const SimulateOptions& o)
{
    if (o.channel_uses > 0)
        return o.channel_uses;
    const std::string enc = model_prefix("deepscm", "") + "_encoder.json";
    if (!fs::exists(enc))
        throw std::runtime_error("--scheme separate: '" + enc + "' not found to read the channel uses from: give --channel-uses");
    return int(neural::Manifest::load(enc).channel_uses);
}

std::string classifier_path(const SimulateOptions& o)
{
    const std::string p = (o.models.empty() ? std::string("models/separate") : o.models) + "_classifier.json";
    if (!fs::exists(p))
        throw std::runtime_error("classifier not found: '" + p +
                                 "' (PYTHONPATH=python /usr/bin/python3 -m semcom_train.separate export-classifier)");
    return p;
}

void print(nlohmann::json& j, const SimulateOptions& o, const separate::Simulation& sim)
{
    std::printf("separate (JPEG + LDPC + QAM, %s MCS): %zu images, n = %d symbols per image, %.1f images/s\n",
                o.mcs == "auto" ? "best" : "fixed", sim.images(), sim.config().channel_uses, j["images_per_s"].get<double>());
    std::printf("%-4s %-16s %-7s %9s %10s %8s %-11s %7s %7s %7s %5s\n", "rx", "channel", "task", "accuracy",
                "PSNR (dB)", "SSIM", "MCS", "CRC ok", "fits", "shown", "q");
    for (const auto& rx : j["receivers"])
        std::printf("%-4s %-16s %-7s %8.2f%% %10.2f %8.4f %-11s %6.1f%% %6.1f%% %6.1f%% %5.1f\n",
                    rx["receiver"].get<std::string>().substr(2).c_str(), rx["channel"].get<std::string>().c_str(),
                    rx["task"].get<std::string>().c_str(), 100.0 * rx["accuracy"].get<double>(),
                    rx["psnr_db"].get<double>(), rx["ssim"].get<double>(), rx["mcs"].get<std::string>().c_str(),
                    100.0 * rx["crc_ok"].get<double>(), 100.0 * rx["fits"].get<double>(),
                    100.0 * rx["decoded"].get<double>(), rx["jpeg_quality_mean"].get<double>());
    if (o.bench) {
        const auto& t = sim.seconds();
        std::printf("where the time goes (%.2f s in all, %zu MCS evaluated):\n", t.total(), sim.links().size());
        for (const auto& [name, s] : t.stages()) {
            std::printf("  %-26s %6.1f %%\n", name.c_str(), t.total() > 0 ? 100.0 * s / t.total() : 0.0);
            j["work_share"][name] = t.total() > 0 ? s / t.total() : 0.0;
        }
    }
}

} // namespace

nlohmann::json simulate_separate(const SimulateOptions& o)
{
    if (o.role != "all")
        throw std::invalid_argument("--scheme separate runs in one process (--role all)");
    separate::SimulationConfig cfg;
    cfg.broadcast = BroadcastConfig::parse(o.channels, o.snrs, o.fading, "--channel", "--snr");
    cfg.mcs = separate::mcs_candidates(o.mcs);
    cfg.channel_uses = channel_uses(o);
    cfg.seed = o.seed;
    cfg.alist = separate::default_alist_path();
    const int n = cfg.channel_uses;
    const std::string clf_path = classifier_path(o);
    const auto t_setup = clock_type::now();
    const ImageSet test = load_fashion_mnist("test");
    const std::size_t D = test.image_size();
    neural::ModelOptions mo;
    mo.device = o.device;
    mo.max_batch = 64;
    mo.log = [q = o.quiet](const std::string& line) { if (!q) std::fprintf(stderr, "%s\n", line.c_str()); };
    neural::Model classifier(clf_path, mo);
    const auto& cm = classifier.manifest();
    if (cm.inputs.size() != 1 || cm.inputs[0].item_numel() != std::int64_t(D) || cm.outputs.size() != 2)
        throw std::runtime_error("'" + clf_path + "': expected one image input of " + std::to_string(D) +
                                 " values and two outputs (fine, coarse logits)");
    separate::Simulation sim(test, std::size_t(o.images), separate::fallback_of(load_fashion_mnist("train")), cfg);
    if (!o.quiet)
        for (const auto& l : sim.links())
            std::fprintf(stderr, "separate: %s\n", l.describe().c_str());
    const auto t0 = clock_type::now();
    sim.source_code();
    sim.transmit();
    const auto results = sim.score([&](const float* images, std::size_t b, int* fine, int* coarse) {
        const auto logits = classifier.run(std::int64_t(b), { images });
        const auto f = logits[0].argmax(1), c = logits[1].argmax(1);
        for (std::size_t k = 0; k < b; ++k) {
            fine[k] = int(f.data_ptr<std::int64_t>()[k]);
            coarse[k] = int(c.data_ptr<std::int64_t>()[k]);
        }
    });
    const std::size_t images = sim.images();
    nlohmann::json j = { { "models", "separate" }, { "scheme", "separate" }, { "images", images }, { "channel_uses", n },
                         { "symbols_per_image", sim.symbols_per_image() },
                         { "ldpc", "gr-fec ldpc_encoder/ldpc_decoder (sum-product), " + cfg.alist } };
    for (std::size_t r = 0; r < results.size(); ++r) {
        const auto& res = results[r];
        const auto& link = sim.links()[res.link];
        const std::string task = r == 0 ? "coarse" : "fine";
        nlohmann::json rx = { { "receiver", "rx" + std::to_string(r + 1) }, { "task", task }, { "frames", images },
                              { "missing", 0 }, { "accuracy", task == "coarse" ? res.accuracy_coarse : res.accuracy_fine },
                              { "accuracy_fine", res.accuracy_fine }, { "accuracy_coarse", res.accuracy_coarse },
                              { "psnr_db", res.psnr_db }, { "ssim", res.ssim },
                              { "channel", cfg.broadcast.specs[r] + " " + std::to_string(int(std::lround(o.snrs[r]))) + " dB" },
                              { "snr_db", o.snrs[r] }, { "mcs", link.mcs().name }, { "frame_bytes", link.frame_bytes() },
                              { "crc_ok", res.crc_ok }, { "fits", res.fits }, { "decoded", res.decoded },
                              { "jpeg_quality_mean", res.jpeg_quality_mean } };
        if (sim.links().size() > 1)
            for (std::size_t c = 0; c < sim.links().size(); ++c)
                rx["crc_ok_by_mcs"][sim.links()[c].mcs().name] = res.crc_ok_by_link[c];
        j["receivers"].push_back(rx);
    }
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    j["seconds"] = seconds;
    j["setup_seconds"] = std::chrono::duration<double>(t0 - t_setup).count();
    j["images_per_s"] = double(images) / seconds;
    j["realtime_factor"] = double(images) / seconds * n / o.target_rate;
    print(j, o, sim);
    // Originals above each receiver's reconstructions, as simulate's image sink.
    fs::create_directories(o.out_dir);
    write_png_grid(o.out_dir + "/separate_grid.png", sim.image_rows(12), test.channels, test.height, test.width);
    std::printf("images: %s\n", (o.out_dir + "/separate_grid.png").c_str());
    if (!o.json.empty())
        write_json_file(o.json, j);
    return j;
}

} // namespace semcom::apps
