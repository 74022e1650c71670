// The CRRA / CRRAUS scheduler against known values, brute force, Monte Carlo and invariances
// (the verification plan of shared/papers/asc-crra-digest.md §6.7).
#include <semcom/allocation.h>
#include <semcom/theory.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <random>

using namespace semcom::alloc;
using semcom::qfunc;
using semcom::qfunc_inverse;

namespace {

// Instance counts shrink under AddressSanitizer or without optimisation; the assertions do not.
#if defined(__SANITIZE_ADDRESS__) || !defined(__OPTIMIZE__)
constexpr bool slow_build = true;
#else
constexpr bool slow_build = false;
#endif
int scaled(int release_count, int slow_count) { return slow_build ? slow_count : release_count; }

constexpr double ln2 = 0.69314718055994530942;
const double noise_psd = std::pow(10.0, (-174.0 - 30.0) / 10.0); // -174 dBm/Hz in W/Hz

// Table IV(b), ResNet backbone, at -5, 0 and 5 dB.
const EtaModel resnet_m5{ { -6.205e-08, 16.45, 0.9228, -0.06917 } };
const EtaModel resnet_0{ { -2.893e-16, 35.68, 0.9482, -0.04151 } };
const EtaModel resnet_5{ { -8.875e-16, 34.54, 0.9458, 0.007934 } };

double path_gain(double distance_m)
{
    return std::pow(10.0, -(128.1 + 37.6 * std::log10(distance_m / 1000.0)) / 10.0);
}

Budget make_budget(double bandwidth_hz, double power_w)
{
    Budget b;
    b.bandwidth_hz = bandwidth_hz;
    b.min_bandwidth_hz = 1e4;
    b.power_w = power_w;
    b.min_power_w = 1e-5;
    b.noise_psd_w_per_hz = noise_psd;
    return b;
}

// Users uniform (in area) in the 50-500 m annulus of §6.3.4, weights of the four service levels.
std::vector<User> annulus_users(std::size_t count, std::mt19937& rng)
{
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const EtaModel etas[] = { resnet_0, resnet_m5, resnet_5 };
    const double weights[] = { 0.2, 0.4, 0.6, 0.8 };
    std::vector<User> users(count);
    for (std::size_t i = 0; i < count; ++i) {
        const double r = std::sqrt(50.0 * 50.0 + unit(rng) * (500.0 * 500.0 - 50.0 * 50.0));
        users[i].name = "u" + std::to_string(i);
        users[i].gain = path_gain(r);
        users[i].weight = weights[rng() % 4];
        users[i].eta = etas[rng() % 3];
    }
    return users;
}

// A random instance whose FRA average success is strictly inside (lo, hi): not saturated, not
// hopeless, so that the allocation matters.
Scheduler informative_instance(std::size_t count, std::mt19937& rng, Options options = {},
                               double lo = 0.1, double hi = 0.85)
{
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (;;) {
        const double bandwidth = 2e5 * std::pow(10.0, unit(rng)) * double(count);
        const double power = 1e-4 * std::pow(10.0, 1.5 * unit(rng)) * double(count);
        Scheduler s(make_budget(bandwidth, power), annulus_users(count, rng), options);
        const double average = s.fra().objective / double(count);
        if (average > lo && average < hi)
            return s;
    }
}

// max over the ratio grid of η(o)·e^{-x²/2} for one user at (B, P): the per-user part of the
// brute force, written out independently of the scheduler's internals.
double best_over_ratios(const User& user, double noise, double bandwidth, double power, double step)
{
    double best = 0.0;
    const int count = int(std::floor(1.0 / step + 1e-9)) - 1;
    for (int k = 1; k <= count; ++k) {
        const double o = k * step;
        const double bits_per_hz = user.data_bits * (1.0 - o) / (bandwidth * user.delay_s);
        if (bits_per_hz > 1000.0)
            continue;
        const double x = noise * bandwidth * std::expm1(ln2 * bits_per_hz) / (user.gain * power);
        best = std::max(best, user.eta(o) * std::exp(-0.5 * x * x));
    }
    return best;
}

// The same split for a (B, P) grid: per ratio η(o) and x·P (x ∝ 1/P at fixed B and o).
struct RatioTerm {
    double eta, x_times_power;
};
std::vector<RatioTerm> ratio_terms(const User& user, double noise, double bandwidth, double step)
{
    std::vector<RatioTerm> terms;
    const int count = int(std::floor(1.0 / step + 1e-9)) - 1;
    for (int k = 1; k <= count; ++k) {
        const double o = k * step;
        const double bits_per_hz = user.data_bits * (1.0 - o) / (bandwidth * user.delay_s);
        if (bits_per_hz <= 1000.0)
            terms.push_back({ user.eta(o), noise * bandwidth * std::expm1(ln2 * bits_per_hz) / user.gain });
    }
    return terms;
}
double best_of_terms(const std::vector<RatioTerm>& terms, double power)
{
    double best = 0.0;
    for (const auto& t : terms) {
        const double x = t.x_times_power / power;
        if (x < 40.0)
            best = std::max(best, t.eta * std::exp(-0.5 * x * x));
    }
    return best;
}

bool non_decreasing(const std::vector<double>& v, double slack = 1e-12)
{
    for (std::size_t i = 1; i < v.size(); ++i)
        if (v[i] < v[i - 1] - slack * std::max(1.0, std::abs(v[i - 1])))
            return false;
    return true;
}

void expect_feasible(const Scheduler& s, const Allocation& a)
{
    const Budget& b = s.budget();
    double bandwidth = 0.0, power = 0.0;
    for (std::size_t i = 0; i < a.selected.size(); ++i) {
        if (a.selected[i]) {
            EXPECT_GE(a.bandwidth_hz[i], b.min_bandwidth_hz * (1 - 1e-12)) << "user " << i;
            EXPECT_GE(a.power_w[i], b.min_power_w * (1 - 1e-12)) << "user " << i;
        } else {
            EXPECT_EQ(a.bandwidth_hz[i], 0.0);
            EXPECT_EQ(a.power_w[i], 0.0);
            EXPECT_EQ(a.phi[i], 0.0);
        }
        bandwidth += a.bandwidth_hz[i];
        power += a.power_w[i];
    }
    EXPECT_LE(bandwidth, b.bandwidth_hz * (1 + 1e-9));
    EXPECT_LE(power, b.power_w * (1 + 1e-9));
}

} // namespace

