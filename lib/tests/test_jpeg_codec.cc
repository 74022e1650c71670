/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/images.h>
#include <semcom/jpeg_codec.h>
#include <semcom/metrics.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace semcom;

namespace {

const ImageSet& fashion()
{
    static const ImageSet s = load_fashion_mnist("test");
    return s;
}

double mean_psnr_at_budget(const JpegCodec& codec, std::size_t budget, std::size_t images, double* fits)
{
    const auto& s = fashion();
    std::vector<float> out(s.image_size());
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t i = 0; i < images; ++i) {
        const auto p = codec.encode_to_budget(s.image(i), budget);
        if (p.empty())
            continue;
        EXPECT_TRUE(codec.decode(p, out.data()));
        sum += psnr(s.image(i), out.data(), s.image_size());
        ++n;
    }
    *fits = double(n) / double(images);
    return n ? sum / double(n) : 0.0;
}

} // namespace

TEST(JpegCodec, RoundTripPsnrRisesWithTheBudget)
{
    JpegCodec codec(1, 28, 28);
    double last = 0;
    for (std::size_t budget : { 60, 90, 150, 300 }) {
        double fits = 0;
        const double p = mean_psnr_at_budget(codec, budget, 100, &fits);
        EXPECT_GT(fits, 0.9) << budget;
        EXPECT_GT(p, last + 0.5) << budget;
        last = p;
    }
    EXPECT_GT(last, 28.0); // 300 bytes for 784 pixels (3 bits per pixel)
}

TEST(JpegCodec, BudgetIsRespectedAtTheHighestQualityThatFits)
{
    JpegCodec codec(1, 28, 28);
    const auto& s = fashion();
    for (std::size_t i = 0; i < 30; ++i)
        for (std::size_t budget : { 20, 28, 38, 60, 92, 200, 2000 }) {
            int q = -1;
            const auto p = codec.encode_to_budget(s.image(i), budget, &q);
            if (p.empty()) {
                EXPECT_EQ(q, 0);
                EXPECT_GT(codec.encode(s.image(i), 1).size(), budget);
                continue;
            }
            ASSERT_GE(q, 1);
            EXPECT_LE(p.size(), budget);
            EXPECT_EQ(p[0], q);
            EXPECT_EQ(p, codec.encode(s.image(i), q));
            if (q < 100) {
                EXPECT_GT(codec.encode(s.image(i), q + 1).size(), budget) << "image " << i << " quality " << q;
            }
        }
}

TEST(JpegCodec, TooSmallABudgetGivesNothing)
{
    JpegCodec codec(1, 28, 28);
    int q = -1;
    EXPECT_TRUE(codec.encode_to_budget(fashion().image(0), 5, &q).empty());
    EXPECT_EQ(q, 0);
    EXPECT_TRUE(codec.encode_to_budget(fashion().image(0), 0).empty());
}

TEST(JpegCodec, ThePayloadCarriesOnlyTheQualityByteBesidesTheScan)
{
    // SOI 2 + DQT 69 + SOF0 13 + DHT 33 + 183 + SOS 10 + EOI 2: what a greyscale JPEG file adds
    // to its entropy-coded data, and what the payload leaves out (rebuilt from the quality).
    JpegCodec grey(1, 28, 28);
    for (int q : { 1, 50, 100 })
        EXPECT_EQ(grey.header_bytes(q), 312u);
    EXPECT_EQ(JpegCodec::overhead_bytes, 1u);
    JpegCodec rgb(3, 32, 32);
    EXPECT_EQ(rgb.header_bytes(75), 607u); // two quantisation tables, four Huffman tables
}

