/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/metrics.h>

#include <algorithm>
#include <bitset>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace semcom {

double psnr(const float* reference, const float* test, std::size_t n, double max_value)
{
    if (n == 0)
        throw std::invalid_argument("psnr: empty input");
    double se = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double d = double(reference[i]) - double(test[i]);
        se += d * d;
    }
    const double mse = se / n;
    if (mse == 0.0)
        return std::numeric_limits<double>::infinity();
    return 10.0 * std::log10(max_value * max_value / mse);
}

namespace {

constexpr int ssim_window = 11;
constexpr double ssim_sigma = 1.5;

std::vector<double> gaussian_kernel()
{
    std::vector<double> k(ssim_window);
    double sum = 0.0;
    for (int i = 0; i < ssim_window; ++i) {
        const double x = i - ssim_window / 2;
        k[i] = std::exp(-x * x / (2.0 * ssim_sigma * ssim_sigma));
        sum += k[i];
    }
    for (auto& v : k)
        v /= sum;
    return k;
}

// Separable "valid" filtering of one channel (stride `channels` in the HWC buffer).
std::vector<double> filter_valid(const std::vector<double>& img, std::size_t h, std::size_t w,
                                 const std::vector<double>& k)
{
    const std::size_t ow = w - ssim_window + 1, oh = h - ssim_window + 1;
    std::vector<double> rows(h * ow), out(oh * ow);
    for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < ow; ++x) {
            double acc = 0.0;
            for (int t = 0; t < ssim_window; ++t)
                acc += k[t] * img[y * w + x + t];
            rows[y * ow + x] = acc;
        }
    for (std::size_t y = 0; y < oh; ++y)
        for (std::size_t x = 0; x < ow; ++x) {
            double acc = 0.0;
            for (int t = 0; t < ssim_window; ++t)
                acc += k[t] * rows[(y + t) * ow + x];
            out[y * ow + x] = acc;
        }
    return out;
}

} // namespace

double ssim(const float* reference, const float* test, std::size_t height, std::size_t width,
            std::size_t channels, double max_value)
{
    if (height < ssim_window || width < ssim_window)
        throw std::invalid_argument("ssim: image must be at least 11x11, got " +
                                    std::to_string(height) + "x" + std::to_string(width));
    if (channels == 0)
        throw std::invalid_argument("ssim: channels must be >= 1");
    const double c1 = (0.01 * max_value) * (0.01 * max_value);
    const double c2 = (0.03 * max_value) * (0.03 * max_value);
    const auto k = gaussian_kernel();
    const std::size_t pixels = height * width;
    double total = 0.0;
    std::size_t count = 0;
    for (std::size_t c = 0; c < channels; ++c) {
        std::vector<double> a(pixels), b(pixels), aa(pixels), bb(pixels), ab(pixels);
        for (std::size_t p = 0; p < pixels; ++p) {
            a[p] = reference[p * channels + c];
            b[p] = test[p * channels + c];
            aa[p] = a[p] * a[p];
            bb[p] = b[p] * b[p];
            ab[p] = a[p] * b[p];
        }
        const auto mu_a = filter_valid(a, height, width, k);
        const auto mu_b = filter_valid(b, height, width, k);
        const auto s_aa = filter_valid(aa, height, width, k);
        const auto s_bb = filter_valid(bb, height, width, k);
        const auto s_ab = filter_valid(ab, height, width, k);
        for (std::size_t i = 0; i < mu_a.size(); ++i) {
            const double va = s_aa[i] - mu_a[i] * mu_a[i];
            const double vb = s_bb[i] - mu_b[i] * mu_b[i];
            const double cov = s_ab[i] - mu_a[i] * mu_b[i];
            total += ((2 * mu_a[i] * mu_b[i] + c1) * (2 * cov + c2)) /
                     ((mu_a[i] * mu_a[i] + mu_b[i] * mu_b[i] + c1) * (va + vb + c2));
            ++count;
        }
    }
    return total / count;
}