// ---- success models ------------------------------------------------------------------------

TEST(AllocationSuccess, QFunctionKnownValues)
{
    EXPECT_DOUBLE_EQ(qfunc(0.0), 0.5);
    EXPECT_NEAR(qfunc(1.0), 0.15865525393145707, 1e-15);
    EXPECT_NEAR(qfunc(1.959963984540054), 0.025, 1e-15);
    EXPECT_NEAR(qfunc(3.0), 0.0013498980316301035, 1e-16);
    EXPECT_NEAR(qfunc(-1.0), 0.8413447460685429, 1e-15);
    EXPECT_NEAR(qfunc(6.0) / 9.865876450376946e-10, 1.0, 1e-12);
    // and its inverse, which the success threshold of the 2Q model uses
    for (double x : { -1.0, 0.0, 0.4, 1.959963984540054, 3.0, 6.0 })
        EXPECT_NEAR(qfunc_inverse(qfunc(x)), x, 1e-9 * std::max(1.0, std::abs(x)));
    EXPECT_THROW(qfunc_inverse(0.0), std::invalid_argument);
    EXPECT_THROW(qfunc_inverse(1.0), std::invalid_argument);
}

TEST(AllocationSuccess, TwoQIsTheHalfNormalGainOutage)
{
    // Lemma 1: P(B log2(1 + |h| P/(N0 B)) >= d(1-o)/t0) with |h| ~ |N(0, δ²)| is 2Q(x).
    std::vector<User> users(1);
    users[0].gain = path_gain(200.0);
    const Scheduler s(make_budget(20e6, 1.0), users);
    std::mt19937_64 rng(20260314);
    std::normal_distribution<double> normal(0.0, users[0].gain);
    const int draws = scaled(400000, 100000);
    // (B, o, x): the power is set so that x takes the value, across the interesting range
    const struct { double bandwidth, ratio, x; } targets[] = { { 1e6, 0.8, 0.4 }, { 2e6, 0.6, 1.0 },
                                                               { 5e5, 0.9, 1.7 } };
    for (const auto& t : targets) {
        const struct { double bandwidth, power, ratio; } c{
            t.bandwidth, s.x(0, t.bandwidth, 1.0, t.ratio) / t.x, t.ratio
        };
        const double predicted = s.success(0, c.bandwidth, c.power, c.ratio, SuccessModel::q);
        const double needed = users[0].data_bits * (1.0 - c.ratio) / users[0].delay_s;
        int delivered = 0;
        for (int k = 0; k < draws; ++k) {
            const double h = std::abs(normal(rng));
            const double rate = c.bandwidth * std::log2(1.0 + h * c.power / (noise_psd * c.bandwidth));
            delivered += rate >= needed;
        }
        const double measured = double(delivered) / draws;
        const double sigma = std::sqrt(predicted * (1.0 - predicted) / draws);
        ASSERT_GT(predicted, 0.05);
        ASSERT_LT(predicted, 0.95);
        EXPECT_NEAR(measured, predicted, 4.0 * sigma) << "x = " << s.x(0, c.bandwidth, c.power, c.ratio);
        // and not the one-sided Q(x) of a signed Gaussian gain (the paper's proof as written)
        const double one_sided = qfunc(s.x(0, c.bandwidth, c.power, c.ratio));
        EXPECT_GT(std::abs(measured - one_sided), 10.0 * sigma);
    }
}

TEST(AllocationSuccess, ExponentialBoundsTwoQAndRayleighIsExpMinusX)
{
    std::vector<User> users(1);
    users[0].gain = path_gain(300.0);
    const Scheduler s(make_budget(20e6, 1.0), users);
    int checked = 0;
    for (double power = 1e-7; power < 10.0; power *= 1.2) {
        const double x = s.x(0, 1e6, power, 0.7);
        const double exponential = s.success(0, 1e6, power, 0.7, SuccessModel::exponential);
        const double two_q = s.success(0, 1e6, power, 0.7, SuccessModel::q);
        EXPECT_GE(exponential, two_q) << "x = " << x;
        EXPECT_NEAR(exponential, std::exp(-0.5 * x * x), 1e-15);
        EXPECT_NEAR(two_q, std::erfc(x / std::sqrt(2.0)), 1e-15);
        EXPECT_NEAR(s.success(0, 1e6, power, 0.7, SuccessModel::rayleigh), std::exp(-x), 1e-15);
        checked += x > 0.1 && x < 5.0;
    }
    EXPECT_GE(checked, 15); // the sweep crosses the interesting range
    // the gap the paper's approximation hides: 2Q(1) = 0.317 against e^{-1/2} = 0.607
    EXPECT_NEAR(2.0 * qfunc(1.0), 0.3173, 1e-4);
}