TEST(JpegCodec, FillBytesAfterThePayloadAreIgnored)
{
    // A fixed-size frame pads the payload with 0xFF (JPEG fill bytes before EOI): no length field.
    JpegCodec codec(1, 28, 28);
    const auto& s = fashion();
    std::vector<float> a(784), b(784);
    for (std::size_t i = 0; i < 20; ++i) {
        auto p = codec.encode(s.image(i), 1 + int(i) * 5);
        ASSERT_TRUE(codec.decode(p, a.data()));
        p.resize(p.size() + 1 + i * 3, 0xFF);
        std::string error;
        ASSERT_TRUE(codec.decode(p, b.data(), &error)) << error;
        EXPECT_EQ(a, b);
    }
}

TEST(JpegCodec, GarbageFailsCleanly)
{
    JpegCodec codec(1, 28, 28);
    std::vector<float> out(784);
    std::string error;
    EXPECT_FALSE(codec.decode(nullptr, 0, out.data(), &error));
    EXPECT_FALSE(error.empty());
    const std::vector<std::uint8_t> q0{ 0, 1, 2, 3 }, q101{ 101, 1, 2, 3 };
    EXPECT_FALSE(codec.decode(q0, out.data(), &error));
    EXPECT_NE(error.find("quality"), std::string::npos) << error;
    EXPECT_FALSE(codec.decode(q101, out.data()));

    // Random payloads with a valid quality byte: never a crash, (almost) always a failure.
    std::mt19937 rng(5);
    int decoded = 0;
    const int trials = 2000;
    for (int t = 0; t < trials; ++t) {
        std::vector<std::uint8_t> p(1 + rng() % 200);
        for (auto& v : p)
            v = std::uint8_t(rng());
        p[0] = std::uint8_t(1 + rng() % 100);
        decoded += codec.decode(p, out.data());
    }
    EXPECT_LT(decoded, trials / 100);

    // A truncated payload fails; a bit error may decode to another picture, but never crashes.
    const auto& s = fashion();
    for (std::size_t i = 0; i < 50; ++i) {
        const auto p = codec.encode(s.image(i), 30);
        std::vector<std::uint8_t> cut(p.begin(), p.begin() + std::ptrdiff_t(p.size() / 2));
        EXPECT_FALSE(codec.decode(cut, out.data())) << i;
        auto flipped = p;
        flipped[1 + rng() % (p.size() - 1)] ^= std::uint8_t(1u << (rng() % 8));
        (void)codec.decode(flipped, out.data());
    }
}

TEST(JpegCodec, RgbRoundTrip)
{
    const std::size_t H = 32, W = 32;
    std::vector<float> img(3 * H * W), out(3 * H * W);
    for (std::size_t y = 0; y < H; ++y)
        for (std::size_t x = 0; x < W; ++x) {
            img[0 * H * W + y * W + x] = float(x) / float(W - 1);
            img[1 * H * W + y * W + x] = float(y) / float(H - 1);
            img[2 * H * W + y * W + x] = 0.5f + 0.4f * float(std::sin(0.3 * double(x + y)));
        }
    JpegCodec codec(3, H, W);
    const auto lo = codec.encode(img.data(), 20), hi = codec.encode(img.data(), 95);
    EXPECT_LT(lo.size(), hi.size());
    ASSERT_TRUE(codec.decode(hi, out.data()));
    EXPECT_GT(psnr(img.data(), out.data(), img.size()), 30.0);
    // the planes stay apart (CHW in, CHW out)
    EXPECT_NEAR(out[0 * H * W + W - 1], 1.0f, 0.1f);
    EXPECT_NEAR(out[1 * H * W + W - 1], 0.0f, 0.1f);
}

TEST(JpegCodec, BadArgumentsAreRefused)
{
    EXPECT_THROW(JpegCodec(2, 28, 28), std::invalid_argument);
    EXPECT_THROW(JpegCodec(1, 0, 28), std::invalid_argument);
    JpegCodec codec(1, 28, 28);
    EXPECT_THROW(codec.encode(fashion().image(0), 0), std::invalid_argument);
    EXPECT_THROW(codec.encode(fashion().image(0), 101), std::invalid_argument);
    EXPECT_THROW(codec.header_bytes(0), std::invalid_argument);
}
