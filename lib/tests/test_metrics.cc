#include <semcom/metrics.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace semcom;

TEST(Metrics, PsnrOfAKnownError)
{
    std::vector<float> a(100, 0.5f), b(100, 0.6f);
    EXPECT_NEAR(psnr(a.data(), b.data(), 100), 20.0, 1e-4); // MSE 0.01 -> 20 dB
    EXPECT_TRUE(std::isinf(psnr(a.data(), a.data(), 100)));
    EXPECT_NEAR(psnr(a.data(), b.data(), 100, 255.0), 10 * std::log10(255.0 * 255.0 / 0.01), 1e-3);
    EXPECT_THROW(psnr(a.data(), b.data(), 0), std::invalid_argument);
}

TEST(Metrics, SsimOfConstantImagesHasItsClosedForm)
{
    // Constant images: variances and covariance vanish, SSIM = (2ab + C1) / (a^2 + b^2 + C1).
    std::vector<float> a(28 * 28, 0.2f), b(28 * 28, 0.7f);
    const double c1 = 1e-4;
    EXPECT_NEAR(ssim(a.data(), b.data(), 28, 28), (2 * 0.2 * 0.7 + c1) / (0.04 + 0.49 + c1), 1e-6);
    EXPECT_NEAR(ssim(a.data(), a.data(), 28, 28), 1.0, 1e-9);
}

TEST(Metrics, SsimFallsWithNoiseAndIsSymmetric)
{
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    std::normal_distribution<float> g(0.0f, 1.0f);
    const std::size_t h = 32, w = 32, c = 3;
    std::vector<float> img(h * w * c), light(h * w * c), heavy(h * w * c);
    for (std::size_t i = 0; i < img.size(); ++i) {
        img[i] = 0.5f + 0.4f * std::sin(0.3f * (i / c % w)) * std::cos(0.2f * (i / c / w));
        light[i] = img[i] + 0.02f * g(rng);
        heavy[i] = img[i] + 0.2f * g(rng);
    }
    const double s_light = ssim(img.data(), light.data(), h, w, c);
    const double s_heavy = ssim(img.data(), heavy.data(), h, w, c);
    EXPECT_GT(s_light, 0.9);
    EXPECT_LT(s_heavy, s_light);
    EXPECT_LT(s_heavy, 0.6);
    EXPECT_NEAR(ssim(light.data(), img.data(), h, w, c), s_light, 1e-12);
    EXPECT_THROW(ssim(img.data(), img.data(), 8, 8), std::invalid_argument);
}

TEST(Metrics, Counters)
{
    const std::uint8_t a[5] = { 0, 1, 2, 3, 15 }, b[5] = { 0, 3, 2, 0, 0 };
    EXPECT_EQ(count_symbol_errors(a, b, 5), 3u);
    EXPECT_EQ(count_bit_errors(a, b, 5, 4), 1u + 2u + 4u);
    EXPECT_EQ(count_bit_errors(a, b, 5, 2), 1u + 2u + 2u);
    RateCounter r;
    EXPECT_EQ(r.rate(), 0.0);
    r.add(25, 100);
    r.add(25, 100);
    EXPECT_DOUBLE_EQ(r.rate(), 0.25);
    EXPECT_NEAR(r.wilson_half_width(), 1.96 * std::sqrt(0.25 * 0.75 / 200), 0.003);
}