TEST(AllocationSuccess, Limits)
{
    std::vector<User> users(1);
    users[0].gain = path_gain(400.0);
    const Scheduler s(make_budget(20e6, 1.0), users);
    for (SuccessModel m : { SuccessModel::exponential, SuccessModel::q, SuccessModel::rayleigh }) {
        EXPECT_GT(s.success(0, 1e6, 1e-3, 1.0 - 1e-9, m), 0.999) << success_model_name(m);
        EXPECT_GT(s.success(0, 1e6, 1e6, 0.5, m), 0.999) << success_model_name(m);
        EXPECT_LT(s.success(0, 1e3, 1e-3, 0.5, m), 1e-12) << success_model_name(m);
        EXPECT_EQ(s.success(0, 0.0, 1e-3, 0.5, m), 0.0);
    }
    // x falls with B, P and o
    EXPECT_GT(s.x(0, 1e6, 1e-3, 0.5), s.x(0, 2e6, 1e-3, 0.5));
    EXPECT_GT(s.x(0, 1e6, 1e-3, 0.5), s.x(0, 1e6, 2e-3, 0.5));
    EXPECT_GT(s.x(0, 1e6, 1e-3, 0.5), s.x(0, 1e6, 1e-3, 0.6));
    EXPECT_TRUE(std::isinf(s.x(0, 10.0, 1e-3, 0.0))); // 2^{20070} overflows: hopeless, not NaN
    EXPECT_EQ(parse_success_model("q"), SuccessModel::q);
    EXPECT_STREQ(success_model_name(parse_success_model("rayleigh")), "rayleigh");
    EXPECT_THROW(parse_success_model("gaussian"), std::invalid_argument);
}

// ---- η ---------------------------------------------------------------------------------------

TEST(AllocationEta, ReproducesTableIVbEvaluated)
{
    const double ratios[] = { 0.0, 0.5, 0.65, 0.8, 0.9, 0.95, 1.0 };
    const struct { const EtaModel* eta; double expected[7]; } rows[] = {
        { &resnet_m5, { 0.923, 0.891, 0.880, 0.841, 0.700, 0.484, 0.0 } },
        { &resnet_0, { 0.948, 0.929, 0.923, 0.917, 0.888, 0.759, 0.004 } },
        { &resnet_5, { 0.946, 0.950, 0.951, 0.951, 0.925, 0.795, 0.065 } },
    };
    for (const auto& row : rows)
        for (int k = 0; k < 7; ++k)
            EXPECT_NEAR((*row.eta)(ratios[k]), row.expected[k], 1e-3) << "o = " << ratios[k];
    // the -5 dB fit dips to -0.0036 at o = 1: clamped to exactly 0, with a zero slope
    EXPECT_EQ(resnet_m5(1.0), 0.0);
    EXPECT_EQ(resnet_m5.derivative(1.0), 0.0);
}

TEST(AllocationEta, ClampsAndDifferentiates)
{
    const EtaModel rising{ { 0.0, 0.0, 0.5, 2.0 } }; // 0.5 e^{2o}: above 1 from o = ln2/2
    EXPECT_DOUBLE_EQ(rising(0.0), 0.5);
    EXPECT_EQ(rising(0.9), 1.0);
    EXPECT_EQ(rising.derivative(0.9), 0.0);
    for (double o : { 0.2, 0.5, 0.8, 0.9 }) {
        const double h = 1e-6;
        const double numeric = (resnet_0(o + h) - resnet_0(o - h)) / (2 * h);
        EXPECT_NEAR(resnet_0.derivative(o), numeric, 1e-6 * std::max(1.0, std::abs(numeric)));
    }
    EXPECT_NO_THROW(resnet_0.validate());
    EXPECT_THROW((EtaModel{ { NAN, 0.0, 1.0, 0.0 } }.validate()), std::invalid_argument);
    EXPECT_THROW((EtaModel{ { 0.0, 0.0, 1.2, 0.0 } }.validate()), std::invalid_argument);
    EXPECT_THROW((EtaModel{ { -0.5, 0.0, 0.2, 0.0 } }.validate()), std::invalid_argument);
}

TEST(AllocationEta, MeasuredPointsInterpolateAndValidate)
{
    EtaModel measured;
    measured.points = { { 0.0, 0.9 }, { 0.5, 0.8 }, { 0.75, 0.4 }, { 1.0, 0.1 } };
    EXPECT_NO_THROW(measured.validate());
    EXPECT_DOUBLE_EQ(measured(0.0), 0.9);
    EXPECT_DOUBLE_EQ(measured(0.25), 0.85);
    EXPECT_DOUBLE_EQ(measured(0.5), 0.8);
    EXPECT_NEAR(measured(0.6), 0.64, 1e-12);
    EXPECT_DOUBLE_EQ(measured(1.0), 0.1);
    EXPECT_DOUBLE_EQ(measured.derivative(0.1), -0.2);
    EXPECT_DOUBLE_EQ(measured.derivative(0.6), -1.6);
    // the points replace the fit
    measured.zeta = { 0.0, 0.0, 0.3, 0.0 };
    EXPECT_DOUBLE_EQ(measured(0.0), 0.9);
    EtaModel bad;
    bad.points = { { 0.0, 0.9 }, { 0.5, 0.8 } }; // does not reach o = 1
    EXPECT_THROW(bad.validate(), std::invalid_argument);
    bad.points = { { 0.0, 0.9 }, { 0.5, 0.8 }, { 0.5, 0.7 }, { 1.0, 0.1 } }; // o repeats
    EXPECT_THROW(bad.validate(), std::invalid_argument);
    bad.points = { { 0.0, 0.9 }, { 1.0, 1.5 } }; // η above 1
    EXPECT_THROW(bad.validate(), std::invalid_argument);
}

// ---- Algorithm 2 ---------------------------------------------------------------------------

