/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/channel.h>
#include <semcom/equaliser.h>
#include <semcom/snr_feedback.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

using namespace semcom;

namespace {
const SnrTable::Range trained{ -5.0, 19.0 };
}

TEST(SnrTable, DefaultUntilTheFirstReportThenTheLatest)
{
    SnrTable t(3, -5.0f, { trained, trained, { 0.0, 10.0 } });
    EXPECT_EQ(t.values(), (std::vector<float>{ -5.0f, -5.0f, -5.0f }));
    EXPECT_FALSE(t.reported(2));
    auto u = t.report(2, 12.5);
    EXPECT_TRUE(u.accepted);
    EXPECT_TRUE(u.changed());
    EXPECT_FALSE(u.clamped);
    EXPECT_EQ(u.old_db, -5.0f);
    EXPECT_EQ(u.new_db, 12.5f);
    EXPECT_EQ(u.describe(), "receiver 2: -5.00 -> 12.50 dB (not clamped)");
    EXPECT_TRUE(t.reported(2));
    EXPECT_EQ(t.values(), (std::vector<float>{ -5.0f, 12.5f, -5.0f }));
    u = t.report(2, 7.0);
    EXPECT_EQ(t.value(2), 7.0f);
    EXPECT_EQ(u.old_db, 12.5f);
    // the same value again: accepted, not a change
    EXPECT_FALSE(t.report(2, 7.0).changed());
    EXPECT_THROW(t.value(4), std::out_of_range);
}

TEST(SnrTable, ClampsToEachReceiversTrainedRangeAndSaysSo)
{
    SnrTable t(3, 10.0f, { trained, trained, { 0.0, 10.0 } });
    auto u = t.report(1, 25.0);
    EXPECT_TRUE(u.accepted);
    EXPECT_TRUE(u.clamped);
    EXPECT_EQ(t.value(1), 19.0f);
    EXPECT_EQ(u.describe(), "receiver 1: 10.00 -> 19.00 dB (reported 25.00, clamped to the trained range)");
    u = t.report(3, -3.0);
    EXPECT_TRUE(u.clamped);
    EXPECT_EQ(t.value(3), 0.0f);
    u = t.report(3, 4.0);
    EXPECT_FALSE(u.clamped);
    EXPECT_EQ(t.value(3), 4.0f);
    // without ranges nothing is clamped
    SnrTable free(2, 0.0f);
    EXPECT_FALSE(free.report(1, 40.0).clamped);
    EXPECT_EQ(free.value(1), 40.0f);
}

TEST(SnrTable, RefusesUnknownReceiversAndNonFiniteValuesStoringNothing)
{
    SnrTable t(3, 10.0f, { trained, trained, trained });
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (const auto& [rx, v, why] : std::vector<std::tuple<long, double, std::string>>{
           { 0, 5.0, "SNR report for receiver 0: not one of the receivers 1..3" },
           { 4, 5.0, "SNR report for receiver 4: not one of the receivers 1..3" },
           { -1, 5.0, "not one of the receivers" },
           { 2, nan, "SNR report for receiver 2: nan dB is not a finite number" },
           { 2, inf, "inf dB is not a finite number" },
           { 2, -inf, "-inf dB is not a finite number" } }) {
        const auto u = t.report(rx, v);
        EXPECT_FALSE(u.accepted);
        EXPECT_FALSE(u.changed());
        EXPECT_NE(u.reason.find(why), std::string::npos) << u.reason;
        EXPECT_EQ(u.describe(), u.reason);
    }
    EXPECT_EQ(t.values(), (std::vector<float>{ 10.0f, 10.0f, 10.0f }));
    EXPECT_FALSE(t.reported(2));
}

TEST(SnrTable, BadConfigurationAndExplicitSettings)
{
    EXPECT_THROW(SnrTable(0, 0.0f), std::invalid_argument);
    EXPECT_THROW(SnrTable(2, std::nanf("")), std::invalid_argument);
    EXPECT_THROW(SnrTable(2, 0.0f, { trained }), std::invalid_argument);
    EXPECT_THROW(SnrTable(1, 0.0f, { { 5.0, 1.0 } }), std::invalid_argument);
    SnrTable t(2, 0.0f, { trained, trained });
    t.set_all({ 30.0f, -20.0f }); // an explicit setting is used as given
    EXPECT_EQ(t.values(), (std::vector<float>{ 30.0f, -20.0f }));
    EXPECT_THROW(t.set_all({ 1.0f }), std::invalid_argument);
    EXPECT_THROW(t.set_all({ 1.0f, INFINITY }), std::invalid_argument);
}

TEST(SnrTracker, FirstFrameThenAnExponentialAverageInTheLinearDomain)
{
    SnrTracker t(0.5);
    EXPECT_TRUE(std::isnan(t.snr_db()));
    EXPECT_TRUE(t.add(10.0));
    EXPECT_NEAR(t.snr_db(), 10.0, 1e-12); // bias-corrected: the first frame as it is
    EXPECT_TRUE(t.add(20.0));
    // (0.5 * 0.5 * 10 + 0.5 * 100) / (1 - 0.25) = 70 (linear), not the dB mean 15
    EXPECT_NEAR(t.snr_db(), 10.0 * std::log10(70.0), 1e-9);
    EXPECT_FALSE(t.add(std::nan("")));
    EXPECT_FALSE(t.add(INFINITY));
    EXPECT_EQ(t.frames(), 2u);
    EXPECT_NEAR(t.snr_db(), 10.0 * std::log10(70.0), 1e-9);
    EXPECT_DOUBLE_EQ(SnrTracker().weight(), 1.0 / 32.0);
    EXPECT_THROW(SnrTracker(0.0), std::invalid_argument);
    EXPECT_THROW(SnrTracker(1.5), std::invalid_argument);
    EXPECT_THROW(SnrTracker(std::nan("")), std::invalid_argument);
    // a constant SNR is tracked exactly, and a step is followed
    SnrTracker c;
    for (int i = 0; i < 50; ++i)
        c.add(3.0);
    EXPECT_NEAR(c.snr_db(), 3.0, 1e-9);
    for (int i = 0; i < 400; ++i)
        c.add(12.0);
    EXPECT_NEAR(c.snr_db(), 12.0, 0.01);
}

TEST(SnrTracker, RayleighFramesAverageToTheTrueMeanSnr)
{
    // Per-frame SNR after zero forcing with block Rayleigh fading: |h|^2 / sigma^2, as the
    // equaliser writes it into each frame's info. True mean SNR 5 dB (E|h|^2 = 1).
    Channel ch(ChannelConfig::parse("rayleigh", 5.0f), 11);
    SnrTracker linear(1.0 / 256.0);
    double db_sum = 0.0;
    for (int frame = 0; frame < 2000; ++frame) {
        ch.new_block();
        const double snr = effective_snr_db(ch.block_gain(), ch.noise_var());
        linear.add(snr);
        db_sum += snr;
    }
    EXPECT_NEAR(linear.snr_db(), 5.0, 0.5);
    std::printf("EWMA (weight 1/256) of 2000 Rayleigh frames at 5 dB: %.2f dB; mean of the dB values %.2f\n",
                linear.snr_db(), db_sum / 2000);
    // averaging the dB values instead would read about 2.5 dB low (E[10 log10 of an exponential])
    EXPECT_LT(db_sum / 2000, 5.0 - 2.0);
}
