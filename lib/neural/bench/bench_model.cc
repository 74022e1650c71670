/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom-neural-bench MODEL.json [DEVICE] [BATCH ...]: images (frames) per second and latency per
 * batch of a model run through semcom-neural, one JSON line per batch size. scripts/bench_neural.py
 * runs it beside Python (TorchScript and eager) in the same run and prints the ratios.
 */
#include <semcom/neural/model.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace semcom::neural;

int main(int argc, char** argv)
{
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
        std::printf("usage: %s MODEL.json [DEVICE=cpu] [BATCH ...=1 8 64] [--no-optimize] [--seconds S=1]\n"
                    "Prints one JSON line per batch: batch, items_per_s, latency_ms (median of the\n"
                    "runs in at least S seconds and at least 5 runs, after 3 warm-up runs).\n",
                    argv[0]);
        return argc < 2 ? 2 : 0;
    }
    const std::string device = argc > 2 ? argv[2] : "cpu";
    std::vector<std::int64_t> batches;
    bool optimize = true;
    double seconds = 1.0;
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        char* end = nullptr;
        if (arg == "--no-optimize") {
            optimize = false;
        } else if (arg == "--seconds" && i + 1 < argc) {
            seconds = std::strtod(argv[++i], &end);
            if (*end != '\0' || !(seconds >= 0.0 && seconds <= 3600.0)) {
                std::fprintf(stderr, "semcom-neural-bench: --seconds %s: expected 0 ... 3600\n", argv[i]);
                return 2;
            }
        } else {
            const long long b = std::strtoll(argv[i], &end, 10);
            if (*end != '\0' || b < 1 || b > (1 << 20)) {
                std::fprintf(stderr, "semcom-neural-bench: batch '%s': expected an integer 1 ... 1048576\n",
                             argv[i]);
                return 2;
            }
            batches.push_back(b);
        }
    }
    if (batches.empty())
        batches = { 1, 8, 64 };
    ModelOptions o;
    o.device = device;
    o.max_batch = *std::max_element(batches.begin(), batches.end());
    o.log = [](const std::string&) {};
    o.optimize = optimize;
    try {
        Model model(argv[1], o);
        for (auto b : batches) {
            std::vector<at::Tensor> inputs;
            for (const auto& spec : model.manifest().inputs)
                inputs.push_back(at::rand(spec.batch_shape(b)));
            for (int w = 0; w < 3; ++w)
                model.run(inputs);
            std::vector<double> times;
            const auto start = std::chrono::steady_clock::now();
            while (times.size() < 5 ||
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
                const auto t0 = std::chrono::steady_clock::now();
                model.run(inputs);
                times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
            std::sort(times.begin(), times.end());
            const double med = times[times.size() / 2];
            std::printf("{\"batch\": %lld, \"items_per_s\": %.1f, \"latency_ms\": %.4f, \"device\": \"%s\"}\n",
                        static_cast<long long>(b), b / med, med * 1e3, model.device_name().c_str());
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "semcom-neural-bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