TEST(AllocationRatios, Algorithm2IsTheGridArgmaxPerUser)
{
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int trial = 0; trial < 20; ++trial) {
        const Scheduler s = informative_instance(5, rng);
        std::vector<double> bandwidth(5), power(5);
        for (std::size_t i = 0; i < 5; ++i) {
            bandwidth[i] = s.budget().bandwidth_hz / 5 * (0.3 + unit(rng));
            power[i] = s.budget().power_w / 5 * (0.3 + unit(rng));
        }
        const auto ratio = s.best_ratios(bandwidth, power);
        for (std::size_t i = 0; i < 5; ++i) {
            double best = -1.0, argmax = 0.0;
            for (int k = 1; k <= 99; ++k) {
                const double o = k * 0.01;
                const double h = s.users()[i].eta(o) *
                                 s.success(i, bandwidth[i], power[i], o, SuccessModel::exponential);
                if (h >= best) {
                    best = h;
                    argmax = o;
                }
            }
            EXPECT_NEAR(ratio[i], argmax, 1e-12) << "trial " << trial << " user " << i;
            EXPECT_LE(ratio[i], 0.99 + 1e-12); // o = 1 is excluded by (14e)
        }
    }
}

TEST(AllocationRatios, BestValueIsResetPerUser)
{
    // User 0 is close (best value ≈ 0.95), user 1 far (best value well below): the printed
    // Algorithm 2, with h0 set once, never updates user 1 and leaves it at its initial ratio.
    std::vector<User> users(2);
    users[0].gain = path_gain(60.0);
    users[1].gain = path_gain(450.0);
    users[0].eta = users[1].eta = resnet_0;
    const Scheduler s(make_budget(2e6, 2e-3), users);
    const std::vector<double> bandwidth{ 1e6, 1e6 }, power{ 1e-3, 1e-3 };
    const auto ratio = s.best_ratios(bandwidth, power);

    double h0 = 0.0; // the printed algorithm
    std::vector<double> printed(2, 0.0);
    for (std::size_t i = 0; i < 2; ++i)
        for (int k = 1; k <= 99; ++k) {
            const double o = k * 0.01;
            const double h = users[i].eta(o) * s.success(i, bandwidth[i], power[i], o, SuccessModel::exponential);
            if (h >= h0) {
                h0 = h;
                printed[i] = o;
            }
        }
    const double value1 = users[1].eta(ratio[1]) * s.success(1, 1e6, 1e-3, ratio[1], SuccessModel::exponential);
    EXPECT_GT(value1, 0.05);
    EXPECT_LT(value1, 0.9 * h0);
    EXPECT_EQ(printed[1], 0.0);   // the trap: user 1 never beats user 0's h0
    EXPECT_GT(ratio[1], 0.5);     // ours: user 1 gets its own argmax
    EXPECT_NEAR(ratio[0], printed[0], 1e-12);
}

// ---- resource allocation against brute force ----------------------------------------------

TEST(AllocationBruteForce, TwoUsersOnAGrid)
{
    // Budgets tight (B2 = Bmax - B1, P2 = Pmax - P1), (B1, P1) on a grid, o enumerated per user.
    const int grid = scaled(600, 300);
    const int instances = scaled(10, 4);
    std::mt19937 rng(11);
    double worst_plain = -1.0, worst_polished = -1.0;
    for (int n = 0; n < instances; ++n) {
        Options polish_on;
        polish_on.polish = true;
        const Scheduler s = informative_instance(2, rng, polish_on);
        const Scheduler plain(s.budget(), s.users());
        const Budget& b = s.budget();
        const auto& users = s.users();
        std::vector<double> bandwidth(grid), power(grid);
        for (int k = 0; k < grid; ++k) {
            bandwidth[k] = b.min_bandwidth_hz + (b.bandwidth_hz - 2 * b.min_bandwidth_hz) * k / (grid - 1);
            power[k] = b.min_power_w + (b.power_w - 2 * b.min_power_w) * k / (grid - 1);
        }
        // first[i][j]: user 0 at (B_i, P_j); second[i][j]: user 1 at the rest
        std::vector<double> first(grid * grid), second(grid * grid);
        for (int user = 0; user < 2; ++user)
            for (int i = 0; i < grid; ++i) {
                const double bw = bandwidth[user == 0 ? i : grid - 1 - i];
                const auto per_ratio = ratio_terms(users[user], b.noise_psd_w_per_hz, bw, 0.01);
                for (int j = 0; j < grid; ++j)
                    (user == 0 ? first : second)[i * grid + j] =
                        best_of_terms(per_ratio, power[user == 0 ? j : grid - 1 - j]);
            }
        double optimum = 0.0;
        for (int k = 0; k < grid * grid; ++k)
            optimum = std::max(optimum, first[k] + second[k]);
        const Allocation polished = s.crra();
        const Allocation crra = plain.crra();
        expect_feasible(s, polished);
        EXPECT_GE(polished.objective, optimum - 1e-4) << "instance " << n;
        EXPECT_GE(crra.objective, optimum - 1e-2) << "instance " << n;
        EXPECT_GE(polished.objective, crra.objective);
        worst_plain = std::max(worst_plain, optimum - crra.objective);
        worst_polished = std::max(worst_polished, optimum - polished.objective);
    }
    std::printf("U = 2 grid %d^2: max(grid - CRRA) = %.3g, max(grid - CRRA+polish) = %.3g\n", grid,
                worst_plain, worst_polished);
}

