/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom loopback: the options, the printout and the JSON of semcom::LoopbackSimulation
 * (semcom/loopback.h), which runs the superposition loopback and computes the closed forms.
 */
#include "loopback.h"
#include "run.h"

#include <semcom/loopback.h>

#ifdef SEMCOM_HAVE_JSON
#include <nlohmann/json.hpp>
#endif

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace semcom::apps {

void add_loopback_command(CLI::App& app, LoopbackOptions& o)
{
    auto* cmd = app.add_subcommand("loopback", "DSP loopback: random index streams through the superposition mapper "
                                               "and a broadcast channel; prints per-layer symbol error rates next to theory");
    cmd->add_option("--layers", o.layers, "Constellation of each layer, most protected first")->delimiter(',')->capture_default_str();
    cmd->add_option("--alpha", o.alphas, "Power share of each layer (decreasing, sum 1); default 16/21,5/21 makes "
                                         "4QAMx16QAM a uniform 64QAM")->delimiter(',');
    cmd->add_option("--channel", o.channels, "Channel of each receiver: awgn, rayleigh or rician:K (one for all, or one "
                                             "per receiver)")->delimiter(',')->capture_default_str();
    cmd->add_option("--snr", o.snrs, "SNR in dB of each receiver (one per receiver)")->delimiter(',')->capture_default_str();
    cmd->add_option("--fading", o.fading_mode, "Fading: block (one h per frame) or per_symbol")
        ->check(CLI::IsMember({ "block", "per_symbol" }))->capture_default_str();
    cmd->add_option("--symbols", o.symbols, "Symbols to send")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--frame", o.frame, "Symbols per frame (one fading draw per frame)")
        ->check(CLI::Range(std::size_t(16), std::size_t(1) << 20))->capture_default_str();
    cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
    cmd->add_option("--json", o.json, "Also write the results as JSON to this file");
    cmd->add_flag("--quiet", o.quiet, "No progress output");
}

namespace {

LoopbackConfig config_of(const LoopbackOptions& o)
{
    if (o.layers.size() < 2)
        throw std::invalid_argument("--layers: need at least two layers for superposition");
    LoopbackConfig c;
    for (const auto& name : o.layers)
        c.layers.push_back(Constellation::from_name(name));
    if (o.alphas.size() != c.layers.size())
        throw std::invalid_argument("--alpha has " + std::to_string(o.alphas.size()) + " values for " +
                                    std::to_string(c.layers.size()) + " layers");
    c.alphas = o.alphas;
    c.broadcast = BroadcastConfig::parse(o.channels, o.snrs, o.fading_mode, "--channel", "--snr");
    c.symbols = o.symbols;
    c.frame = o.frame;
    c.seed = o.seed;
    return c;
}

void print(const LoopbackOptions& o, const LoopbackConfig& c, const LoopbackResult& result)
{
    std::string layer_desc;
    for (std::size_t l = 0; l < c.layers.size(); ++l)
        layer_desc += (l ? " x " : "") + c.layers[l].name() + " (alpha " + std::to_string(o.alphas[l]).substr(0, 6) + ")";
    std::printf("superposition %s, %llu symbols, seed %llu\n", layer_desc.c_str(),
                static_cast<unsigned long long>(o.symbols), static_cast<unsigned long long>(o.seed));
    std::printf("%-4s %-26s %-6s %12s %12s %12s %12s %9s\n", "rx", "channel", "layer", "SER (ML)", "theory",
                "SER (SIC)", "BER (soft)", "ML/theory");
    for (std::size_t r = 0; r < result.receivers.size(); ++r)
        for (std::size_t l = 0; l < result.receivers[r].size(); ++l) {
            const auto& res = result.receivers[r][l];
            const double ml = res.ser_ml.rate(), theory = res.ser_theory;
            std::printf("%-4zu %-26s %-6zu %12.4e %12.4e %12.4e %12.4e %9.3f\n", r + 1, c.broadcast[r].describe().c_str(),
                        l + 1, ml, theory, res.ser_sic.rate(), res.ber_soft.rate(), theory > 0 ? ml / theory : std::nan(""));
        }
    std::printf("SER (ML): joint nearest super-point; theory: exact closed form (averaged over the "
                "fading pdf with perfect-CSI ZF); SIC: layer by layer; BER (soft): sign of exact LLRs\n");
    std::printf("%.1f Msymbols/s through map + %zu channels + 3 demappers\n", result.symbols_per_second() / 1e6,
                c.broadcast.size());
}

#ifdef SEMCOM_HAVE_JSON
nlohmann::json json(const LoopbackOptions& o, const LoopbackConfig& c, const LoopbackResult& result)
{
    nlohmann::json j{ { "layers", o.layers }, { "alphas", o.alphas }, { "symbols", o.symbols }, { "seed", o.seed } };
    for (std::size_t r = 0; r < result.receivers.size(); ++r) {
        nlohmann::json rx{ { "channel", c.broadcast[r].describe() }, { "snr_db", c.broadcast[r].snr_db } };
        for (const auto& res : result.receivers[r])
            rx["layers"].push_back({ { "ser_ml", res.ser_ml.rate() },
                                     { "ser_ml_ci95", res.ser_ml.wilson_half_width() },
                                     { "ser_theory", std::isnan(res.ser_theory) ? nlohmann::json() : nlohmann::json(res.ser_theory) },
                                     { "ser_sic", res.ser_sic.rate() },
                                     { "ber_soft", res.ber_soft.rate() } });
        j["receivers"].push_back(rx);
    }
    return j;
}
#endif

} // namespace

int run_loopback(const LoopbackOptions& o)
{
    LoopbackSimulation sim(config_of(o));
    int last_decile = -1;
    const auto result = sim.run([&](std::uint64_t sent, std::uint64_t total) {
        const int decile = static_cast<int>(10 * sent / total);
        if (!o.quiet && decile != last_decile && decile < 10)
            std::fprintf(stderr, "\r  %3d%% of %llu symbols", (last_decile = decile) * 10, static_cast<unsigned long long>(total));
    });
    if (!o.quiet)
        std::fprintf(stderr, "\r  100%% of %llu symbols in %.2f s\n", static_cast<unsigned long long>(o.symbols), result.seconds);
    print(o, sim.config(), result);
    if (!o.json.empty()) {
#ifdef SEMCOM_HAVE_JSON
        write_json_file(o.json, json(o, sim.config(), result));
#else
        throw std::runtime_error("--json: built without nlohmann-json (apt-get install nlohmann-json3-dev)");
#endif
    }
    return 0;
}

} // namespace semcom::apps
