/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/metrics.h>
#include <semcom/separate/simulation.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using namespace semcom;
using namespace semcom::separate;

namespace {

constexpr std::size_t side = 28, D = side * side;

/*!
 * Smooth greyscale images (a Gaussian blob on a gradient, cheap for JPEG); the fine label is the
 * quadrant of the blob, the coarse label its half (top or bottom).
 */
ImageSet blobs(std::size_t count, unsigned seed)
{
    ImageSet s;
    s.name = "blobs";
    s.channels = 1;
    s.height = s.width = side;
    s.pixels.resize(count * D);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (std::size_t i = 0; i < count; ++i) {
        const float cy = 4 + 20 * u(rng), cx = 4 + 20 * u(rng), a = 0.4f + 0.5f * u(rng), g = 0.2f * u(rng);
        for (std::size_t y = 0; y < side; ++y)
            for (std::size_t x = 0; x < side; ++x) {
                const float d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                s.pixels[i * D + y * side + x] = std::min(1.0f, g * x / side + a * std::exp(-d2 / 18.0f));
            }
        const int fine = (cy >= side / 2.0f) * 2 + (cx >= side / 2.0f);
        s.fine.push_back(fine);
        s.coarse.push_back(fine / 2);
    }
    return s;
}

//! The quadrant of an image's brightest pixel: the blobs' label from what is shown.
int quadrant(const float* img)
{
    const std::size_t k = std::size_t(std::max_element(img, img + D) - img);
    return int(k / side >= side / 2) * 2 + int(k % side >= side / 2);
}

Classifier brightest_pixel()
{
    return [](const float* images, std::size_t count, int* fine, int* coarse) {
        for (std::size_t k = 0; k < count; ++k) {
            fine[k] = quadrant(images + k * D);
            coarse[k] = fine[k] / 2;
        }
    };
}

Fallback grey() { return { std::vector<float>(D, 0.25f), 0, 0 }; }

SimulationConfig config(const std::vector<std::string>& channels, const std::vector<float>& snrs,
                        const std::string& mcs, int n = 256)
{
    SimulationConfig c;
    c.broadcast = BroadcastConfig::parse(channels, snrs);
    c.mcs = mcs_candidates(mcs);
    c.channel_uses = n;
    c.seed = 7;
    return c;
}

std::vector<ReceiverResult> run(Simulation& sim, const Classifier& classify = brightest_pixel())
{
    sim.source_code();
    sim.transmit();
    return sim.score(classify);
}

} // namespace

TEST(SeparateSimulation, HighSnrShowsExactlyTheJpegCodecsImages)
{
    const ImageSet set = blobs(70, 1); // 70: two classifier batches, the second partial
    Simulation sim(set, 1000, grey(), config({ "awgn" }, { 40.0f }, "64qam-2/3"));
    ASSERT_EQ(sim.images(), 70u);
    const auto res = run(sim);
    ASSERT_EQ(res.size(), 1u);
    EXPECT_EQ(res[0].crc_ok, 1.0);
    EXPECT_EQ(sim.symbols_per_image(), 256.0);

    // the same JPEGs made here: at 40 dB every frame decodes, so the receiver shows them
    const JpegCodec codec(1, side, side);
    ImageScorer scorer(1, side, side);
    const std::size_t budget = sim.links()[0].payload_bytes();
    std::vector<float> img(D);
    double psnr = 0, quality = 0;
    std::size_t fits = 0, right = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        int q = 0;
        const auto p = codec.encode_to_budget(set.image(i), budget, &q);
        if (!p.empty()) {
            ASSERT_TRUE(codec.decode(p, img.data()));
            fits++;
            quality += q;
        } else {
            img = grey().image;
        }
        for (std::size_t k = 0; k < D; ++k)
            ASSERT_EQ(sim.shown_image(0, i)[k], img[k]) << "image " << i << " pixel " << k;
        psnr += scorer.score(set.image(i), img.data()).psnr_db;
        right += (p.empty() ? 0 : quadrant(img.data())) == set.fine[i];
    }
    ASSERT_GT(fits, set.size() / 2);
    EXPECT_DOUBLE_EQ(res[0].fits, double(fits) / 70);
    EXPECT_DOUBLE_EQ(res[0].decoded, double(fits) / 70);
    EXPECT_NEAR(res[0].jpeg_quality_mean, quality / double(fits), 1e-9);
    EXPECT_NEAR(res[0].psnr_db, psnr / 70, 1e-9);
    EXPECT_GT(res[0].psnr_db, 20.0);
    EXPECT_DOUBLE_EQ(res[0].accuracy_fine, double(right) / 70);
}

