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

//! Per-layer buffers of one frame: pointers to them are what the mapper and demapper take.
template <typename T>
struct LayerBuffers {
    std::vector<std::vector<T>> data;
    std::vector<T*> ptr;
    LayerBuffers(const std::vector<unsigned>& per_symbol, std::size_t frame)
    {
        for (unsigned m : per_symbol)
            data.emplace_back(frame * m);
        for (auto& v : data)
            ptr.push_back(v.data());
    }
};

std::vector<Constellation> parse_layers(const LoopbackOptions& o)
{
    if (o.layers.size() < 2)
        throw std::invalid_argument("--layers: need at least two layers for superposition");
    std::vector<Constellation> layers;
    for (const auto& name : o.layers)
        layers.push_back(Constellation::from_name(name));
    if (o.alphas.size() != layers.size())
        throw std::invalid_argument("--alpha has " + std::to_string(o.alphas.size()) + " values for " +
                                    std::to_string(layers.size()) + " layers");
    return layers;
}

/*!
 * The loopback: run() sends random index streams frame by frame (send_frame) and decides them at
 * every receiver (receive_frame: perfect-CSI zero forcing, hard ML, hard SIC, exact LLRs);
 * add_theory() puts the closed forms beside; print() and json() report.
 */
class LoopbackRun
{
public:
    explicit LoopbackRun(const LoopbackOptions& o)
        : o(o), layers(parse_layers(o)), mapper(layers, o.alphas), demapper(mapper),
          broadcast(BroadcastConfig::parse(o.channels, o.snrs, o.fading_mode, "--channel", "--snr")),
          channel(broadcast.receivers, o.seed), k(layers.size()), bits(bits_of(layers)), ones(k, 1u),
          results(broadcast.size(), std::vector<LayerResult>(k)), tx(ones, o.frame), ml(ones, o.frame),
          sic(ones, o.frame), llr(bits, o.frame), x(o.frame), eq(o.frame), eq_noise_var(o.frame),
          y(broadcast.size(), std::vector<cfloat>(o.frame)), h(broadcast.size(), std::vector<cfloat>(o.frame))
    {
        for (std::size_t r = 0; r < broadcast.size(); ++r) {
            y_ptr.push_back(y[r].data());
            h_ptr.push_back(h[r].data());
        }
    }

    double run();
    void add_theory();
    void print(double seconds) const;
#ifdef SEMCOM_HAVE_JSON
    nlohmann::json json() const;
#endif

private:
    static std::vector<unsigned> bits_of(const std::vector<Constellation>& layers)
    {
        std::vector<unsigned> b;
        for (const auto& c : layers)
            b.push_back(c.bits_per_symbol());
        return b;
    }
    void send_frame(std::size_t n);
    void receive_frame(std::size_t r, std::size_t n);

    const LoopbackOptions& o;
    const std::vector<Constellation> layers;
    const SuperpositionMapper mapper;
    const SuperpositionDemapper demapper;
    const BroadcastConfig broadcast;
    BroadcastChannel channel;
    const std::size_t k;
    const std::vector<unsigned> bits;
    const std::vector<unsigned> ones;
    std::vector<std::vector<LayerResult>> results;
    LayerBuffers<std::uint8_t> tx, ml, sic;
    LayerBuffers<float> llr;
    std::vector<cfloat> x, eq;
    std::vector<float> eq_noise_var;
    std::vector<std::vector<cfloat>> y, h;
    std::vector<cfloat*> y_ptr, h_ptr;
    Xoshiro256Plus rng{ o.seed ^ 0x5eed5eedULL };
    const Equaliser zf{ EqualiserKind::zf };
};

double LoopbackRun::run()
{
    const auto start = std::chrono::steady_clock::now();
    std::uint64_t sent = 0;
    int last_decile = -1;
    while (sent < o.symbols) {
        const std::size_t n = std::min<std::uint64_t>(o.frame, o.symbols - sent);
        send_frame(n);
        for (std::size_t r = 0; r < broadcast.size(); ++r)
            receive_frame(r, n);
        sent += n;
        const int decile = static_cast<int>(10 * sent / o.symbols);
        if (!o.quiet && decile != last_decile && decile < 10) {
            std::fprintf(stderr, "\r  %3d%% of %llu symbols", decile * 10, static_cast<unsigned long long>(o.symbols));
            last_decile = decile;
        }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!o.quiet)
        std::fprintf(stderr, "\r  100%% of %llu symbols in %.2f s\n", static_cast<unsigned long long>(o.symbols),
                     seconds);
    return seconds;
}