TEST(AllocationBruteForce, ThreeUsersCoarseGridAndRefinement)
{
    // (B1, B2, P1, P2) on a grid of K steps per budget (the third user takes the rest), then a
    // pattern search around the best grid point; o enumerated per user at every point.
    const int steps = scaled(40, 24);
    const int instances = scaled(3, 2);
    std::mt19937 rng(13);
    for (int n = 0; n < instances; ++n) {
        Options polish_on;
        polish_on.polish = true;
        const Scheduler s = informative_instance(3, rng, polish_on);
        const Scheduler plain(s.budget(), s.users());
        const Budget& b = s.budget();
        const auto& users = s.users();
        const double bandwidth_step = (b.bandwidth_hz - 3 * b.min_bandwidth_hz) / steps;
        const double power_step = (b.power_w - 3 * b.min_power_w) / steps;
        // table[i][kb][kp]: user i at Bmin + kb·ΔB, Pmin + kp·ΔP
        std::vector<std::vector<double>> table(3, std::vector<double>((steps + 1) * (steps + 1)));
        for (int i = 0; i < 3; ++i)
            for (int kb = 0; kb <= steps; ++kb)
                for (int kp = 0; kp <= steps; ++kp)
                    table[i][kb * (steps + 1) + kp] = best_over_ratios(
                        users[i], b.noise_psd_w_per_hz, b.min_bandwidth_hz + kb * bandwidth_step,
                        b.min_power_w + kp * power_step, 0.01);
        double best = -1.0;
        std::array<int, 4> arg{ 0, 0, 0, 0 };
        for (int b1 = 0; b1 <= steps; ++b1)
            for (int b2 = 0; b1 + b2 <= steps; ++b2)
                for (int p1 = 0; p1 <= steps; ++p1)
                    for (int p2 = 0; p1 + p2 <= steps; ++p2) {
                        const int b3 = steps - b1 - b2, p3 = steps - p1 - p2;
                        const double v = table[0][b1 * (steps + 1) + p1] + table[1][b2 * (steps + 1) + p2] +
                                         table[2][b3 * (steps + 1) + p3];
                        if (v > best) {
                            best = v;
                            arg = { b1, b2, p1, p2 };
                        }
                    }
        // refinement: coordinate pattern search in (B1, B2, P1, P2), step halving
        double point[4] = { b.min_bandwidth_hz + arg[0] * bandwidth_step, b.min_bandwidth_hz + arg[1] * bandwidth_step,
                            b.min_power_w + arg[2] * power_step, b.min_power_w + arg[3] * power_step };
        auto value_at = [&](const double* q) {
            const double b3 = b.bandwidth_hz - q[0] - q[1], p3 = b.power_w - q[2] - q[3];
            if (q[0] < b.min_bandwidth_hz || q[1] < b.min_bandwidth_hz || b3 < b.min_bandwidth_hz ||
                q[2] < b.min_power_w || q[3] < b.min_power_w || p3 < b.min_power_w)
                return -1.0;
            return best_over_ratios(users[0], b.noise_psd_w_per_hz, q[0], q[2], 0.01) +
                   best_over_ratios(users[1], b.noise_psd_w_per_hz, q[1], q[3], 0.01) +
                   best_over_ratios(users[2], b.noise_psd_w_per_hz, b3, p3, 0.01);
        };
        double refined = value_at(point);
        double delta[4] = { bandwidth_step, bandwidth_step, power_step, power_step };
        for (int round = 0; round < 30; ++round) {
            bool moved = false;
            for (int c = 0; c < 4; ++c)
                for (double sign : { -1.0, 1.0 }) {
                    double trial[4] = { point[0], point[1], point[2], point[3] };
                    trial[c] += sign * delta[c];
                    const double v = value_at(trial);
                    if (v > refined) {
                        refined = v;
                        std::copy(trial, trial + 4, point);
                        moved = true;
                    }
                }
            if (!moved)
                for (double& d : delta)
                    d *= 0.5;
        }
        EXPECT_GE(refined, best);
        const Allocation polished = s.crra();
        const Allocation crra = plain.crra();
        expect_feasible(s, polished);
        EXPECT_GE(polished.objective, refined - 1e-4) << "instance " << n;
        EXPECT_GE(crra.objective, refined - 1e-2) << "instance " << n;
        std::printf("U = 3: grid %.6f refined %.6f CRRA %.6f CRRA+polish %.6f\n", best, refined,
                    crra.objective, polished.objective);
    }
}

