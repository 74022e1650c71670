/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom loopback: random index streams -> superposition mapper -> broadcast channel to N receivers
 * -> per receiver: zero-forcing equaliser (perfect CSI) -> hard ML, hard SIC and soft demapping ->
 * per-layer symbol and bit error rates next to their closed forms.
 */
#include "loopback.h"
#include "run.h"

#include <semcom/channel.h>
#include <semcom/equaliser.h>
#include <semcom/metrics.h>
#include <semcom/superposition.h>
#include <semcom/theory.h>

#ifdef SEMCOM_HAVE_JSON
#include <nlohmann/json.hpp>
#endif

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>

namespace semcom::apps {

void add_loopback_command(CLI::App& app, LoopbackOptions& o)
{
    auto* cmd = app.add_subcommand(
        "loopback",
        "DSP loopback: random index streams through the superposition mapper and a broadcast "
        "channel; prints per-layer symbol error rates next to theory");
    cmd->add_option("--layers", o.layers, "Constellation of each layer, most protected first")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--alpha", o.alphas,
                    "Power share of each layer (decreasing, sum 1); default 16/21,5/21 makes "
                    "4QAMx16QAM a uniform 64QAM")
        ->delimiter(',');
    cmd->add_option("--channel", o.channels,
                    "Channel of each receiver: awgn, rayleigh or rician:K (one for all, or one "
                    "per receiver)")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--snr", o.snrs, "SNR in dB of each receiver (one per receiver)")
        ->delimiter(',')
        ->capture_default_str();
    cmd->add_option("--fading", o.fading_mode, "Fading: block (one h per frame) or per_symbol")
        ->check(CLI::IsMember({ "block", "per_symbol" }))
        ->capture_default_str();
    cmd->add_option("--symbols", o.symbols, "Symbols to send")->check(CLI::PositiveNumber)->capture_default_str();
    cmd->add_option("--frame", o.frame, "Symbols per frame (one fading draw per frame)")
        ->check(CLI::Range(std::size_t(16), std::size_t(1) << 20))
        ->capture_default_str();
    cmd->add_option("--seed", o.seed, "Random seed")->capture_default_str();
    cmd->add_option("--json", o.json, "Also write the results as JSON to this file");
    cmd->add_flag("--quiet", o.quiet, "No progress output");
}

namespace {

struct LayerResult {
    RateCounter ser_ml, ser_sic, ber_soft;
    double theory = 0.0;
};

} // namespace