void LoopbackRun::send_frame(std::size_t n)
{
    for (std::size_t l = 0; l < k; ++l)
        for (std::size_t i = 0; i < n; ++i)
            tx.data[l][i] = static_cast<std::uint8_t>(rng() % layers[l].order());
    mapper.map(tx.ptr.data(), x.data(), n);
    channel.new_block();
    channel.apply(x.data(), y_ptr.data(), n, h_ptr.data());
}

void LoopbackRun::receive_frame(std::size_t r, std::size_t n)
{
    // perfect-CSI zero forcing; the noise variance after it per symbol
    zf.zero_force(y[r].data(), h[r].data(), channel.receiver(r).noise_var(), eq.data(), eq_noise_var.data(), n);
    demapper.hard_ml(eq.data(), ml.ptr.data(), n);
    demapper.hard_sic(eq.data(), sic.ptr.data(), n);
    demapper.llrs(eq.data(), eq_noise_var.data(), llr.ptr.data(), n);
    for (std::size_t l = 0; l < k; ++l) {
        auto& res = results[r][l];
        res.ser_ml.add(count_symbol_errors(ml.data[l].data(), tx.data[l].data(), n), n);
        res.ser_sic.add(count_symbol_errors(sic.data[l].data(), tx.data[l].data(), n), n);
        res.ber_soft.add(count_llr_bit_errors(llr.data[l].data(), tx.data[l].data(), n, bits[l]),
                         std::uint64_t(n) * bits[l]);
    }
}

void LoopbackRun::add_theory()
{
    const bool separable = demapper.separable();
    for (std::size_t r = 0; r < broadcast.size(); ++r) {
        std::vector<double> theory;
        if (separable)
            theory = faded_superposition_ser(demapper, channel.receiver(r).noise_var(), broadcast[r].fading,
                                             broadcast[r].k_factor);
        for (std::size_t l = 0; l < k; ++l)
            results[r][l].theory = separable ? theory[l] : std::nan("");
    }
}

void LoopbackRun::print(double seconds) const
{
    std::string layer_desc;
    for (std::size_t l = 0; l < k; ++l)
        layer_desc += (l ? " x " : "") + layers[l].name() + " (alpha " + std::to_string(o.alphas[l]).substr(0, 6) + ")";
    std::printf("superposition %s, %llu symbols, seed %llu\n", layer_desc.c_str(),
                static_cast<unsigned long long>(o.symbols), static_cast<unsigned long long>(o.seed));
    std::printf("%-4s %-26s %-6s %12s %12s %12s %12s %9s\n", "rx", "channel", "layer", "SER (ML)", "theory",
                "SER (SIC)", "BER (soft)", "ML/theory");
    for (std::size_t r = 0; r < broadcast.size(); ++r)
        for (std::size_t l = 0; l < k; ++l) {
            const auto& res = results[r][l];
            std::printf("%-4zu %-26s %-6zu %12.4e %12.4e %12.4e %12.4e %9.3f\n", r + 1,
                        broadcast[r].describe().c_str(), l + 1, res.ser_ml.rate(), res.theory, res.ser_sic.rate(),
                        res.ber_soft.rate(), res.theory > 0 ? res.ser_ml.rate() / res.theory : std::nan(""));
        }
    std::printf("SER (ML): joint nearest super-point; theory: exact closed form (averaged over the "
                "fading pdf with perfect-CSI ZF); SIC: layer by layer; BER (soft): sign of exact LLRs\n");
    std::printf("%.1f Msymbols/s through map + %zu channels + 3 demappers\n", o.symbols / seconds / 1e6,
                broadcast.size());
}

#ifdef SEMCOM_HAVE_JSON
nlohmann::json LoopbackRun::json() const
{
    nlohmann::json j;
    j["layers"] = o.layers;
    j["alphas"] = o.alphas;
    j["symbols"] = o.symbols;
    j["seed"] = o.seed;
    for (std::size_t r = 0; r < broadcast.size(); ++r) {
        nlohmann::json rx;
        rx["channel"] = broadcast[r].describe();
        rx["snr_db"] = broadcast[r].snr_db;
        for (const auto& res : results[r])
            rx["layers"].push_back({ { "ser_ml", res.ser_ml.rate() },
                                     { "ser_ml_ci95", res.ser_ml.wilson_half_width() },
                                     { "ser_theory", std::isnan(res.theory) ? nlohmann::json() : nlohmann::json(res.theory) },
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
    LoopbackRun loopback(o);
    const double seconds = loopback.run();
    loopback.add_theory();
    loopback.print(seconds);
    if (!o.json.empty()) {
#ifdef SEMCOM_HAVE_JSON
        write_json_file(o.json, loopback.json());
#else
        throw std::runtime_error("--json: built without nlohmann-json (apt-get install nlohmann-json3-dev)");
#endif
    }
    return 0;
}

} // namespace semcom::apps
