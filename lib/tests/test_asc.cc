/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/asc.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

using namespace semcom::asc;

TEST(AscMask, DroppedCountIsExactOnTheFeatureGrid)
{
    for (std::size_t k : { 1u, 7u, 64u, 512u })
        for (std::size_t j = 0; j <= k; ++j)
            EXPECT_EQ(dropped_features(double(j) / double(k), k), j) << j << "/" << k;
    EXPECT_EQ(dropped_features(0.8, 64), 51u); // 51.2 -> 51
    EXPECT_EQ(dropped_features(0.65, 64), 41u);
    EXPECT_THROW(dropped_features(-0.01, 64), std::invalid_argument);
    EXPECT_THROW(dropped_features(1.01, 64), std::invalid_argument);
    EXPECT_THROW(dropped_features(std::nan(""), 64), std::invalid_argument);
}

TEST(AscMask, DropsTheLeastImportantFirst)
{
    const std::vector<int> order{ 3, 0, 4, 1, 2 }; // 3 least important
    const auto keep = keep_mask(order, 0.4);        // drops 2: features 3 and 0
    EXPECT_EQ(keep, (std::vector<bool>{ false, true, true, false, true }));
    EXPECT_EQ(keep_mask(order, 0.0), std::vector<bool>(5, true));
    EXPECT_EQ(keep_mask(order, 1.0), std::vector<bool>(5, false));
    // monotone: a higher ratio keeps a subset of what a lower one keeps
    std::vector<int> big(64);
    std::iota(big.begin(), big.end(), 0);
    std::reverse(big.begin(), big.end());
    auto previous = keep_mask(big, 0.0);
    for (int j = 1; j <= 64; ++j) {
        const auto now = keep_mask(big, j / 64.0);
        EXPECT_EQ(std::count(now.begin(), now.end(), true), 64 - j);
        for (std::size_t i = 0; i < now.size(); ++i)
            EXPECT_TRUE(!now[i] || previous[i]);
        previous = now;
    }
}

TEST(AscMask, RefusesAnOrderThatIsNotAPermutation)
{
    EXPECT_THROW(keep_mask({ 0, 1, 1 }, 0.5), std::invalid_argument);
    EXPECT_THROW(keep_mask({ 0, 3, 1 }, 0.5), std::invalid_argument);
    EXPECT_THROW(keep_mask({ -1, 0, 1 }, 0.5), std::invalid_argument);
}

TEST(AscOutage, DeliveryHappensExactlyAboveTheThreshold)
{
    OutageLink link{ 2e5, 1e-3, 3.981071705534972e-21, 1e-10, 1e-3 };
    const double bits = 400.0; // 2 bit/s/Hz
    const double theta = link.threshold(bits);
    EXPECT_NEAR(theta, 3.981071705534972e-21 * 2e5 * 3.0 / 1e-3, 1e-12 * theta);
    EXPECT_TRUE(link.delivered(bits, theta * (1 + 1e-9)));
    EXPECT_FALSE(link.delivered(bits, theta * (1 - 1e-6)));
    // more bandwidth, more power or fewer bits can only help
    EXPECT_LT(OutageLink({ 4e5, 1e-3, 3.981071705534972e-21, 1e-10, 1e-3 }).threshold(bits), theta);
    EXPECT_LT(OutageLink({ 2e5, 2e-3, 3.981071705534972e-21, 1e-10, 1e-3 }).threshold(bits), theta);
    EXPECT_LT(link.threshold(bits / 2), theta);
    EXPECT_TRUE(std::isinf(link.threshold(1e12)));
    EXPECT_EQ(link.success_probability(1e12), 0.0);
    EXPECT_DOUBLE_EQ(link.success_probability(0.0), 1.0);
}

TEST(AscOutage, PredictedSuccessMatchesMonteCarloOfTheHalfNormalGain)
{
    // Lemma 1 with the digest's reading: P(|h| >= theta) = 2 Q(theta / delta)
    for (double delta_scale : { 0.3, 1.0, 2.5 }) {
        OutageLink link{ 2e5, 1e-3, 3.981071705534972e-21, 0.0, 1e-3 };
        link.gain = delta_scale * link.threshold(400.0);
        HalfNormalGain draw(link.gain, 7);
        const int trials = 200000;
        int delivered = 0;
        for (int t = 0; t < trials; ++t)
            delivered += link.delivered(400.0, draw());
        const double p = link.success_probability(400.0);
        const double sigma = std::sqrt(p * (1 - p) / trials);
        EXPECT_NEAR(double(delivered) / trials, p, 4 * sigma + 1e-12) << "delta/theta " << delta_scale;
        EXPECT_NEAR(p, std::erfc(1.0 / (delta_scale * std::sqrt(2.0))), 1e-12);
    }
}

TEST(AscOutage, ValidateNamesTheBadField)
{
    OutageLink link;
    link.power_w = -1;
    try {
        link.validate();
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("power_w"), std::string::npos);
    }
    EXPECT_THROW(HalfNormalGain(0.0, 1), std::invalid_argument);
}

TEST(AscCell, PathGainAndDropsFollowTheModel)
{
    Cell cell;
    EXPECT_NEAR(10 * std::log10(cell.path_gain(1000.0)), -128.1, 1e-9);
    EXPECT_NEAR(10 * std::log10(cell.path_gain(100.0)), -128.1 + 37.6, 1e-9);
    const auto d = cell.drop(20000, 3);
    EXPECT_EQ(d, cell.drop(20000, 3));
    EXPECT_NE(d, cell.drop(20000, 4));
    double mean_r2 = 0;
    for (double r : d) {
        EXPECT_GE(r, 50.0);
        EXPECT_LE(r, 500.0);
        mean_r2 += r * r / d.size();
    }
    // uniform over the area: r² uniform on [50², 500²]
    const double expected = (50.0 * 50.0 + 500.0 * 500.0) / 2;
    const double sd = (500.0 * 500.0 - 50.0 * 50.0) / std::sqrt(12.0) / std::sqrt(double(d.size()));
    EXPECT_NEAR(mean_r2, expected, 4 * sd);
    Cell bad;
    bad.min_distance_m = 600;
    EXPECT_THROW(bad.drop(3, 1), std::invalid_argument);
}
