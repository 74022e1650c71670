/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_LOOPBACK_H
#define SEMCOM_APPS_LOOPBACK_H

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace semcom::apps {

struct LoopbackOptions {
    std::vector<std::string> layers{ "4qam", "16qam" };
    std::vector<float> alphas{ 16.0f / 21.0f, 5.0f / 21.0f };
    std::vector<std::string> channels{ "awgn", "awgn" };
    std::vector<float> snrs{ -5.0f, 20.0f };
    std::string fading_mode = "block";
    std::uint64_t symbols = 1000000;
    std::size_t frame = 1024;
    std::uint64_t seed = 1;
    std::string json;
    bool quiet = false;
};

void add_loopback_command(CLI::App& app, LoopbackOptions& options);
int run_loopback(const LoopbackOptions& options);

} // namespace semcom::apps

#endif