TEST(AllocationResources, KktConditionsAtTheResult)
{
    // With o fixed, at an interior optimum α_i ∂g_i/∂B_i = λ and α_i ∂g_i/∂P_i = ν for every user
    // strictly inside its bounds; users at the minimum have a derivative ≤ the multiplier.
    std::mt19937 rng(17);
    int interior_users = 0;
    for (int trial = 0; trial < 6; ++trial) {
        const Scheduler s = informative_instance(4, rng, {}, 0.3, 0.8);
        const Budget& b = s.budget();
        const std::vector<double> ratio(4, 0.8);
        std::vector<double> bandwidth, power;
        s.allocate_resources(ratio, std::vector<bool>(4, true), false, bandwidth, power);
        std::vector<double> d_bandwidth(4), d_power(4);
        bool any_unsaturated = false;
        for (std::size_t i = 0; i < 4; ++i) {
            const User& u = s.users()[i];
            const double a = u.data_bits * (1 - ratio[i]) / u.delay_s;
            const double t = a / bandwidth[i];
            const double x = s.x(i, bandwidth[i], power[i], ratio[i]);
            const double g = std::exp(-0.5 * x * x);
            const double dx_dB = b.noise_psd_w_per_hz / (u.gain * power[i]) *
                                 (std::expm1(ln2 * t) - std::exp2(t) * ln2 * t);
            const double dx_dP = -x / power[i];
            d_bandwidth[i] = u.eta(ratio[i]) * (-g * x) * dx_dB;
            d_power[i] = u.eta(ratio[i]) * (-g * x) * dx_dP;
            any_unsaturated |= g < 0.999999;
        }
        ASSERT_TRUE(any_unsaturated);
        EXPECT_NEAR(std::accumulate(bandwidth.begin(), bandwidth.end(), 0.0), b.bandwidth_hz, 1e-8 * b.bandwidth_hz);
        EXPECT_NEAR(std::accumulate(power.begin(), power.end(), 0.0), b.power_w, 1e-8 * b.power_w);
        auto check = [&](const std::vector<double>& value, const std::vector<double>& derivative, double minimum) {
            double multiplier = 0.0;
            for (std::size_t i = 0; i < 4; ++i)
                if (value[i] > minimum * 1.001)
                    multiplier = std::max(multiplier, derivative[i]);
            ASSERT_GT(multiplier, 0.0);
            for (std::size_t i = 0; i < 4; ++i) {
                if (value[i] > minimum * 1.001) {
                    EXPECT_NEAR(derivative[i] / multiplier, 1.0, 1e-4) << "trial " << trial << " user " << i;
                    ++interior_users;
                } else {
                    EXPECT_LE(derivative[i], multiplier * (1 + 1e-4)) << "trial " << trial << " user " << i;
                }
            }
        };
        check(bandwidth, d_bandwidth, b.min_bandwidth_hz);
        check(power, d_power, b.min_power_w);
    }
    EXPECT_GE(interior_users, 12); // the equalities were checked on enough users
}

TEST(AllocationResources, ScaAgreesWithDirectAndNeverDecreases)
{
    std::mt19937 rng(19);
    Options sca_options;
    sca_options.resource = ResourceMethod::sca;
    double worst = 0.0;
    const int instances = scaled(10, 4);
    for (int n = 0; n < instances; ++n) {
        const Scheduler direct = informative_instance(3, rng);
        const Scheduler sca(direct.budget(), direct.users(), sca_options);
        const std::vector<bool> all(3, true);
        const auto ratio = direct.best_ratios(std::vector<double>(3, direct.budget().bandwidth_hz / 3),
                                              std::vector<double>(3, direct.budget().power_w / 3));
        auto value_of = [&](const Scheduler& s) {
            std::vector<double> bandwidth, power;
            s.allocate_resources(ratio, all, false, bandwidth, power);
            return s.evaluate("ra", all, ratio, bandwidth, power, false).objective;
        };
        const double by_direct = value_of(direct), by_sca = value_of(sca);
        EXPECT_NEAR(by_sca, by_direct, 1e-3) << "instance " << n;
        worst = std::max(worst, std::abs(by_sca - by_direct));
        // Lemma 2 with (31'): more SCA iterations never lower the objective.
        double previous = -1.0;
        for (int iterations : { 1, 2, 3, 5, 8 }) {
            Options limited = sca_options;
            limited.max_sca = iterations;
            const double value = value_of(Scheduler(direct.budget(), direct.users(), limited));
            EXPECT_GE(value, previous - 1e-12) << iterations << " SCA iterations";
            previous = value;
        }
    }
    // CRRA with the SCA resource step: its history is non-decreasing too
    const Scheduler s = informative_instance(3, rng, sca_options);
    const Allocation a = s.crra();
    EXPECT_TRUE(non_decreasing(a.history));
    EXPECT_GE(a.objective, s.fra().objective);
    std::printf("direct vs SCA (best of starts), U = 3: max |difference| = %.3g\n", worst);
}

// ---- invariances -----------------------------------------------------------------------------

TEST(AllocationInvariance, PermutationUnitsAndGainNoiseScaling)
{
    std::mt19937 rng(23);
    for (int trial = 0; trial < scaled(3, 2); ++trial) {
        const Scheduler s = informative_instance(6, rng);
        const Allocation a = s.crra(true);
        // permuting users permutes the allocation
        std::vector<std::size_t> order{ 3, 0, 5, 1, 4, 2 };
        std::vector<User> permuted;
        for (std::size_t i : order)
            permuted.push_back(s.users()[i]);
        const Allocation p = Scheduler(s.budget(), permuted).crra(true);
        EXPECT_NEAR(p.objective, a.objective, 1e-7 * a.objective);
        for (std::size_t k = 0; k < order.size(); ++k) {
            EXPECT_NEAR(p.bandwidth_hz[k], a.bandwidth_hz[order[k]], 1e-4 * s.budget().bandwidth_hz);
            EXPECT_NEAR(p.ratio[k], a.ratio[order[k]], 1e-9);
        }
        // MHz, mW and µs: the same allocation
        Budget mega = s.budget();
        mega.bandwidth_hz *= 1e-6;
        mega.min_bandwidth_hz *= 1e-6;
        mega.power_w *= 1e3;
        mega.min_power_w *= 1e3;
        mega.noise_psd_w_per_hz *= 1e3 / 1e-6;
        std::vector<User> mega_users = s.users();
        for (auto& u : mega_users)
            u.delay_s *= 1e6;
        const Allocation m = Scheduler(mega, mega_users).crra(true);
        EXPECT_NEAR(m.objective, a.objective, 1e-7 * a.objective);
        for (std::size_t i = 0; i < 6; ++i) {
            EXPECT_NEAR(m.bandwidth_hz[i] * 1e6, a.bandwidth_hz[i], 1e-4 * s.budget().bandwidth_hz);
            EXPECT_NEAR(m.power_w[i] * 1e-3, a.power_w[i], 1e-4 * s.budget().power_w);
            EXPECT_NEAR(m.ratio[i], a.ratio[i], 1e-9);
        }
        // δ_i -> c δ_i and N0 -> c N0 change nothing
        Budget noisier = s.budget();
        noisier.noise_psd_w_per_hz *= 37.0;
        std::vector<User> stronger = s.users();
        for (auto& u : stronger)
            u.gain *= 37.0;
        const Allocation c = Scheduler(noisier, stronger).crra(true);
        EXPECT_NEAR(c.objective, a.objective, 1e-7 * a.objective);
        for (std::size_t i = 0; i < 6; ++i)
            EXPECT_NEAR(c.power_w[i], a.power_w[i], 1e-4 * s.budget().power_w);
    }
}