int run_loopback(const LoopbackOptions& o)
{
    if (o.layers.size() < 2)
        throw std::invalid_argument("--layers: need at least two layers for superposition");
    std::vector<Constellation> layers;
    for (const auto& name : o.layers)
        layers.push_back(Constellation::from_name(name));
    std::vector<float> alphas = o.alphas;
    if (alphas.size() != layers.size())
        throw std::invalid_argument("--alpha has " + std::to_string(alphas.size()) +
                                    " values for " + std::to_string(layers.size()) + " layers");
    const SuperpositionMapper mapper(layers, alphas);
    const SuperpositionDemapper demapper(mapper);

    const auto broadcast = BroadcastConfig::parse(o.channels, o.snrs, o.fading_mode, "--channel", "--snr");
    const std::size_t n_rx = broadcast.size();
    const auto& configs = broadcast.receivers;
    BroadcastChannel channel(configs, o.seed);

    const std::size_t k = mapper.num_layers();
    std::vector<unsigned> bits(k);
    for (std::size_t l = 0; l < k; ++l)
        bits[l] = layers[l].bits_per_symbol();

    std::vector<std::vector<LayerResult>> results(n_rx, std::vector<LayerResult>(k));
    const std::size_t frame = o.frame;
    std::vector<std::vector<std::uint8_t>> tx(k, std::vector<std::uint8_t>(frame));
    std::vector<const std::uint8_t*> tx_ptr;
    for (auto& v : tx)
        tx_ptr.push_back(v.data());
    std::vector<cfloat> x(frame), eq(frame);
    std::vector<float> eq_noise_var(frame);
    std::vector<std::vector<cfloat>> y(n_rx, std::vector<cfloat>(frame)), h(n_rx, std::vector<cfloat>(frame));
    std::vector<cfloat*> y_ptr, h_ptr;
    for (std::size_t r = 0; r < n_rx; ++r) {
        y_ptr.push_back(y[r].data());
        h_ptr.push_back(h[r].data());
    }
    std::vector<std::vector<std::uint8_t>> ml(k, std::vector<std::uint8_t>(frame)),
        sic(k, std::vector<std::uint8_t>(frame));
    std::vector<std::vector<float>> llr(k);
    for (std::size_t l = 0; l < k; ++l)
        llr[l].resize(frame * bits[l]);
    std::vector<std::uint8_t*> ml_ptr, sic_ptr;
    std::vector<float*> llr_ptr;
    for (std::size_t l = 0; l < k; ++l) {
        ml_ptr.push_back(ml[l].data());
        sic_ptr.push_back(sic[l].data());
        llr_ptr.push_back(llr[l].data());
    }

    Xoshiro256Plus rng(o.seed ^ 0x5eed5eedULL);
    const Equaliser zf(EqualiserKind::zf);
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    int last_decile = -1;
    while (sent < o.symbols) {
        const std::size_t n = std::min<std::uint64_t>(frame, o.symbols - sent);
        for (std::size_t l = 0; l < k; ++l)
            for (std::size_t i = 0; i < n; ++i)
                tx[l][i] = static_cast<std::uint8_t>(rng() % layers[l].order());
        mapper.map(tx_ptr.data(), x.data(), n);
        channel.new_block();
        channel.apply(x.data(), y_ptr.data(), n, h_ptr.data());
        for (std::size_t r = 0; r < n_rx; ++r) {
            // perfect-CSI zero forcing; the noise variance after it per symbol
            zf.zero_force(y[r].data(), h[r].data(), channel.receiver(r).noise_var(), eq.data(),
                          eq_noise_var.data(), n);
            demapper.hard_ml(eq.data(), ml_ptr.data(), n);
            demapper.hard_sic(eq.data(), sic_ptr.data(), n);
            demapper.llrs(eq.data(), eq_noise_var.data(), llr_ptr.data(), n);
            for (std::size_t l = 0; l < k; ++l) {
                auto& res = results[r][l];
                res.ser_ml.add(count_symbol_errors(ml[l].data(), tx[l].data(), n), n);
                res.ser_sic.add(count_symbol_errors(sic[l].data(), tx[l].data(), n), n);
                res.ber_soft.add(count_llr_bit_errors(llr[l].data(), tx[l].data(), n, bits[l]),
                                 std::uint64_t(n) * bits[l]);
            }
        }
        sent += n;
        const int decile = static_cast<int>(10 * sent / o.symbols);
        if (!o.quiet && decile != last_decile && decile < 10) {
            std::fprintf(stderr, "\r  %3d%% of %llu symbols", decile * 10,
                         static_cast<unsigned long long>(o.symbols));
            last_decile = decile;
        }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!o.quiet)
        std::fprintf(stderr, "\r  100%% of %llu symbols in %.2f s\n",
                     static_cast<unsigned long long>(o.symbols), seconds);

    const bool separable = demapper.separable();
    for (std::size_t r = 0; r < n_rx; ++r) {
        std::vector<double> theory;
        if (separable)
            theory = faded_superposition_ser(demapper, channel.receiver(r).noise_var(),
                                             configs[r].fading, configs[r].k_factor);
        for (std::size_t l = 0; l < k; ++l)
            results[r][l].theory = separable ? theory[l] : std::nan("");
    }

    std::string layer_desc;
    for (std::size_t l = 0; l < k; ++l)
        layer_desc += (l ? " x " : "") + layers[l].name() + " (alpha " +
                      std::to_string(alphas[l]).substr(0, 6) + ")";
    std::printf("superposition %s, %llu symbols, seed %llu\n", layer_desc.c_str(),
                static_cast<unsigned long long>(o.symbols),
                static_cast<unsigned long long>(o.seed));
    std::printf("%-4s %-26s %-6s %12s %12s %12s %12s %9s\n", "rx", "channel", "layer", "SER (ML)",
                "theory", "SER (SIC)", "BER (soft)", "ML/theory");
    for (std::size_t r = 0; r < n_rx; ++r)
        for (std::size_t l = 0; l < k; ++l) {
            const auto& res = results[r][l];
            std::printf("%-4zu %-26s %-6zu %12.4e %12.4e %12.4e %12.4e %9.3f\n", r + 1,
                        configs[r].describe().c_str(), l + 1, res.ser_ml.rate(), res.theory,
                        res.ser_sic.rate(), res.ber_soft.rate(),
                        res.theory > 0 ? res.ser_ml.rate() / res.theory : std::nan(""));
        }
    std::printf("SER (ML): joint nearest super-point; theory: exact closed form (averaged over the "
                "fading pdf with perfect-CSI ZF); SIC: layer by layer; BER (soft): sign of exact LLRs\n");
    std::printf("%.1f Msymbols/s through map + %zu channels + 3 demappers\n",
                o.symbols / seconds / 1e6, n_rx);

    if (!o.json.empty()) {
#ifdef SEMCOM_HAVE_JSON
        nlohmann::json j;
        j["layers"] = o.layers;
        j["alphas"] = alphas;
        j["symbols"] = o.symbols;
        j["seed"] = o.seed;
        for (std::size_t r = 0; r < n_rx; ++r) {
            nlohmann::json rx;
            rx["channel"] = configs[r].describe();
            rx["snr_db"] = configs[r].snr_db;
            for (std::size_t l = 0; l < k; ++l) {
                const auto& res = results[r][l];
                rx["layers"].push_back({ { "ser_ml", res.ser_ml.rate() },
                                         { "ser_ml_ci95", res.ser_ml.wilson_half_width() },
                                         { "ser_theory", std::isnan(res.theory) ? nlohmann::json() : nlohmann::json(res.theory) },
                                         { "ser_sic", res.ser_sic.rate() },
                                         { "ber_soft", res.ber_soft.rate() } });
            }
            j["receivers"].push_back(rx);
        }
        write_json_file(o.json, j);
#else
        throw std::runtime_error("--json: built without nlohmann-json (apt-get install nlohmann-json3-dev)");
#endif
    }
    return 0;
}

} // namespace semcom::apps
