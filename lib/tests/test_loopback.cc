/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/loopback.h>
#include <semcom/theory.h>

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

using semcom::BroadcastConfig;
using semcom::Constellation;
using semcom::LoopbackConfig;
using semcom::LoopbackResult;
using semcom::LoopbackSimulation;

namespace {

// 4QAM x 16QAM at 16/21, 5/21: a uniform 64QAM, the app's default.
LoopbackConfig qam_pair(const std::vector<std::string>& channels, const std::vector<float>& snrs,
                        const std::string& fading, std::uint64_t symbols, std::size_t frame = 1024,
                        std::uint64_t seed = 7)
{
    return { { Constellation::qam(4), Constellation::qam(16) },
             { 16.0f / 21.0f, 5.0f / 21.0f },
             BroadcastConfig::parse(channels, snrs, fading),
             symbols,
             frame,
             seed };
}

// the receiver's noise variance as its channel holds it (float)
double noise_var(const LoopbackSimulation& sim, std::size_t r)
{
    return static_cast<float>(semcom::noise_variance_from_snr_db(sim.config().broadcast[r].snr_db));
}

double standard_error(double p, std::uint64_t n) { return std::sqrt(p * (1 - p) / double(n)); }

// Measured ML SER within 5 standard errors (+ rel_slack * p) of the closed form; SIC never
// beats joint ML beyond noise; every layer counted every symbol and every bit.
void expect_matches_theory(const LoopbackSimulation& sim, const LoopbackResult& result, double rel_slack)
{
    const auto& c = sim.config();
    ASSERT_EQ(result.receivers.size(), c.broadcast.size());
    EXPECT_EQ(result.symbols, c.symbols);
    for (std::size_t r = 0; r < result.receivers.size(); ++r) {
        ASSERT_EQ(result.receivers[r].size(), c.layers.size());
        for (std::size_t l = 0; l < c.layers.size(); ++l) {
            const auto& res = result.receivers[r][l];
            SCOPED_TRACE(c.broadcast[r].describe() + ", layer " + std::to_string(l + 1));
            EXPECT_EQ(res.symbols(), c.symbols);
            EXPECT_EQ(res.ber_soft.trials(), c.symbols * c.layers[l].bits_per_symbol());
            const double p = res.ser_theory;
            ASSERT_TRUE(std::isfinite(p));
            const double sd = standard_error(p, c.symbols);
            EXPECT_NEAR(res.ser_ml.rate(), p, 5 * sd + rel_slack * p + 1e-5);
            EXPECT_GE(res.ser_sic.rate(), res.ser_ml.rate() - 5 * sd - 1e-5);
        }
    }
}

TEST(LoopbackSimulation, AwgnMlSerMatchesClosedFormAtSeveralSnrs)
{
    // four receivers from "base layer barely decodable" to "both layers nearly clean"
    LoopbackSimulation sim(qam_pair({ "awgn" }, { -2.0f, 6.0f, 12.0f, 18.0f }, "block", 60000));
    const auto result = sim.run();
    expect_matches_theory(sim, result, 0.0);
    // the closed form is the AWGN one, and the SER falls with SNR on every layer
    const auto theory = sim.theory();
    for (std::size_t r = 0; r < 4; ++r) {
        const auto awgn = semcom::superposition_ser(sim.demapper(), noise_var(sim, r));
        for (std::size_t l = 0; l < 2; ++l) {
            EXPECT_NEAR(theory[r][l], awgn[l], 1e-9 * awgn[l] + 1e-15);
            if (r > 0) {
                EXPECT_LT(result.receivers[r][l].ser_ml.rate(), result.receivers[r - 1][l].ser_ml.rate());
            }
        }
    }
    // the enhancement layer is the fragile one
    for (std::size_t r = 0; r < 4; ++r)
        EXPECT_GT(result.receivers[r][1].ser_ml.rate(), result.receivers[r][0].ser_ml.rate());
}

TEST(LoopbackSimulation, PerSymbolFadingMatchesClosedForm)
{
    LoopbackSimulation sim(qam_pair({ "rayleigh", "rician:4" }, { 12.0f, 18.0f }, "per_symbol", 60000));
    const auto result = sim.run();
    expect_matches_theory(sim, result, 0.0);
    // Rayleigh at 12 dB is far worse than AWGN at 12 dB: the faded closed form is not the AWGN one
    const auto awgn = semcom::superposition_ser(sim.demapper(), noise_var(sim, 0));
    EXPECT_GT(result.receivers[0][0].ser_ml.rate(), 1.4 * awgn[0]);
}

TEST(LoopbackSimulation, RayleighBlockFadingMatchesClosedForm)
{
    // short frames give ~4000 independent draws; block correlation widens the spread, hence slack
    LoopbackSimulation sim(qam_pair({ "rayleigh" }, { 10.0f, 20.0f }, "block", 64000, 16));
    expect_matches_theory(sim, sim.run(), 0.12);
}

TEST(LoopbackSimulation, DeterministicForASeedAndProgressReachesTheTotal)
{
    auto run = [](std::uint64_t seed, std::uint64_t* last_sent = nullptr) {
        LoopbackSimulation sim(qam_pair({ "rayleigh", "awgn" }, { 8.0f, 4.0f }, "block", 5000, 100, seed));
        return sim.run([&](std::uint64_t sent, std::uint64_t total) {
            EXPECT_EQ(total, 5000u);
            if (last_sent) {
                EXPECT_GT(sent, *last_sent);
                *last_sent = sent;
            }
        });
    };
    std::uint64_t last = 0;
    const auto a = run(3, &last), b = run(3), c = run(4);
    EXPECT_EQ(last, 5000u);
    bool differs = false;
    for (std::size_t r = 0; r < 2; ++r)
        for (std::size_t l = 0; l < 2; ++l) {
            EXPECT_EQ(a.receivers[r][l].ser_ml.events(), b.receivers[r][l].ser_ml.events());
            EXPECT_EQ(a.receivers[r][l].ser_sic.events(), b.receivers[r][l].ser_sic.events());
            EXPECT_EQ(a.receivers[r][l].ber_soft.events(), b.receivers[r][l].ber_soft.events());
            differs |= a.receivers[r][l].ser_ml.events() != c.receivers[r][l].ser_ml.events();
        }
    EXPECT_TRUE(differs);
}

TEST(LoopbackSimulation, NonSeparableLayersHaveNoClosedForm)
{
    LoopbackConfig c = qam_pair({ "awgn" }, { 10.0f }, "block", 2000);
    c.layers = { Constellation::qam(4), Constellation::psk(8) };
    LoopbackSimulation sim(c);
    ASSERT_FALSE(sim.demapper().separable());
    const auto result = sim.run();
    for (const auto& res : result.receivers[0]) {
        EXPECT_TRUE(std::isnan(res.ser_theory));
        EXPECT_EQ(res.symbols(), 2000u);
    }
}

TEST(LoopbackSimulation, RejectsBadConfigurations)
{
    auto c = qam_pair({ "awgn" }, { 10.0f }, "block", 100);
    auto one_layer = c;
    one_layer.layers.pop_back();
    one_layer.alphas = { 1.0f };
    EXPECT_THROW(LoopbackSimulation{ one_layer }, std::invalid_argument);
    auto alphas = c;
    alphas.alphas = { 0.5f, 0.3f, 0.2f };
    EXPECT_THROW(LoopbackSimulation{ alphas }, std::invalid_argument);
    auto increasing = c;
    increasing.alphas = { 0.3f, 0.7f };
    EXPECT_THROW(LoopbackSimulation{ increasing }, std::invalid_argument);
    auto no_rx = c;
    no_rx.broadcast = BroadcastConfig{};
    EXPECT_THROW(LoopbackSimulation{ no_rx }, std::invalid_argument);
    auto no_frame = c;
    no_frame.frame = 0;
    EXPECT_THROW(LoopbackSimulation{ no_frame }, std::invalid_argument);
}

} // namespace
