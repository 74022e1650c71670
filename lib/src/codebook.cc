/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/codebook.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace semcom {

namespace {

bool finite(std::complex<float> z) { return std::isfinite(z.real()) && std::isfinite(z.imag()); }

// |y|^2 - |y - s|^2 = 2 Re(y conj(s)) - |s|^2, in double. The softmax only sees differences
// between points, so the |y|^2 they share is left out: formed directly, |y - s|^2 for a far-away
// y (|y| ~ 1e30) rounds to the same double for every point and the nearest one is lost; this way
// the terms that tell the points apart are O(|y|) and keep their precision. Divided by the
// smallest positive float variance (1.4e-45) it stays below 1e85, far from double's overflow, so
// no exponent is ever -inf and the log-sum-exp never meets inf - inf.
double closeness(std::complex<float> y, std::complex<float> s, double s2)
{
    return 2.0 * (double(y.real()) * double(s.real()) + double(y.imag()) * double(s.imag())) - s2;
}

void check_noise_var(float nv, const char* what, std::size_t i, bool per_symbol)
{
    if (std::isfinite(nv) && nv > 0.0f)
        return;
    throw std::invalid_argument(std::string("index demapper: ") + what + " needs a finite noise variance > 0, got " +
                                std::to_string(nv) + (per_symbol ? " for symbol " + std::to_string(i) : ""));
}

// A scalar noise variance or one per symbol, behind the same call.
struct ScalarNoiseVar {
    float v;
    float operator[](std::size_t) const { return v; }
};

void check_layout(const CodebookLayout& l)
{
    if (l.receivers == 0 || l.tokens == 0 || l.groups == 0)
        throw std::invalid_argument("codebook layout: receivers, tokens and groups must all be > 0, got " +
                                    std::to_string(l.receivers) + ", " + std::to_string(l.tokens) + ", " +
                                    std::to_string(l.groups));
    const std::size_t max = std::numeric_limits<std::size_t>::max();
    if (l.tokens > max / l.receivers || l.groups > max / (l.receivers * l.tokens))
        throw std::invalid_argument("codebook layout: receivers x tokens x groups overflows");
    if (!l.sent_groups.empty()) {
        if (l.sent_groups.size() != l.receivers)
            throw std::invalid_argument("codebook layout: " + std::to_string(l.sent_groups.size()) +
                                        " sent_groups entries for " + std::to_string(l.receivers) + " receivers");
        for (std::size_t r = 0; r < l.receivers; ++r)
            if (l.sent_groups[r] < 1 || l.sent_groups[r] > l.groups)
                throw std::invalid_argument("codebook layout: receiver " + std::to_string(r) + " sends " +
                                            std::to_string(l.sent_groups[r]) + " indices per token (1.." +
                                            std::to_string(l.groups) + ")");
    }
}

// Kept tokens in one receiver's mask; every byte must be 0 or 1 (a corrupt header, not a guess).
std::size_t kept_tokens(const std::uint8_t* mask, std::size_t tokens, const char* what, std::size_t r)
{
    std::size_t kept = 0;
    for (std::size_t t = 0; t < tokens; ++t) {
        if (mask[t] > 1)
            throw std::invalid_argument(std::string(what) + ": keep mask of receiver " + std::to_string(r) +
                                        ", token " + std::to_string(t) + " is " + std::to_string(mask[t]) +
                                        " (must be 0 or 1)");
        kept += mask[t];
    }
    return kept;
}

} // namespace

IndexDemapper::IndexDemapper(std::vector<std::complex<float>> points, std::vector<float> log_prior)
    : d_points(std::move(points)), d_uniform(true)
{
    const std::size_t k = d_points.size();
    if (k == 0)
        throw std::invalid_argument("index demapper: no constellation points");
    if (!log_prior.empty() && log_prior.size() != k)
        throw std::invalid_argument("index demapper: " + std::to_string(log_prior.size()) +
                                    " log prior weights for " + std::to_string(k) + " points");
    for (std::size_t i = 0; i < k; ++i)
        if (!finite(d_points[i]))
            throw std::invalid_argument("index demapper: point " + std::to_string(i) + " is not finite");
    for (std::size_t i = 0; i < log_prior.size(); ++i)
        if (!std::isfinite(log_prior[i]))
            throw std::invalid_argument("index demapper: log prior of point " + std::to_string(i) +
                                        " is not finite (" + std::to_string(log_prior[i]) + ")");

    d_energy.resize(k);
    for (std::size_t i = 0; i < k; ++i)
        d_energy[i] = std::norm(std::complex<double>(d_points[i]));
    d_log_prior.assign(k, 0.0);
    std::copy(log_prior.begin(), log_prior.end(), d_log_prior.begin());
    d_uniform = std::all_of(d_log_prior.begin(), d_log_prior.end(),
                            [&](double v) { return v == d_log_prior.front(); });
    const double m = *std::max_element(d_log_prior.begin(), d_log_prior.end());
    double sum = 0.0;
    for (double v : d_log_prior)
        sum += std::exp(v - m);
    d_prior.resize(k);
    for (std::size_t i = 0; i < k; ++i)
        d_prior[i] = static_cast<float>(std::exp(d_log_prior[i] - m) / sum);
}

template <typename NoiseVar>
std::size_t IndexDemapper::soft(const std::complex<float>* y, std::size_t n, NoiseVar nv, float* out) const
{
    const std::size_t k = d_points.size();
    std::vector<double> a(k); // log prior + closeness / sigma^2 of each point, once per symbol
    std::size_t unknown = 0;
    for (std::size_t i = 0; i < n; ++i, out += k) {
        if (!finite(y[i])) {
            std::copy(d_prior.begin(), d_prior.end(), out);
            ++unknown;
            continue;
        }
        const double inv = 1.0 / double(nv[i]);
        double top = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < k; ++j) {
            a[j] = d_log_prior[j] + closeness(y[i], d_points[j], d_energy[j]) * inv;
            top = std::max(top, a[j]);
        }
        // exp(a - top) is in (0, 1] and is 1 for the best point, so the sum is in [1, K].
        double sum = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
            const double e = std::exp(a[j] - top);
            sum += e;
            out[j] = static_cast<float>(e);
        }
        const float scale = static_cast<float>(1.0 / sum);
        for (std::size_t j = 0; j < k; ++j)
            out[j] *= scale;
    }
    return unknown;
}