// ---- the 0-1 program -------------------------------------------------------------------------

TEST(AllocationKnapsack, GlpkMatchesExhaustiveEnumeration)
{
    std::mt19937 rng(29);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const int instances = scaled(1000, 500);
    int with_ties = 0, with_zero_values = 0, with_misfits = 0;
    for (int n = 0; n < instances; ++n) {
        const std::size_t count = 1 + rng() % 16;
        const bool integer_data = n % 3 == 0; // small integers: many ties in value and cost
        std::vector<double> value(count), cost_a(count), cost_b(count);
        for (std::size_t i = 0; i < count; ++i) {
            value[i] = integer_data ? double(rng() % 5) : (rng() % 8 == 0 ? 0.0 : unit(rng));
            cost_a[i] = integer_data ? double(rng() % 4) : unit(rng);
            cost_b[i] = integer_data ? double(rng() % 4) : unit(rng);
        }
        const double cap_a = integer_data ? double(rng() % (2 * count + 1)) : unit(rng) * count / 3.0;
        const double cap_b = integer_data ? double(rng() % (2 * count + 1)) : unit(rng) * count / 3.0;
        if (rng() % 4 == 0)
            cost_a[rng() % count] = cap_a + 1.0; // never fits
        for (std::size_t i = 0; i < count; ++i) {
            with_zero_values += value[i] == 0.0;
            with_misfits += cost_a[i] > cap_a || cost_b[i] > cap_b;
        }
        // exhaustive: sums by the lowest set bit
        const std::size_t subsets = std::size_t(1) << count;
        std::vector<double> sum_value(subsets, 0.0), sum_a(subsets, 0.0), sum_b(subsets, 0.0);
        double best = 0.0;
        int optimal_subsets = 1;
        for (std::size_t mask = 1; mask < subsets; ++mask) {
            const std::size_t low = std::size_t(__builtin_ctzll(mask)), rest = mask & (mask - 1);
            sum_value[mask] = sum_value[rest] + value[low];
            sum_a[mask] = sum_a[rest] + cost_a[low];
            sum_b[mask] = sum_b[rest] + cost_b[low];
            if (sum_a[mask] <= cap_a && sum_b[mask] <= cap_b) {
                if (sum_value[mask] > best + 1e-12) {
                    best = sum_value[mask];
                    optimal_subsets = 1;
                } else if (std::abs(sum_value[mask] - best) <= 1e-12) {
                    ++optimal_subsets;
                }
            }
        }
        with_ties += optimal_subsets > 1;
        const auto pick = select_knapsack(value, cost_a, cap_a, cost_b, cap_b);
        ASSERT_EQ(pick.size(), count);
        double got = 0.0, used_a = 0.0, used_b = 0.0;
        for (std::size_t i = 0; i < count; ++i)
            if (pick[i]) {
                got += value[i];
                used_a += cost_a[i];
                used_b += cost_b[i];
            }
        EXPECT_LE(used_a, cap_a) << "instance " << n;
        EXPECT_LE(used_b, cap_b) << "instance " << n;
        EXPECT_NEAR(got, best, 1e-9 * std::max(1.0, best)) << "instance " << n << ", " << count << " items";
    }
    EXPECT_GT(with_ties, instances / 10);
    EXPECT_GT(with_zero_values, instances / 10);
    EXPECT_GT(with_misfits, instances / 10);
    EXPECT_THROW(select_knapsack({ 1.0 }, { -1.0 }, 1.0, { 0.0 }, 1.0), std::invalid_argument);
    EXPECT_THROW(select_knapsack({ NAN }, { 1.0 }, 1.0, { 0.0 }, 1.0), std::invalid_argument);
    EXPECT_THROW(select_knapsack({ 1.0, 2.0 }, { 1.0 }, 1.0, { 0.0 }, 1.0), std::invalid_argument);
    EXPECT_TRUE(select_knapsack({}, {}, 1.0, {}, 1.0).empty());
}

// ---- algorithms ------------------------------------------------------------------------------

TEST(AllocationAlgorithms, CrraDominatesTheBaselines)
{
    std::mt19937 rng(31);
    double largest_gain = 0.0;
    for (int trial = 0; trial < scaled(8, 4); ++trial) {
        const std::size_t count = 5 + rng() % 6;
        const Scheduler s = informative_instance(count, rng);
        for (bool weighted : { false, true }) {
            const Allocation crra = s.crra(weighted);
            const Allocation fcr = s.fcr(0.8, weighted);
            const Allocation fra = s.fra(weighted);
            const Allocation msr = s.msr(weighted);
            expect_feasible(s, crra);
            expect_feasible(s, fcr);
            expect_feasible(s, msr);
            EXPECT_GE(crra.objective, fcr.objective);
            EXPECT_GE(crra.objective, fra.objective);
            EXPECT_GE(crra.objective, msr.objective);
            EXPECT_TRUE(non_decreasing(crra.history));
            EXPECT_EQ(crra.history.size(), std::size_t(crra.outer_iterations));
            EXPECT_NEAR(crra.total(s.users(), weighted), crra.objective, 1e-12 * crra.objective);
            EXPECT_LE(crra.total_q(s.users(), weighted), crra.objective); // 2Q <= e^{-x²/2}
            for (std::size_t i = 0; i < count; ++i) {
                EXPECT_DOUBLE_EQ(fra.bandwidth_hz[i], s.budget().bandwidth_hz / count);
                EXPECT_DOUBLE_EQ(fcr.ratio[i], 0.8);
            }
            largest_gain = std::max(largest_gain, crra.objective / std::max(fcr.objective, fra.objective) - 1);
        }
    }
    std::printf("largest CRRA gain over max(FCR, FRA): %.1f%%\n", 100 * largest_gain);
}