double RateCounter::wilson_half_width(double z) const
{
    if (!d_trials)
        return 1.0;
    const double n = double(d_trials), p = rate();
    return z / (1.0 + z * z / n) * std::sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n));
}

std::pair<double, double> RateCounter::wilson_interval(double z) const
{
    if (!d_trials)
        return { 0.0, 1.0 };
    const double n = double(d_trials);
    const double centre = (rate() + z * z / (2.0 * n)) / (1.0 + z * z / n);
    const double half = wilson_half_width(z);
    return { std::max(0.0, centre - half), std::min(1.0, centre + half) };
}

std::uint64_t count_symbol_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n)
{
    std::uint64_t e = 0;
    for (std::size_t i = 0; i < n; ++i)
        e += a[i] != b[i];
    return e;
}

std::uint64_t count_bit_errors(const std::uint8_t* a, const std::uint8_t* b, std::size_t n,
                               unsigned bits)
{
    const unsigned mask = (1u << bits) - 1u;
    std::uint64_t e = 0;
    for (std::size_t i = 0; i < n; ++i)
        e += std::bitset<8>((a[i] ^ b[i]) & mask).count();
    return e;
}

std::uint64_t count_llr_bit_errors(const float* llrs, const std::uint8_t* sent, std::size_t n,
                                   unsigned bits)
{
    std::uint64_t e = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (unsigned b = 0; b < bits; ++b) {
            const bool sent_one = (sent[i] >> (bits - 1 - b)) & 1u;
            e += (llrs[i * bits + b] < 0.0f) != sent_one;
        }
    return e;
}

ImageScorer::ImageScorer(std::size_t channels, std::size_t height, std::size_t width)
    : d_c(channels), d_h(height), d_w(width), d_hwc_a(channels * height * width),
      d_hwc_b(channels * height * width)
{
    if (channels < 1 || height < 11 || width < 11)
        throw std::invalid_argument("image scorer: images must be at least 1x11x11 (the SSIM window), got " +
                                    std::to_string(channels) + "x" + std::to_string(height) + "x" +
                                    std::to_string(width));
}

ImageScorer::Score ImageScorer::score(const float* a, const float* b)
{
    const std::size_t hw = d_h * d_w;
    for (std::size_t c = 0; c < d_c; ++c)
        for (std::size_t p = 0; p < hw; ++p) {
            d_hwc_a[p * d_c + c] = a[c * hw + p];
            d_hwc_b[p * d_c + c] = b[c * hw + p];
        }
    Score s;
    s.psnr_db = std::min(psnr(a, b, hw * d_c), psnr_cap_db);
    s.ssim = ssim(d_hwc_a.data(), d_hwc_b.data(), d_h, d_w, d_c);
    return s;
}

FrameMatcher::Step FrameMatcher::match(const long long* orig,
                                       std::size_t n0,
                                       const long long* dec,
                                       std::size_t n1,
                                       std::size_t max_pairs)
{
    Step step;
    std::size_t i0 = 0, i1 = 0;
    while (i1 < n1 && step.pairs.size() < max_pairs) {
        const long long s = dec[i1];
        if (s >= 0) {
            while (i0 < n0 && orig[i0] >= 0 && orig[i0] < s) {
                ++i0; // an original whose decoded frame never came
                ++step.missing;
            }
            if (i0 == n0)
                break; // wait for more originals
            if (orig[i0] != s) { // a decoded frame whose original has passed
                ++i1;
                ++step.orphans;
                continue;
            }
        } else if (i0 == n0) {
            break;
        }
        step.pairs.push_back({ i0, i1 });
        ++i0;
        ++i1;
    }
    step.originals_used = i0;
    step.decoded_used = i1;
    d_matched += step.pairs.size();
    d_missing += step.missing;
    d_orphans += step.orphans;
    return step;
}

} // namespace semcom