TEST(SeparateSimulation, LowSnrFailsEveryFrameAndShowsTheFallback)
{
    const ImageSet set = blobs(40, 2);
    Simulation sim(set, 40, grey(), config({ "awgn", "rayleigh" }, { -5.0f, -5.0f }, "64qam-2/3"));
    // the classifier's answers for the fallback image do not count: the fallback's classes do
    const auto res = run(sim, [](const float*, std::size_t count, int* fine, int* coarse) {
        std::fill(fine, fine + count, 3);
        std::fill(coarse, coarse + count, 1);
    });
    ASSERT_EQ(res.size(), 2u);
    ImageScorer scorer(1, side, side);
    double psnr = 0;
    std::size_t fine0 = 0, coarse0 = 0;
    for (std::size_t i = 0; i < set.size(); ++i) {
        psnr += scorer.score(set.image(i), grey().image.data()).psnr_db;
        fine0 += set.fine[i] == 0;
        coarse0 += set.coarse[i] == 0;
    }
    for (std::size_t r = 0; r < 2; ++r) {
        EXPECT_EQ(res[r].crc_ok, 0.0) << r;
        EXPECT_EQ(res[r].decoded, 0.0) << r;
        EXPECT_EQ(res[r].jpeg_quality_mean, 0.0) << r;
        EXPECT_NEAR(res[r].psnr_db, psnr / 40, 1e-9) << r;
        EXPECT_DOUBLE_EQ(res[r].accuracy_fine, double(fine0) / 40) << r;
        EXPECT_DOUBLE_EQ(res[r].accuracy_coarse, double(coarse0) / 40) << r;
        for (std::size_t i = 0; i < set.size(); ++i)
            EXPECT_EQ(std::vector<float>(sim.shown_image(r, i), sim.shown_image(r, i) + D), grey().image);
    }
    // the picture's rows: the originals, then what each receiver shows
    const auto rows = sim.image_rows(12);
    ASSERT_EQ(rows.size(), 3u);
    for (const auto& row : rows)
        EXPECT_EQ(row.size(), 12u);
    EXPECT_EQ(rows[0][5], set.image(5));
    EXPECT_EQ(rows[2][5], sim.shown_image(1, 5));
}

TEST(SeparateSimulation, FallbackIsTheMeanImageAndTheMostFrequentClasses)
{
    ImageSet train = blobs(3, 5);
    train.fine = { 2, 1, 2 };
    train.coarse = { 0, 1, 1 };
    const Fallback f = fallback_of(train);
    EXPECT_EQ(f.fine, 2);
    EXPECT_EQ(f.coarse, 1);
    ASSERT_EQ(f.image.size(), D);
    for (std::size_t k = 0; k < D; k += 97)
        EXPECT_NEAR(f.image[k], (train.image(0)[k] + train.image(1)[k] + train.image(2)[k]) / 3, 1e-6);
}

TEST(SeparateSimulation, AutoPicksTheFastestMcsThatDecodesAndOneMcsReproducesIt)
{
    const ImageSet set = blobs(40, 3);
    Simulation sim(set, 40, grey(), config({ "awgn" }, { 8.0f, 40.0f }, "auto", 128));
    const auto res = run(sim);
    ASSERT_EQ(sim.links().size(), mcs_table().size());
    for (std::size_t r = 0; r < 2; ++r) {
        const auto& rx = res[r];
        ASSERT_EQ(rx.crc_ok_by_link.size(), sim.links().size());
        EXPECT_EQ(rx.crc_ok, rx.crc_ok_by_link[rx.link]);
        EXPECT_GE(rx.crc_ok, 0.99) << "the chosen MCS decodes, receiver " << r;
        for (std::size_t c = 0; c < sim.links().size(); ++c)
            if (rx.crc_ok_by_link[c] >= 0.99) {
                EXPECT_LE(sim.links()[c].throughput(), sim.links()[rx.link].throughput()) << c;
            }
    }
    // 8 dB takes a robust MCS, 40 dB the densest
    EXPECT_LT(sim.links()[res[0].link].throughput(), sim.links()[res[1].link].throughput());
    EXPECT_EQ(sim.links()[res[1].link].mcs().name, mcs_table().back().name);

    // a run with one MCS has the frames of that MCS in the run with every one
    const std::string name = sim.links()[res[0].link].mcs().name;
    Simulation one(set, 40, grey(), config({ "awgn" }, { 8.0f, 40.0f }, name, 128));
    const auto res1 = run(one);
    EXPECT_EQ(res1[0].crc_ok, res[0].crc_ok);
    EXPECT_DOUBLE_EQ(res1[0].psnr_db, res[0].psnr_db);
    // and a MCS above the 8 dB threshold fails some frames there
    EXPECT_LT(res[0].crc_ok_by_link.back(), 0.5);
}

TEST(SeparateSimulation, RejectsBadConfigurations)
{
    const ImageSet set = blobs(4, 4);
    EXPECT_THROW(Simulation(set, 4, grey(), config({ "awgn" }, { 10.0f }, "auto", 0)), std::invalid_argument);
    EXPECT_THROW(Simulation(set, 4, { std::vector<float>(10), 0, 0 }, config({ "awgn" }, { 10.0f }, "auto")),
                 std::invalid_argument);
    Simulation sim(set, 4, grey(), config({ "awgn" }, { 10.0f }, "4qam-1/2"));
    EXPECT_THROW(sim.score(brightest_pixel()), std::logic_error);
}