TEST(AllocationAlgorithms, CrrausAgainstWeightedCrraAndExactSelection)
{
    std::mt19937 rng(37);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Options exact;
    exact.selection = Selection::exact;
    Options paper;
    paper.selection = Selection::paper;
    double worst_ratio = 1.0;
    const std::vector<std::size_t> sizes = slow_build ? std::vector<std::size_t>{ 6, 7 }
                                                      : std::vector<std::size_t>{ 6, 6, 7, 7, 8, 8 };
    for (std::size_t count : sizes) {
        // tight power (the regime where selection pays, §6.3.5)
        const Budget budget = make_budget(1e6 * (1 + 4 * unit(rng)), 1e-3 * (0.5 + unit(rng)));
        std::vector<User> users = annulus_users(count, rng);
        const Scheduler demand(budget, users);
        const Allocation weighted = demand.crra(true);
        const Allocation chosen = demand.crraus();
        const Allocation oracle = Scheduler(budget, users, exact).crraus();
        const Allocation literal = Scheduler(budget, users, paper).crraus();
        expect_feasible(demand, chosen);
        expect_feasible(demand, oracle);
        expect_feasible(demand, literal);
        EXPECT_TRUE(chosen.weighted);
        EXPECT_EQ(chosen.algorithm, "crraus");
        EXPECT_GE(chosen.objective, weighted.objective);
        EXPECT_GE(literal.objective, weighted.objective);
        EXPECT_GE(oracle.objective, weighted.objective);
        EXPECT_GE(chosen.objective, 0.98 * oracle.objective) << count << " users";
        worst_ratio = std::min(worst_ratio, chosen.objective / oracle.objective);
        std::printf("U = %zu: weighted CRRA %.5f, CRRAUS demand %.5f (%d selected), paper %.5f, exact %.5f (%d selected)\n",
                    count, weighted.objective, chosen.objective,
                    int(std::count(chosen.selected.begin(), chosen.selected.end(), true)), literal.objective,
                    oracle.objective, int(std::count(oracle.selected.begin(), oracle.selected.end(), true)));
    }
    std::printf("CRRAUS (demand) / exact selection: worst %.4f\n", worst_ratio);
}

// ---- validation ------------------------------------------------------------------------------

TEST(AllocationScheduler, RejectsBadInputsWithOneLine)
{
    const Budget good = make_budget(20e6, 1.0);
    const std::vector<User> one(1);
    auto message_of = [](auto&& make) -> std::string {
        try {
            make();
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "(no exception)";
    };
    auto contains = [](const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos && text.find('\n') == std::string::npos;
    };
    EXPECT_TRUE(contains(message_of([&] { Scheduler(good, {}); }), "no users"));
    Budget narrow = good;
    narrow.bandwidth_hz = 1.5e4; // two users need 2 x 10 kHz
    EXPECT_TRUE(contains(message_of([&] { Scheduler(narrow, std::vector<User>(2)); }), "bandwidth"));
    Budget weak = good;
    weak.power_w = 1.5e-5;
    EXPECT_TRUE(contains(message_of([&] { Scheduler(weak, std::vector<User>(2)); }), "power"));
    Budget no_noise = good;
    no_noise.noise_psd_w_per_hz = 0.0;
    EXPECT_TRUE(contains(message_of([&] { Scheduler(no_noise, one); }), "noise"));
    for (const char* field : { "gain", "weight", "data_bits", "delay_s" })
        for (double bad : { 0.0, -1.0, double(NAN), double(INFINITY) }) {
            std::vector<User> users(2);
            users[1].name = "cam2";
            if (std::string(field) == "gain") users[1].gain = bad;
            if (std::string(field) == "weight") users[1].weight = bad;
            if (std::string(field) == "data_bits") users[1].data_bits = bad;
            if (std::string(field) == "delay_s") users[1].delay_s = bad;
            const std::string m = message_of([&] { Scheduler(good, users); });
            EXPECT_TRUE(contains(m, field) && contains(m, "cam2")) << m;
        }
    std::vector<User> bad_eta(1);
    bad_eta[0].eta.zeta = { 0.0, 0.0, 1.5, 0.0 };
    EXPECT_TRUE(contains(message_of([&] { Scheduler(good, bad_eta); }), "eta"));
    Options bad_step;
    bad_step.ratio_step = 0.0;
    EXPECT_TRUE(contains(message_of([&] { Scheduler(good, one, bad_step); }), "ratio_step"));
    const Scheduler s(good, one);
    EXPECT_THROW(s.fcr(1.0), std::invalid_argument);
    EXPECT_THROW(s.best_ratios({ 1e6, 1e6 }, { 1.0, 1.0 }), std::invalid_argument);
    EXPECT_THROW(Scheduler(good, std::vector<User>(17), Options{ 0.01, 50, 1e-7, ResourceMethod::direct,
                                                                   Selection::exact })
                     .crraus(),
                 std::invalid_argument);
}
