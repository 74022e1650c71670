/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/theory.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace semcom {

double qfunc(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

double qfunc_inverse(double p)
{
    if (!(p > 0.0 && p < 1.0))
        throw std::invalid_argument("qfunc_inverse: p must be in (0, 1), not " + std::to_string(p));
    // Q is decreasing; 200 halvings of [-40, 40] reach the double's resolution
    double low = -40.0, high = 40.0;
    for (int i = 0; i < 200; ++i) {
        const double mid = 0.5 * (low + high);
        (qfunc(mid) > p ? low : high) = mid;
    }
    return 0.5 * (low + high);
}

double qam_ser(unsigned order, double snr)
{
    const double m = order;
    const double p = 2.0 * (1.0 - 1.0 / std::sqrt(m)) * qfunc(std::sqrt(3.0 * snr / (m - 1.0)));
    return 1.0 - (1.0 - p) * (1.0 - p);
}

namespace {

// P(decide level m | level j sent) for every (j, m), per axis.
std::vector<std::vector<double>> axis_transitions(const SuperpositionDemapper& d, double noise_var)
{
    if (!d.separable())
        throw std::invalid_argument(
            "superposition_ser: closed form needs square-QAM layers (a separable constellation)");
    const auto& a = d.axis_levels();
    const std::size_t n = a.size();
    const double s = std::sqrt(noise_var / 2.0);
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<std::vector<double>> p(n, std::vector<double>(n));
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t m = 0; m < n; ++m) {
            const double lo = m == 0 ? -inf : 0.5 * (double(a[m - 1]) + a[m]);
            const double hi = m + 1 == n ? inf : 0.5 * (double(a[m]) + a[m + 1]);
            p[j][m] = qfunc((lo - a[j]) / s) - qfunc((hi - a[j]) / s);
        }
    return p;
}

} // namespace

std::vector<double> superposition_ser(const SuperpositionDemapper& d, double noise_var)
{
    const auto p = axis_transitions(d, noise_var);
    const std::size_t n = p.size(), k = d.mapper().num_layers();
    std::vector<double> ser(k);
    for (std::size_t l = 0; l < k; ++l) {
        double right = 0.0;
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t m = 0; m < n; ++m)
                if (d.axis_code(l, m) == d.axis_code(l, j))
                    right += p[j][m];
        right /= n;
        ser[l] = 1.0 - right * right;
    }
    return ser;
}

double superposition_symbol_ser(const SuperpositionDemapper& d, double noise_var)
{
    const auto p = axis_transitions(d, noise_var);
    double right = 0.0;
    for (std::size_t j = 0; j < p.size(); ++j)
        right += p[j][j];
    right /= p.size();
    return 1.0 - right * right;
}

std::vector<double> faded_superposition_ser(const SuperpositionDemapper& d,
                                            double noise_var,
                                            Fading fading,
                                            double k)
{
    if (fading == Fading::none)
        return superposition_ser(d, noise_var);
    if (fading == Fading::rician && !(k > 0.0))
        throw std::invalid_argument("faded_superposition_ser: Rician K must be > 0");
    auto pdf = [&](double g) {
        if (fading == Fading::rayleigh)
            return std::exp(-g);
        // I0 overflows near x = 700: use its asymptotic log there.
        const double x = 2.0 * std::sqrt(k * (k + 1.0) * g);
        const double log_i0 = x < 500.0 ? std::log(std::cyl_bessel_i(0.0, x))
                                        : x - 0.5 * std::log(2.0 * M_PI * x) +
                                              std::log1p(1.0 / (8.0 * x));
        return (k + 1.0) * std::exp(log_i0 - k - (k + 1.0) * g);
    };
    const std::size_t k_layers = d.mapper().num_layers();
    std::vector<double> acc(k_layers, 0.0);
    const int steps = 6000; // even, for Simpson's rule
    const double g_max = 60.0, step = g_max / steps;
    for (int i = 0; i <= steps; ++i) {
        const double g = i * step;
        const double w = (i == 0 || i == steps) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        const double p = pdf(g);
        if (p == 0.0)
            continue;
        // At g = 0 the symbol carries no information: every layer is a uniform guess.
        std::vector<double> ser;
        if (g == 0.0) {
            for (const auto& c : d.mapper().layers())
                ser.push_back(1.0 - 1.0 / c.order());
        } else {
            ser = superposition_ser(d, noise_var / g);
        }
        for (std::size_t l = 0; l < k_layers; ++l)
            acc[l] += w * p * ser[l];
    }
    for (auto& v : acc)
        v *= step / 3.0;
    return acc;
}

} // namespace semcom