std::size_t IndexDemapper::posteriors(const std::complex<float>* y, std::size_t n, float noise_var, float* out) const
{
    check_noise_var(noise_var, "posteriors", 0, false);
    return soft(y, n, ScalarNoiseVar{ noise_var }, out);
}

std::size_t IndexDemapper::posteriors(const std::complex<float>* y, std::size_t n, const float* noise_var,
                                      float* out) const
{
    for (std::size_t i = 0; i < n; ++i)
        check_noise_var(noise_var[i], "posteriors", i, true);
    return soft(y, n, noise_var, out);
}

std::size_t IndexDemapper::hard_decisions(const std::complex<float>* y, std::size_t n, float noise_var,
                                          float* out) const
{
    // Checked even where the prior is uniform and the variance cannot matter: a caller passing
    // a bad variance has a bug that the soft path would reveal, so hard decisions must too.
    check_noise_var(noise_var, "hard decisions", 0, false);
    const std::size_t k = d_points.size();
    const double inv = 1.0 / double(noise_var);
    std::size_t unknown = 0;
    for (std::size_t i = 0; i < n; ++i, out += k) {
        if (!finite(y[i])) {
            std::copy(d_prior.begin(), d_prior.end(), out);
            ++unknown;
            continue;
        }
        std::size_t best = 0;
        double best_score = -std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < k; ++j) {
            const double c = closeness(y[i], d_points[j], d_energy[j]);
            const double score = d_uniform ? c : d_log_prior[j] + c * inv;
            if (score > best_score) { // strict: a tie keeps the lower point number
                best_score = score;
                best = j;
            }
        }
        std::fill_n(out, k, 0.0f);
        out[best] = 1.0f;
    }
    return unknown;
}

Segment codebook_segment(const CodebookLayout& layout, const std::uint8_t* masks, std::size_t r)
{
    check_layout(layout);
    if (r >= layout.receivers)
        throw std::invalid_argument("codebook segment: receiver " + std::to_string(r) + " of a frame for " +
                                    std::to_string(layout.receivers));
    // Every mask is checked, also those after r: a corrupt one means the header cannot be trusted.
    Segment seg{ 0, 0 };
    for (std::size_t q = 0; q < layout.receivers; ++q) {
        const std::size_t kept = kept_tokens(masks + q * layout.tokens, layout.tokens, "codebook segment", q);
        if (q < r)
            seg.offset += kept * layout.sent(q);
        else if (q == r)
            seg.length = kept * layout.sent(q);
    }
    return seg;
}

std::size_t codebook_symbols_sent(const CodebookLayout& layout, const std::uint8_t* masks)
{
    check_layout(layout);
    std::size_t sent = 0;
    for (std::size_t q = 0; q < layout.receivers; ++q)
        sent += kept_tokens(masks + q * layout.tokens, layout.tokens, "codebook symbols sent", q) * layout.sent(q);
    return sent;
}

void scatter_posteriors(const float* segment_posteriors, const std::uint8_t* mask_r, std::size_t tokens,
                        std::size_t groups, std::size_t order, float* out)
{
    scatter_posteriors(segment_posteriors, mask_r, tokens, groups, groups, order, out);
}

void scatter_posteriors(const float* segment_posteriors, const std::uint8_t* mask_r, std::size_t tokens,
                        std::size_t groups, std::size_t sent_groups, std::size_t order, float* out)
{
    if (tokens == 0 || groups == 0 || order == 0)
        throw std::invalid_argument("scatter posteriors: tokens, groups and order must all be > 0, got " +
                                    std::to_string(tokens) + ", " + std::to_string(groups) + ", " +
                                    std::to_string(order));
    if (sent_groups < 1 || sent_groups > groups)
        throw std::invalid_argument("scatter posteriors: " + std::to_string(sent_groups) +
                                    " indices sent per token of " + std::to_string(groups));
    // The receiver's number is not known here; the message says which token.
    for (std::size_t t = 0; t < tokens; ++t)
        if (mask_r[t] > 1)
            throw std::invalid_argument("scatter posteriors: keep mask of token " + std::to_string(t) + " is " +
                                        std::to_string(mask_r[t]) + " (must be 0 or 1)");
    const std::size_t block = groups * order; // one token's rows
    const std::size_t sent = sent_groups * order;
    std::fill_n(out, tokens * block, 0.0f);
    for (std::size_t t = 0; t < tokens; ++t, out += block)
        if (mask_r[t]) {
            std::copy_n(segment_posteriors, sent, out);
            segment_posteriors += sent;
        }
}

} // namespace semcom
