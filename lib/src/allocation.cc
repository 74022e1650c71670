/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The CRRA / CRRAUS scheduler (see allocation.h and docs/allocation.md). Equations and numerics
// follow shared/papers/asc-crra-digest.md §3 and §6.3; section numbers below refer to it.
#include <semcom/allocation.h>
#include <semcom/theory.h>

#include <glpk.h>
#include <nlopt.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace semcom::alloc {

namespace {

constexpr double ln2 = 0.69314718055994530942;
constexpr double inf = std::numeric_limits<double>::infinity();
// 2^t overflows double near t = 1024; beyond this exponent a user is hopeless (x = inf, success 0).
constexpr double max_exponent_bits = 1000.0;
// Slack on the normalised budgets Σu ≤ 1, Σv ≤ 1 (points are repaired to within rounding).
constexpr double budget_slack = 1e-12;

double clamp01(double v) { return std::min(1.0, std::max(0.0, v)); }

bool finite_positive(double v) { return std::isfinite(v) && v > 0.0; }

std::string describe(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

// ---- success models ------------------------------------------------------------------------

// s(x) and ds/dx for x >= 0 (x = inf: 0 and 0).
struct SuccessSlope {
    double value;
    double slope;
};

SuccessSlope success_and_slope(double x, SuccessModel model)
{
    if (!(x < inf))
        return { 0.0, 0.0 };
    switch (model) {
    case SuccessModel::exponential: {
        const double g = std::exp(-0.5 * x * x); // 0 (no denormal trouble) beyond x ≈ 38.6
        return { g, -x * g };
    }
    case SuccessModel::q: {
        const double value = std::min(1.0, std::max(0.0, 2.0 * qfunc(x)));
        return { value, -std::sqrt(2.0 / M_PI) * std::exp(-0.5 * x * x) };
    }
    case SuccessModel::rayleigh: {
        const double value = std::exp(-x);
        return { value, -value };
    }
    }
    return { 0.0, 0.0 };
}

// log s(x) and its derivative, finite for large x (used by the SCA's chain l ≤ log s(x), which is
// convex for all three models: -x²/2, -x and log 2Q(x) are concave).
SuccessSlope log_success_and_slope(double x, SuccessModel model)
{
    switch (model) {
    case SuccessModel::exponential:
        return { -0.5 * x * x, -x };
    case SuccessModel::rayleigh:
        return { -x, -1.0 };
    case SuccessModel::q:
        break;
    }
    if (x < 30.0) {
        const double two_q = std::erfc(x / std::sqrt(2.0));
        const double density = std::sqrt(2.0 / M_PI) * std::exp(-0.5 * x * x);
        return { std::log(two_q), -density / two_q };
    }
    // Asymptotic Mills ratio Q(x)/φ(x) ≈ (1 - 1/x² + 3/x⁴ - 15/x⁶)/x.
    const double r2 = 1.0 / (x * x);
    const double mills = (1.0 - r2 + 3.0 * r2 * r2 - 15.0 * r2 * r2 * r2) / x;
    const double log_two_q =
        std::log(2.0) - 0.5 * x * x - 0.5 * std::log(2.0 * M_PI) + std::log(mills);
    return { log_two_q, -1.0 / mills };
}

// x* with s(x*) = level, 0 < level < 1.
double success_threshold(double level, SuccessModel model)
{
    switch (model) {
    case SuccessModel::exponential:
        return std::sqrt(-2.0 * std::log(level));
    case SuccessModel::rayleigh:
        return -std::log(level);
    case SuccessModel::q:
        break;
    }
    return qfunc_inverse(0.5 * level); // 2Q(x) = level
}

// ---- the normalised resource problem (§6.3.2) ------------------------------------------------
//
// u = B/Bmax, v = P/Pmax, κ = N0 Bmax/(δ Pmax), ρ = d (1-o)/(t0 Bmax):  x = κ u (2^{ρ/u} - 1)/v.

struct NormalisedX {
    double x, du, dv;
};

NormalisedX normalised_x(double kappa, double rho, double u, double v)
{
    const double t = rho / u;
    if (!(t < max_exponent_bits))
        return { inf, 0.0, 0.0 };
    const double e = std::expm1(ln2 * t); // 2^t - 1, accurate when o is near 1
    const double x = kappa * u * e / v;
    return { x, kappa * (e - (e + 1.0) * ln2 * t) / v, -x / v };
}

struct ResourceProblem {
    std::vector<std::size_t> members; // the selected users, in order
    std::vector<double> kappa, rho, coeff; // coeff = η(o_i)·(w_i if weighted)
    double u_min = 0.0, v_min = 0.0;
    SuccessModel model = SuccessModel::exponential;

    std::size_t size() const { return members.size(); }

    // Σ coeff_i s(x_i); gradient (2n: u then v) if grad is non-null.
    double value(const double* uv, double* grad) const
    {
        const std::size_t n = size();
        double total = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto nx = normalised_x(kappa[i], rho[i], uv[i], uv[n + i]);
            const auto s = success_and_slope(nx.x, model);
            total += coeff[i] * s.value;
            if (grad) {
                grad[i] = coeff[i] * s.slope * nx.du;
                grad[n + i] = coeff[i] * s.slope * nx.dv;
            }
        }
        return total;
    }

    bool feasible(const std::vector<double>& uv) const
    {
        const std::size_t n = size();
        double su = 0.0, sv = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
            if (!(uv[i] >= u_min && uv[i] <= 1.0 && uv[n + i] >= v_min && uv[n + i] <= 1.0))
                return false;
            su += uv[i];
            sv += uv[n + i];
        }
        return su <= 1.0 + budget_slack && sv <= 1.0 + budget_slack;
    }
};

// Clamp into the bounds and, if a budget is exceeded, shrink the parts above the minimum.
void repair_block(double* w, std::size_t n, double lo)
{
    double excess = 0.0, sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        w[i] = std::min(1.0, std::max(lo, w[i]));
        sum += w[i];
        excess += w[i] - lo;
    }
    if (sum <= 1.0 || excess <= 0.0)
        return;
    const double scale = std::max(0.0, 1.0 - double(n) * lo) / excess;
    for (std::size_t i = 0; i < n; ++i)
        w[i] = lo + scale * (w[i] - lo);
}

void repair(const ResourceProblem& p, std::vector<double>& uv)
{
    repair_block(uv.data(), p.size(), p.u_min);
    repair_block(uv.data() + p.size(), p.size(), p.v_min);
}

struct SlsqpData {
    const ResourceProblem* problem;
    double best_value;
    std::vector<double> best_point;
    std::vector<double> scratch;
};

double slsqp_objective(unsigned n, const double* x, double* grad, void* data)
{
    auto* d = static_cast<SlsqpData*>(data);
    const double value = d->problem->value(x, grad);
    // Keep the best budget-feasible point SLSQP ever evaluates: it may end on roundoff_limited.
    if (value > d->best_value) {
        d->scratch.assign(x, x + n);
        if (d->problem->feasible(d->scratch)) {
            d->best_value = value;
            d->best_point = d->scratch;
        }
    }
    return value;
}

struct BudgetRow {
    std::size_t offset, count;
    double cap;
};

double budget_constraint(unsigned n, const double* x, double* grad, void* data)
{
    const auto* row = static_cast<const BudgetRow*>(data);
    if (grad)
        std::fill(grad, grad + n, 0.0);
    double sum = -row->cap;
    for (std::size_t i = 0; i < row->count; ++i) {
        sum += x[row->offset + i];
        if (grad)
            grad[row->offset + i] = 1.0;
    }
    return sum;
}

// One local SLSQP run on (u, v) from uv (made feasible first). Returns the best budget-feasible
// value seen, never below the start's, and leaves its point in uv.
double solve_direct(const ResourceProblem& p, std::vector<double>& uv, int max_evaluations)
{
    const std::size_t n = p.size();
    repair(p, uv);
    SlsqpData data{ &p, p.value(uv.data(), nullptr), uv, {} };
    // A single feasible point (U·Bmin = Bmax or U·Pmin = Pmax) or nothing to gain: done.
    const bool room = double(n) * p.u_min < 1.0 - 1e-12 || double(n) * p.v_min < 1.0 - 1e-12;
    const bool worth = std::any_of(p.coeff.begin(), p.coeff.end(), [](double c) { return c > 0; });
    if (n == 0 || !room || !worth)
        return data.best_value;

    nlopt::opt opt(nlopt::LD_SLSQP, unsigned(2 * n));
    std::vector<double> lower(2 * n), upper(2 * n, 1.0);
    std::fill(lower.begin(), lower.begin() + long(n), p.u_min);
    std::fill(lower.begin() + long(n), lower.end(), p.v_min);
    opt.set_lower_bounds(lower);
    opt.set_upper_bounds(upper);
    opt.set_max_objective(slsqp_objective, &data);
    BudgetRow bandwidth_row{ 0, n, 1.0 }, power_row{ n, n, 1.0 };
    opt.add_inequality_constraint(budget_constraint, &bandwidth_row, 1e-9);
    opt.add_inequality_constraint(budget_constraint, &power_row, 1e-9);
    opt.set_ftol_rel(0.0); // > 0 makes SLSQP stop at its start (§6.3.2)
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(max_evaluations);
    std::vector<double> x = uv;
    try {
        double final_value = 0.0;
        opt.optimize(x, final_value);
    } catch (const std::runtime_error&) {
        // roundoff_limited, forced stop or a generic failure: the best point seen stands.
    }
    // SLSQP ends within its constraint tolerance; the repaired end point may beat what was seen.
    repair(p, x);
    const double end_value = p.value(x.data(), nullptr);
    if (end_value > data.best_value && p.feasible(x)) {
        data.best_value = end_value;
        data.best_point = x;
    }
    uv = data.best_point;
    return data.best_value;
}

// ---- SCA (Algorithm 3 with the corrected bound (31'), §3.1 and §6.3.2) ----------------------
//
// Per active user 8 variables [u, v, f, l, x, m, q, z] and, at the linearisation point j, the
// convex constraints
//   (25)  f - e^{l_j}(1 + l - l_j) ≤ 0          (29)  ¼((u+m)² - 2(u-m)(u_j-m_j) + (u_j-m_j)²) - z ≤ 0
//   (24b) l - log s(x) ≤ 0                      (24d) 2^q - 1 - m ≤ 0
//   (31') 4κz - 2(x+v)(x_j+v_j) + (x_j+v_j)² + (x-v)² ≤ 0
//   (24e) ρ/u - q ≤ 0                           and the two budgets over the active users.
// Maximise Σ coeff_i f_i.

constexpr std::size_t sca_vars = 8;
constexpr std::size_t sca_rows = 6;
enum SlotIndex { su = 0, sv, sf, sl, sx, sm, sq, sz };

struct ScaSubproblem {
    const ResourceProblem* problem;
    std::vector<std::size_t> active; // indices into problem's members
    std::vector<double> point;       // linearisation point j, sca_vars per active user
    double cap_u = 1.0, cap_v = 1.0;
};

// The tight slack chain from (u, v): q = ρ/u, m = 2^q - 1, z = u m, x = κ z/v, l = log s(x), f = e^l.
void tight_slacks(const ResourceProblem& p, std::size_t i, double u, double v, double* slot)
{
    const double q = p.rho[i] / u;
    const double m = std::expm1(ln2 * std::min(q, max_exponent_bits));
    const double z = u * m;
    const double x = p.kappa[i] * z / v;
    const double l = log_success_and_slope(x, p.model).value;
    slot[su] = u;
    slot[sv] = v;
    slot[sf] = std::exp(l);
    slot[sl] = l;
    slot[sx] = x;
    slot[sm] = m;
    slot[sq] = q;
    slot[sz] = z;
}

double sca_objective(unsigned n, const double* x, double* grad, void* data)
{
    const auto* s = static_cast<const ScaSubproblem*>(data);
    if (grad)
        std::fill(grad, grad + n, 0.0);
    double total = 0.0;
    for (std::size_t k = 0; k < s->active.size(); ++k) {
        const double c = s->problem->coeff[s->active[k]];
        total += c * x[k * sca_vars + sf];
        if (grad)
            grad[k * sca_vars + sf] = c;
    }
    return total;
}

void sca_constraints(unsigned m, double* result, unsigned n, const double* x, double* grad, void* data)
{
    const auto* s = static_cast<const ScaSubproblem*>(data);
    const auto& p = *s->problem;
    const std::size_t a = s->active.size();
    if (grad)
        std::fill(grad, grad + std::size_t(m) * n, 0.0);
    auto g = [&](std::size_t row, std::size_t col) -> double& { return grad[row * n + col]; };
    for (std::size_t k = 0; k < a; ++k) {
        const std::size_t i = s->active[k];
        const double* y = x + k * sca_vars;
        const double* j = s->point.data() + k * sca_vars;
        const std::size_t r = k * sca_rows, c = k * sca_vars;
        // (25)
        const double el = std::exp(j[sl]);
        result[r] = y[sf] - el * (1.0 + y[sl] - j[sl]);
        // (24b)
        const auto ls = log_success_and_slope(y[sx], p.model);
        result[r + 1] = y[sl] - ls.value;
        // (31')
        const double sj = j[sx] + j[sv], dxv = y[sx] - y[sv];
        result[r + 2] = 4.0 * p.kappa[i] * y[sz] - 2.0 * (y[sx] + y[sv]) * sj + sj * sj + dxv * dxv;
        // (29)
        const double dj = j[su] - j[sm], sum_um = y[su] + y[sm], dif_um = y[su] - y[sm];
        result[r + 3] = 0.25 * (sum_um * sum_um - 2.0 * dif_um * dj + dj * dj) - y[sz];
        // (24d)
        const double two_q = std::exp2(std::min(y[sq], max_exponent_bits));
        result[r + 4] = two_q - 1.0 - y[sm];
        // (24e)
        result[r + 5] = p.rho[i] / y[su] - y[sq];
        if (grad) {
            g(r, c + sf) = 1.0;
            g(r, c + sl) = -el;
            g(r + 1, c + sl) = 1.0;
            g(r + 1, c + sx) = -ls.slope;
            g(r + 2, c + sz) = 4.0 * p.kappa[i];
            g(r + 2, c + sx) = -2.0 * sj + 2.0 * dxv;
            g(r + 2, c + sv) = -2.0 * sj - 2.0 * dxv;
            g(r + 3, c + su) = 0.5 * sum_um - 0.5 * dj;
            g(r + 3, c + sm) = 0.5 * sum_um + 0.5 * dj;
            g(r + 3, c + sz) = -1.0;
            g(r + 4, c + sq) = y[sq] < max_exponent_bits ? ln2 * two_q : 0.0;
            g(r + 4, c + sm) = -1.0;
            g(r + 5, c + su) = -p.rho[i] / (y[su] * y[su]);
            g(r + 5, c + sq) = -1.0;
        }
    }
    const std::size_t rb = a * sca_rows;
    result[rb] = -s->cap_u;
    result[rb + 1] = -s->cap_v;
    for (std::size_t k = 0; k < a; ++k) {
        result[rb] += x[k * sca_vars + su];
        result[rb + 1] += x[k * sca_vars + sv];
        if (grad) {
            g(rb, k * sca_vars + su) = 1.0;
            g(rb + 1, k * sca_vars + sv) = 1.0;
        }
    }
}

// Algorithm 3 from uv: users with x above active_x at the start are held at (Bmin, Pmin); the
// others iterate the convex subproblem until the true objective stops improving. Never returns
// a point worse than the start.
double solve_sca(const ResourceProblem& p,
                 std::vector<double>& uv,
                 const Options& options,
                 std::vector<double>* history)
{
    const std::size_t n = p.size();
    repair(p, uv);
    const std::vector<double> start = uv;
    const double start_value = p.value(uv.data(), nullptr);

    ScaSubproblem sub;
    sub.problem = &p;
    for (std::size_t i = 0; i < n; ++i) {
        const double x0 = normalised_x(p.kappa[i], p.rho[i], uv[i], uv[n + i]).x;
        if (x0 <= options.active_x && p.coeff[i] > 0.0)
            sub.active.push_back(i);
        else {
            uv[i] = p.u_min;
            uv[n + i] = p.v_min;
        }
    }
    const std::size_t a = sub.active.size();
    const double held = double(n - a);
    sub.cap_u = 1.0 - held * p.u_min;
    sub.cap_v = 1.0 - held * p.v_min;
    double current = p.value(uv.data(), nullptr);
    if (history)
        history->push_back(current);
    if (a > 0) {
        const std::size_t nv = a * sca_vars;
        std::vector<double> lower(nv, 0.0), upper(nv, HUGE_VAL);
        for (std::size_t k = 0; k < a; ++k) {
            lower[k * sca_vars + su] = p.u_min;
            upper[k * sca_vars + su] = sub.cap_u;
            lower[k * sca_vars + sv] = p.v_min;
            upper[k * sca_vars + sv] = sub.cap_v;
            upper[k * sca_vars + sf] = 1.0;
            lower[k * sca_vars + sl] = -HUGE_VAL;
            upper[k * sca_vars + sl] = 0.0;
        }
        sub.point.resize(nv);
        for (int iteration = 0; iteration < options.max_sca; ++iteration) {
            for (std::size_t k = 0; k < a; ++k)
                tight_slacks(p, sub.active[k], uv[sub.active[k]], uv[n + sub.active[k]],
                             sub.point.data() + k * sca_vars);
            nlopt::opt opt(nlopt::LD_SLSQP, unsigned(nv));
            opt.set_lower_bounds(lower);
            opt.set_upper_bounds(upper);
            opt.set_max_objective(sca_objective, &sub);
            opt.add_inequality_mconstraint(sca_constraints, &sub,
                                           std::vector<double>(a * sca_rows + 2, 1e-9));
            opt.set_ftol_rel(0.0);
            opt.set_xtol_rel(1e-10);
            opt.set_maxeval(options.max_evaluations);
            std::vector<double> y = sub.point;
            try {
                double ignored = 0.0;
                opt.optimize(y, ignored);
            } catch (const std::runtime_error&) {
                // keep whatever y holds; it is checked below against the true objective
            }
            std::vector<double> next = uv;
            for (std::size_t k = 0; k < a; ++k) {
                next[sub.active[k]] = y[k * sca_vars + su];
                next[n + sub.active[k]] = y[k * sca_vars + sv];
            }
            repair(p, next);
            const double value = p.value(next.data(), nullptr);
            if (!(value > current))
                break;
            const double gain = value - current;
            uv = next;
            current = value;
            if (history)
                history->push_back(current);
            if (gain <= options.sca_tol * std::max(1.0, std::abs(current)))
                break;
        }
    }
    if (current < start_value) {
        uv = start;
        return start_value;
    }
    return current;
}

// ---- GLPK ---------------------------------------------------------------------------------

std::mutex glpk_mutex;

bool knapsack_fits(const std::vector<double>& cost, double cap, const std::vector<bool>& pick)
{
    double total = 0.0;
    for (std::size_t i = 0; i < cost.size(); ++i)
        if (pick[i])
            total += cost[i];
    return total <= cap;
}

// GLPK's 0-1 program over the candidates with caps (already locked); false if it has no optimum.
bool glpk_knapsack(const std::vector<std::size_t>& items,
                   const std::vector<double>& value,
                   const std::vector<double>& cost_a,
                   double cap_a,
                   const std::vector<double>& cost_b,
                   double cap_b,
                   std::vector<bool>& pick)
{
    glp_term_out(GLP_OFF);
    glp_prob* lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MAX);
    glp_add_rows(lp, 2);
    glp_set_row_bnds(lp, 1, GLP_UP, 0.0, cap_a);
    glp_set_row_bnds(lp, 2, GLP_UP, 0.0, cap_b);
    const int columns = int(items.size());
    glp_add_cols(lp, columns);
    std::vector<int> row_index(1), column_index(1);
    std::vector<double> entry(1); // GLPK arrays are 1-based
    for (int c = 1; c <= columns; ++c) {
        const std::size_t i = items[std::size_t(c - 1)];
        glp_set_col_kind(lp, c, GLP_BV);
        glp_set_obj_coef(lp, c, value[i]);
        row_index.insert(row_index.end(), { 1, 2 });
        column_index.insert(column_index.end(), { c, c });
        entry.insert(entry.end(), { cost_a[i], cost_b[i] });
    }
    glp_load_matrix(lp, int(entry.size() - 1), row_index.data(), column_index.data(), entry.data());
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.presolve = GLP_ON;
    parm.msg_lev = GLP_MSG_OFF;
    const int code = glp_intopt(lp, &parm);
    const bool ok = code == 0 && glp_mip_status(lp) == GLP_OPT;
    if (ok)
        for (int c = 1; c <= columns; ++c)
            pick[items[std::size_t(c - 1)]] = glp_mip_col_val(lp, c) > 0.5;
    glp_delete_prob(lp);
    return ok;
}

} // namespace

// ---- EtaModel, success models --------------------------------------------------------------

namespace {

//! The segment of measured points that holds ratio (the first or last beyond the ends).
std::size_t segment_of(const std::vector<std::array<double, 2>>& points, double ratio)
{
    const auto it = std::upper_bound(points.begin(), points.end(), ratio,
                                     [](double o, const std::array<double, 2>& p) { return o < p[0]; });
    const std::size_t after = std::size_t(it - points.begin());
    return std::min(std::max<std::size_t>(after, 1), points.size() - 1) - 1;
}

} // namespace

double EtaModel::operator()(double ratio) const
{
    if (!points.empty()) {
        const std::size_t k = segment_of(points, ratio);
        const auto &a = points[k], &b = points[k + 1];
        const double t = std::clamp((ratio - a[0]) / (b[0] - a[0]), 0.0, 1.0);
        return clamp01(a[1] + t * (b[1] - a[1]));
    }
    return clamp01(zeta[0] * std::exp(zeta[1] * ratio) + zeta[2] * std::exp(zeta[3] * ratio));
}

double EtaModel::derivative(double ratio) const
{
    if (!points.empty()) {
        const std::size_t k = segment_of(points, ratio);
        return (points[k + 1][1] - points[k][1]) / (points[k + 1][0] - points[k][0]);
    }
    const double raw = zeta[0] * std::exp(zeta[1] * ratio) + zeta[2] * std::exp(zeta[3] * ratio);
    if (raw <= 0.0 || raw >= 1.0)
        return 0.0;
    return zeta[0] * zeta[1] * std::exp(zeta[1] * ratio) + zeta[2] * zeta[3] * std::exp(zeta[3] * ratio);
}

void EtaModel::validate() const
{
    if (!points.empty()) {
        if (points.size() < 2 || points.front()[0] != 0.0 || points.back()[0] != 1.0)
            throw std::invalid_argument("eta: measured points must run from o = 0 to o = 1 (at least two)");
        for (std::size_t k = 0; k < points.size(); ++k) {
            if (!std::isfinite(points[k][0]) || !std::isfinite(points[k][1]) || points[k][1] < 0.0 || points[k][1] > 1.0)
                throw std::invalid_argument("eta: measured point " + std::to_string(k) + " is not (o, eta) with eta in [0, 1]");
            if (k > 0 && !(points[k][0] > points[k - 1][0]))
                throw std::invalid_argument("eta: measured points must have strictly increasing o");
        }
        return;
    }
    for (double z : zeta)
        if (!std::isfinite(z))
            throw std::invalid_argument("eta: every zeta must be finite");
    const double at_zero = zeta[0] + zeta[2];
    if (!(at_zero >= 0.0 && at_zero <= 1.0))
        throw std::invalid_argument("eta: eta(0) = zeta1 + zeta3 = " + describe(at_zero) +
                                    " is not in [0, 1]");
}

const char* success_model_name(SuccessModel model)
{
    switch (model) {
    case SuccessModel::exponential:
        return "exponential";
    case SuccessModel::q:
        return "q";
    case SuccessModel::rayleigh:
        return "rayleigh";
    }
    return "?";
}

SuccessModel parse_success_model(const std::string& name)
{
    if (name == "exponential")
        return SuccessModel::exponential;
    if (name == "q")
        return SuccessModel::q;
    if (name == "rayleigh")
        return SuccessModel::rayleigh;
    throw std::invalid_argument("unknown success model '" + name +
                                "' (expected exponential, q or rayleigh)");
}

// ---- Allocation ----------------------------------------------------------------------------

double Allocation::total(const std::vector<User>& users, bool with_weights) const
{
    double sum = 0.0;
    for (std::size_t i = 0; i < phi.size(); ++i)
        sum += phi[i] * (with_weights ? users.at(i).weight : 1.0);
    return sum;
}

double Allocation::total_q(const std::vector<User>& users, bool with_weights) const
{
    double sum = 0.0;
    for (std::size_t i = 0; i < success_q.size(); ++i)
        if (selected.at(i))
            sum += eta.at(i) * success_q[i] * (with_weights ? users.at(i).weight : 1.0);
    return sum;
}

// ---- Scheduler -------------------------------------------------------------------------------

namespace {

std::string user_label(const User& user, std::size_t index)
{
    std::string label = "user #" + std::to_string(index);
    if (!user.name.empty())
        label += " '" + user.name + "'";
    return label;
}

void require_positive(const User& user, std::size_t index, const char* field, double value)
{
    if (!finite_positive(value))
        throw std::invalid_argument("alloc: " + user_label(user, index) + ": " + field +
                                    " must be finite and > 0 (got " + describe(value) + ")");
}

} // namespace

Scheduler::Scheduler(Budget budget, std::vector<User> users, Options options)
    : budget_(budget), users_(std::move(users)), options_(options)
{
    if (users_.empty())
        throw std::invalid_argument("alloc: no users");
    const auto check_budget = [](const char* field, double value, bool allow_zero) {
        if (!std::isfinite(value) || value < 0.0 || (!allow_zero && value == 0.0))
            throw std::invalid_argument(std::string("alloc: budget ") + field + " must be finite and " +
                                        (allow_zero ? ">= 0" : "> 0") + " (got " + describe(value) +
                                        ")");
    };
    check_budget("bandwidth_hz", budget_.bandwidth_hz, false);
    check_budget("power_w", budget_.power_w, false);
    check_budget("min_bandwidth_hz", budget_.min_bandwidth_hz, true);
    check_budget("min_power_w", budget_.min_power_w, true);
    check_budget("noise_psd_w_per_hz", budget_.noise_psd_w_per_hz, false);
    const double count = double(users_.size());
    if (count * budget_.min_bandwidth_hz > budget_.bandwidth_hz)
        throw std::invalid_argument("alloc: " + std::to_string(users_.size()) +
                                    " users x min bandwidth " + describe(budget_.min_bandwidth_hz) +
                                    " Hz exceed the bandwidth budget " +
                                    describe(budget_.bandwidth_hz) + " Hz");
    if (count * budget_.min_power_w > budget_.power_w)
        throw std::invalid_argument("alloc: " + std::to_string(users_.size()) + " users x min power " +
                                    describe(budget_.min_power_w) + " W exceed the power budget " +
                                    describe(budget_.power_w) + " W");
    for (std::size_t i = 0; i < users_.size(); ++i) {
        const User& user = users_[i];
        require_positive(user, i, "gain", user.gain);
        require_positive(user, i, "weight", user.weight);
        require_positive(user, i, "data_bits", user.data_bits);
        require_positive(user, i, "delay_s", user.delay_s);
        try {
            user.eta.validate();
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument("alloc: " + user_label(user, i) + ": " + e.what());
        }
    }
    if (!(options_.ratio_step > 0.0 && options_.ratio_step <= 0.5))
        throw std::invalid_argument("alloc: ratio_step must be in (0, 0.5] (got " +
                                    describe(options_.ratio_step) + ")");
    if (options_.max_outer < 1 || options_.max_evaluations < 1 || options_.max_sca < 1)
        throw std::invalid_argument("alloc: max_outer, max_evaluations and max_sca must be >= 1");
    if (!(options_.outer_tol >= 0.0) || !(options_.sca_tol >= 0.0) || !(options_.active_x > 0.0))
        throw std::invalid_argument("alloc: outer_tol and sca_tol must be >= 0, active_x > 0");
}

double Scheduler::x(std::size_t user, double bandwidth_hz, double power_w, double ratio) const
{
    const User& u = users_.at(user);
    if (!(bandwidth_hz > 0.0 && power_w > 0.0))
        return inf;
    const double bits_per_hz = u.data_bits * std::max(0.0, 1.0 - ratio) / (bandwidth_hz * u.delay_s);
    if (!(bits_per_hz < max_exponent_bits))
        return inf;
    return budget_.noise_psd_w_per_hz * bandwidth_hz * std::expm1(ln2 * bits_per_hz) /
           (u.gain * power_w);
}

double Scheduler::success(std::size_t user, double bandwidth_hz, double power_w, double ratio,
                          SuccessModel model) const
{
    return success_and_slope(x(user, bandwidth_hz, power_w, ratio), model).value;
}

namespace {

// The grid of Algorithm 2: step, 2·step, ..., up to 1 - step (o = 1 is excluded by (14e)).
std::vector<double> ratio_grid(double step)
{
    std::vector<double> grid;
    const int count = int(std::floor(1.0 / step + 1e-9)) - 1;
    for (int k = 1; k <= std::max(1, count); ++k)
        grid.push_back(std::min(k * step, 1.0 - step));
    return grid;
}

} // namespace

std::vector<double> Scheduler::best_ratios(const std::vector<double>& bandwidth_hz,
                                           const std::vector<double>& power_w) const
{
    if (bandwidth_hz.size() != users_.size() || power_w.size() != users_.size())
        throw std::invalid_argument("best_ratios: one bandwidth and one power per user");
    const auto grid = ratio_grid(options_.ratio_step);
    std::vector<double> best(users_.size(), grid.back());
    for (std::size_t i = 0; i < users_.size(); ++i) {
        double best_value = -1.0; // reset per user: the printed Algorithm 2 forgets to
        for (double o : grid) {
            const double h = users_[i].eta(o) * success(i, bandwidth_hz[i], power_w[i], o, options_.objective);
            if (h >= best_value) { // ">=": ties go to the larger ratio, as in the paper
                best_value = h;
                best[i] = o;
            }
        }
    }
    return best;
}

namespace {

ResourceProblem make_problem(const Scheduler& s,
                             const std::vector<double>& ratio,
                             const std::vector<bool>& selected,
                             bool weighted)
{
    const Budget& b = s.budget();
    ResourceProblem p;
    p.model = s.options().objective;
    // Bmin = 0 is allowed: keep u > 0 so that x stays defined (2^{ρ/u} overflows to "hopeless").
    p.u_min = std::max(b.min_bandwidth_hz / b.bandwidth_hz, 1e-12);
    p.v_min = std::max(b.min_power_w / b.power_w, 1e-12);
    for (std::size_t i = 0; i < s.users().size(); ++i) {
        if (!selected[i])
            continue;
        const User& user = s.users()[i];
        p.members.push_back(i);
        p.kappa.push_back(b.noise_psd_w_per_hz * b.bandwidth_hz / (user.gain * b.power_w));
        p.rho.push_back(user.data_bits * (1.0 - ratio[i]) / (user.delay_s * b.bandwidth_hz));
        p.coeff.push_back(user.eta(ratio[i]) * (weighted ? user.weight : 1.0));
    }
    return p;
}

// Starts of §6.3.2: equal split and "concentrated" ones (the k easiest users share the budgets,
// the others hold the minimum), k = 1..n-1.
std::vector<std::vector<double>> multi_starts(const ResourceProblem& p)
{
    const std::size_t n = p.size();
    std::vector<std::vector<double>> starts;
    std::vector<double> equal(2 * n, 1.0 / double(n));
    starts.push_back(equal);
    // Easiest: smallest x at the equal split; worthless users (coeff 0) last.
    std::vector<double> difficulty(n);
    for (std::size_t i = 0; i < n; ++i)
        difficulty[i] = p.coeff[i] > 0.0 ? normalised_x(p.kappa[i], p.rho[i], 1.0 / n, 1.0 / n).x : inf;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (difficulty[a] != difficulty[b])
            return difficulty[a] < difficulty[b];
        return p.coeff[a] > p.coeff[b];
    });
    for (std::size_t k = 1; k < n; ++k) {
        std::vector<double> start(2 * n);
        const double u_share = (1.0 - double(n - k) * p.u_min) / double(k);
        const double v_share = (1.0 - double(n - k) * p.v_min) / double(k);
        for (std::size_t r = 0; r < n; ++r) {
            const std::size_t i = order[r];
            start[i] = r < k ? u_share : p.u_min;
            start[n + i] = r < k ? v_share : p.v_min;
        }
        starts.push_back(start);
    }
    return starts;
}

} // namespace

namespace {

// Algorithm 3 over the selected users: the best of the local solves from the previous point (if
// any) and, when multi_start, from the starts of multi_starts().
void allocate(const Scheduler& s,
              const std::vector<double>& ratio,
              const std::vector<bool>& selected,
              bool weighted,
              std::vector<double>& bandwidth_hz,
              std::vector<double>& power_w,
              bool multi_start)
{
    const std::size_t count = s.users().size();
    const Budget& budget = s.budget();
    const Options& options = s.options();
    if (ratio.size() != count || selected.size() != count)
        throw std::invalid_argument("allocate_resources: one ratio and one selection flag per user");
    const bool have_previous = !bandwidth_hz.empty() || !power_w.empty();
    if (have_previous && (bandwidth_hz.size() != count || power_w.size() != count))
        throw std::invalid_argument("allocate_resources: the previous point needs one value per user");
    const ResourceProblem p = make_problem(s, ratio, selected, weighted);
    const std::size_t n = p.size();
    std::vector<double> best;
    double best_value = -inf;
    auto consider = [&](std::vector<double> start) {
        const double value = options.resource == ResourceMethod::sca
                                 ? solve_sca(p, start, options, nullptr)
                                 : solve_direct(p, start, options.max_evaluations);
        if (value > best_value) { // strict: on ties the earlier start (the previous point) stays
            best_value = value;
            best = std::move(start);
        }
    };
    if (n > 0) {
        if (have_previous) {
            std::vector<double> previous(2 * n);
            for (std::size_t k = 0; k < n; ++k) {
                previous[k] = bandwidth_hz[p.members[k]] / budget.bandwidth_hz;
                previous[n + k] = power_w[p.members[k]] / budget.power_w;
            }
            consider(previous);
        }
        if (multi_start || !have_previous)
            for (auto& start : multi_starts(p))
                consider(std::move(start));
    }
    bandwidth_hz.assign(count, 0.0);
    power_w.assign(count, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        bandwidth_hz[p.members[k]] = best[k] * budget.bandwidth_hz;
        power_w[p.members[k]] = best[n + k] * budget.power_w;
    }
}

} // namespace

void Scheduler::allocate_resources(const std::vector<double>& ratio,
                                   const std::vector<bool>& selected,
                                   bool weighted,
                                   std::vector<double>& bandwidth_hz,
                                   std::vector<double>& power_w) const
{
    allocate(*this, ratio, selected, weighted, bandwidth_hz, power_w, true);
}

Allocation Scheduler::evaluate(std::string algorithm,
                               std::vector<bool> selected,
                               std::vector<double> ratio,
                               std::vector<double> bandwidth_hz,
                               std::vector<double> power_w,
                               bool weighted) const
{
    const std::size_t count = users_.size();
    if (selected.size() != count || ratio.size() != count || bandwidth_hz.size() != count ||
        power_w.size() != count)
        throw std::invalid_argument("evaluate: one selection flag, ratio, bandwidth and power per user");
    Allocation a;
    a.algorithm = std::move(algorithm);
    a.weighted = weighted;
    a.x.resize(count);
    a.success_exponential.resize(count);
    a.success_q.resize(count);
    a.success_rayleigh.resize(count);
    a.eta.resize(count);
    a.phi.resize(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (!selected[i]) {
            bandwidth_hz[i] = 0.0;
            power_w[i] = 0.0;
        }
        a.x[i] = x(i, bandwidth_hz[i], power_w[i], ratio[i]); // inf without resources
        a.success_exponential[i] = success_and_slope(a.x[i], SuccessModel::exponential).value;
        a.success_q[i] = success_and_slope(a.x[i], SuccessModel::q).value;
        a.success_rayleigh[i] = success_and_slope(a.x[i], SuccessModel::rayleigh).value;
        a.eta[i] = users_[i].eta(ratio[i]);
        const double s = options_.objective == SuccessModel::exponential ? a.success_exponential[i]
                         : options_.objective == SuccessModel::q         ? a.success_q[i]
                                                                          : a.success_rayleigh[i];
        a.phi[i] = selected[i] ? a.eta[i] * s : 0.0;
        a.objective += a.phi[i] * (weighted ? users_[i].weight : 1.0);
    }
    a.selected = std::move(selected);
    a.ratio = std::move(ratio);
    a.bandwidth_hz = std::move(bandwidth_hz);
    a.power_w = std::move(power_w);
    return a;
}

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

struct PolishData {
    const Scheduler* scheduler;
    const ResourceProblem* problem; // kappa; rho and coeff are recomputed from o
    std::vector<double> rho_full;   // d/(t0 Bmax) per member
    std::vector<double> user_weight;
};

// Joint objective over [u (n), v (n), o (n)]: Σ w_i η(o_i) s(x_i(u, v, o)).
double polish_objective(unsigned, const double* y, double* grad, void* data)
{
    const auto* d = static_cast<const PolishData*>(data);
    const auto& p = *d->problem;
    const std::size_t n = p.size();
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double u = y[i], v = y[n + i], o = y[2 * n + i];
        const EtaModel& eta = d->scheduler->users()[p.members[i]].eta;
        const double rho = d->rho_full[i] * (1.0 - o);
        const auto nx = normalised_x(p.kappa[i], rho, u, v);
        const auto s = success_and_slope(nx.x, p.model);
        const double e = eta(o), w = d->user_weight[i];
        total += w * e * s.value;
        if (grad) {
            grad[i] = w * e * s.slope * nx.du;
            grad[n + i] = w * e * s.slope * nx.dv;
            // ∂x/∂o = -κ 2^{ρ/u} ln2 (d/(t0 Bmax)) / v
            const double t = rho / u;
            const double dx_do =
                nx.x < inf ? -p.kappa[i] * std::exp2(t) * ln2 * d->rho_full[i] / v : 0.0;
            grad[2 * n + i] = w * (eta.derivative(o) * s.value + e * s.slope * dx_do);
        }
    }
    return total;
}

struct PolishTrack {
    PolishData data;
    double best_value;
    std::vector<double> best_point;
};

double polish_tracked(unsigned n, const double* y, double* grad, void* data)
{
    auto* t = static_cast<PolishTrack*>(data);
    const double value = polish_objective(n, y, grad, &t->data);
    if (value > t->best_value) {
        const std::size_t users = t->data.problem->size();
        std::vector<double> uv(y, y + 2 * users);
        if (t->data.problem->feasible(uv)) {
            t->best_value = value;
            t->best_point.assign(y, y + n);
        }
    }
    return value;
}

// One joint SLSQP over (B, P, o) from an allocation, o continuous in [step, 1 - step]; returns the
// better of the start and the result.
Allocation polish(const Scheduler& s, const Allocation& start)
{
    const auto& users = s.users();
    const ResourceProblem p = make_problem(s, start.ratio, start.selected, start.weighted);
    const std::size_t n = p.size();
    if (n == 0)
        return start;
    const Budget& b = s.budget();
    PolishTrack track;
    track.data.scheduler = &s;
    track.data.problem = &p;
    std::vector<double> y(3 * n), lower(3 * n), upper(3 * n, 1.0);
    const double step = s.options().ratio_step;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = p.members[k];
        track.data.rho_full.push_back(users[i].data_bits / (users[i].delay_s * b.bandwidth_hz));
        track.data.user_weight.push_back(start.weighted ? users[i].weight : 1.0);
        y[k] = start.bandwidth_hz[i] / b.bandwidth_hz;
        y[n + k] = start.power_w[i] / b.power_w;
        y[2 * n + k] = std::min(1.0 - step, std::max(step, start.ratio[i]));
        lower[k] = p.u_min;
        lower[n + k] = p.v_min;
        lower[2 * n + k] = step;
        upper[2 * n + k] = 1.0 - step;
    }
    std::vector<double> uv(y.begin(), y.begin() + long(2 * n));
    repair(p, uv);
    std::copy(uv.begin(), uv.end(), y.begin());
    track.best_value = polish_objective(unsigned(3 * n), y.data(), nullptr, &track.data);
    track.best_point = y;
    nlopt::opt opt(nlopt::LD_SLSQP, unsigned(3 * n));
    opt.set_lower_bounds(lower);
    opt.set_upper_bounds(upper);
    opt.set_max_objective(polish_tracked, &track);
    BudgetRow bandwidth_row{ 0, n, 1.0 }, power_row{ n, n, 1.0 };
    opt.add_inequality_constraint(budget_constraint, &bandwidth_row, 1e-9);
    opt.add_inequality_constraint(budget_constraint, &power_row, 1e-9);
    opt.set_ftol_rel(0.0);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(s.options().max_evaluations);
    try {
        double ignored = 0.0;
        opt.optimize(y, ignored);
    } catch (const std::runtime_error&) {
    }
    uv.assign(y.begin(), y.begin() + long(2 * n));
    repair(p, uv);
    std::copy(uv.begin(), uv.end(), y.begin());
    const double end_value = polish_objective(unsigned(3 * n), y.data(), nullptr, &track.data);
    if (end_value > track.best_value) {
        track.best_value = end_value;
        track.best_point = y;
    }
    auto ratio = start.ratio;
    auto bandwidth = start.bandwidth_hz;
    auto power = start.power_w;
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = p.members[k];
        bandwidth[i] = track.best_point[k] * b.bandwidth_hz;
        power[i] = track.best_point[n + k] * b.power_w;
        ratio[i] = track.best_point[2 * n + k];
    }
    Allocation polished =
        s.evaluate(start.algorithm, start.selected, ratio, bandwidth, power, start.weighted);
    if (!(polished.objective > start.objective))
        return start;
    polished.outer_iterations = start.outer_iterations;
    polished.history = start.history;
    polished.history.push_back(polished.objective);
    return polished;
}

// The joint polish is local, and the alternation can settle on "serve one user" where sharing is
// better (or the reverse): polish from the CRRA point, from every alternation's end, and from the
// multi-start resource points with Algorithm 2's ratios; keep the best (never below the CRRA point).
Allocation polish_from_starts(const Scheduler& s, const Allocation& best, const std::vector<Allocation>& ends)
{
    Allocation winner = polish(s, best);
    auto try_from = [&](const Allocation& start) {
        Allocation polished = polish(s, start);
        if (polished.objective > winner.objective)
            winner = std::move(polished);
    };
    for (const Allocation& end : ends)
        try_from(end);
    const Budget& b = s.budget();
    const ResourceProblem p = make_problem(s, best.ratio, best.selected, best.weighted);
    const std::size_t n = p.size();
    for (const auto& uv : multi_starts(p)) {
        std::vector<double> bandwidth(s.users().size(), 0.0), power(s.users().size(), 0.0);
        for (std::size_t k = 0; k < n; ++k) {
            bandwidth[p.members[k]] = uv[k] * b.bandwidth_hz;
            power[p.members[k]] = uv[n + k] * b.power_w;
        }
        try_from(s.evaluate(best.algorithm, best.selected, s.best_ratios(bandwidth, power), bandwidth,
                            power, best.weighted));
    }
    if (!(winner.objective > best.objective))
        return best;
    winner.outer_iterations = best.outer_iterations;
    winner.history = best.history;
    winner.history.push_back(winner.objective);
    return winner;
}

// Per user, the better of Algorithm 2's grid ratio and the current one (so a ratio step never
// lowers the objective, also from off-grid ratios).
std::vector<double> improve_ratios(const Scheduler& s,
                                   const std::vector<double>& current,
                                   const std::vector<double>& bandwidth_hz,
                                   const std::vector<double>& power_w)
{
    auto grid_best = s.best_ratios(bandwidth_hz, power_w);
    const SuccessModel model = s.options().objective;
    for (std::size_t i = 0; i < grid_best.size(); ++i) {
        const auto& eta = s.users()[i].eta;
        const double keep = eta(current[i]) * s.success(i, bandwidth_hz[i], power_w[i], current[i], model);
        const double take =
            eta(grid_best[i]) * s.success(i, bandwidth_hz[i], power_w[i], grid_best[i], model);
        if (keep > take)
            grid_best[i] = current[i];
    }
    return grid_best;
}

// Algorithm 4 from one starting allocation: alternate ratios and resources until the objective
// changes by at most outer_tol (relative). The multi-start resource step runs first and again
// whenever the alternation looks converged (steps in between only continue from the previous
// point, which is what they almost always keep): the result is a fixed point of the full step.
// start_resolved: the start's resources already come from a multi-start step (FCR's solution).
Allocation alternate(const Scheduler& s, Allocation a, bool start_resolved)
{
    const Options& opt = s.options();
    double value = a.objective;
    bool multi_start = !start_resolved;
    for (int iteration = 1; iteration <= opt.max_outer; ++iteration) {
        auto ratio = improve_ratios(s, a.ratio, a.bandwidth_hz, a.power_w);
        auto bandwidth = a.bandwidth_hz;
        auto power = a.power_w;
        allocate(s, ratio, a.selected, a.weighted, bandwidth, power, multi_start);
        auto history = std::move(a.history);
        a = s.evaluate(a.algorithm, a.selected, ratio, bandwidth, power, a.weighted);
        a.history = std::move(history);
        a.history.push_back(a.objective);
        a.outer_iterations = iteration;
        const double change = a.objective - value;
        value = a.objective;
        const bool converged = std::abs(change) <= opt.outer_tol * std::max(1.0, std::abs(value));
        if (converged && multi_start)
            break;
        multi_start = converged;
    }
    return a;
}

std::vector<double> equal_share(const std::vector<bool>& selected, double total)
{
    const auto n = std::count(selected.begin(), selected.end(), true);
    std::vector<double> share(selected.size(), 0.0);
    for (std::size_t i = 0; i < selected.size(); ++i)
        if (selected[i])
            share[i] = total / double(n);
    return share;
}

Allocation fra_on(const Scheduler& s, const std::vector<bool>& selected, bool weighted)
{
    const auto bandwidth = equal_share(selected, s.budget().bandwidth_hz);
    const auto power = equal_share(selected, s.budget().power_w);
    return s.evaluate("fra", selected, s.best_ratios(bandwidth, power), bandwidth, power, weighted);
}

Allocation fcr_on(const Scheduler& s, const std::vector<bool>& selected, double ratio, bool weighted)
{
    const std::vector<double> ratios(selected.size(), ratio);
    std::vector<double> bandwidth, power;
    s.allocate_resources(ratios, selected, weighted, bandwidth, power);
    return s.evaluate("fcr", selected, ratios, bandwidth, power, weighted);
}

// CRRA over a set of users (the others hold nothing): best of the alternations started from
// FRA's and FCR(0.8)'s solutions (FRA's start is the equal split), then the optional polish.
Allocation crra_on(const Scheduler& s, const std::vector<bool>& selected, bool weighted)
{
    std::vector<Allocation> ends;
    Allocation starts[] = { fra_on(s, selected, weighted), fcr_on(s, selected, 0.8, weighted) };
    for (int k = 0; k < 2; ++k) {
        starts[k].algorithm = "crra";
        ends.push_back(alternate(s, std::move(starts[k]), k == 1));
    }
    const auto best = std::max_element(ends.begin(), ends.end(), [](const Allocation& a, const Allocation& b) {
        return a.objective < b.objective; // the first of equals
    });
    return s.options().polish ? polish_from_starts(s, *best, ends) : *best;
}

} // namespace

Allocation Scheduler::crra(bool weighted) const
{
    const auto start = Clock::now();
    Allocation a = crra_on(*this, std::vector<bool>(users_.size(), true), weighted);
    a.seconds = seconds_since(start);
    return a;
}

Allocation Scheduler::fcr(double ratio, bool weighted) const
{
    if (!(ratio >= 0.0 && ratio < 1.0))
        throw std::invalid_argument("fcr: the fixed ratio must be in [0, 1) (got " + describe(ratio) + ")");
    const auto start = Clock::now();
    Allocation a = fcr_on(*this, std::vector<bool>(users_.size(), true), ratio, weighted);
    a.seconds = seconds_since(start);
    return a;
}

Allocation Scheduler::fra(bool weighted) const
{
    const auto start = Clock::now();
    Allocation a = fra_on(*this, std::vector<bool>(users_.size(), true), weighted);
    a.seconds = seconds_since(start);
    return a;
}

namespace {

// Σ_i u_i log2(1 + v_i/(κ_i u_i)) = Σ R_i / Bmax with the mean gain δ_i (concave).
double sum_rate(unsigned n2, const double* uv, double* grad, void* data)
{
    const auto* kappa = static_cast<const std::vector<double>*>(data);
    const std::size_t n = n2 / 2;
    double total = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
        const double u = uv[i], v = uv[n + i], snr = v / ((*kappa)[i] * u);
        total += u * std::log2(1.0 + snr);
        if (grad) {
            grad[i] = std::log2(1.0 + snr) - snr / ((1.0 + snr) * ln2);
            grad[n + i] = 1.0 / ((*kappa)[i] * (1.0 + snr) * ln2);
        }
    }
    return total;
}

} // namespace

Allocation Scheduler::msr(bool weighted) const
{
    const auto start = Clock::now();
    const std::vector<bool> all(users_.size(), true);
    const ResourceProblem p = make_problem(*this, std::vector<double>(users_.size(), 0.5), all, weighted);
    const std::size_t n = p.size();
    std::vector<double> uv(2 * n, 1.0 / double(n));
    std::vector<double> kappa = p.kappa;
    nlopt::opt opt(nlopt::LD_SLSQP, unsigned(2 * n));
    std::vector<double> lower(2 * n);
    std::fill(lower.begin(), lower.begin() + long(n), p.u_min);
    std::fill(lower.begin() + long(n), lower.end(), p.v_min);
    opt.set_lower_bounds(lower);
    opt.set_upper_bounds(std::vector<double>(2 * n, 1.0));
    opt.set_max_objective(sum_rate, &kappa);
    BudgetRow bandwidth_row{ 0, n, 1.0 }, power_row{ n, n, 1.0 };
    opt.add_inequality_constraint(budget_constraint, &bandwidth_row, 1e-9);
    opt.add_inequality_constraint(budget_constraint, &power_row, 1e-9);
    opt.set_ftol_rel(0.0);
    opt.set_xtol_rel(1e-10);
    opt.set_maxeval(options_.max_evaluations);
    std::vector<double> x = uv;
    try {
        double ignored = 0.0;
        opt.optimize(x, ignored);
    } catch (const std::runtime_error&) {
    }
    repair(p, x);
    // The sum rate is concave: a failed run can only leave a worse point than the equal split.
    if (sum_rate(unsigned(2 * n), x.data(), nullptr, &kappa) < sum_rate(unsigned(2 * n), uv.data(), nullptr, &kappa))
        x = uv;
    std::vector<double> bandwidth(n), power(n);
    for (std::size_t i = 0; i < n; ++i) {
        bandwidth[i] = x[i] * budget_.bandwidth_hz;
        power[i] = x[n + i] * budget_.power_w;
    }
    Allocation a = evaluate("msr", all, best_ratios(bandwidth, power), bandwidth, power, weighted);
    a.seconds = seconds_since(start);
    return a;
}

// ---- CRRAUS (Algorithm 6, §3.2 and §6.3.5) --------------------------------------------------

namespace {

// Algorithm 6 literally (from a weighted allocation; `paper` starts from weighted CRRA over
// everyone): ratios, selection by the 0-1
// program with the current (B, P) as costs and w_iΦ_i as values, resources; repeat.
Allocation algorithm6_from(const Scheduler& s, Allocation a)
{
    const Budget& b = s.budget();
    for (int iteration = 1; iteration <= s.options().max_outer; ++iteration) {
        const double before = a.objective;
        auto ratio = improve_ratios(s, a.ratio, a.bandwidth_hz, a.power_w);
        Allocation scored = s.evaluate("crraus", a.selected, ratio, a.bandwidth_hz, a.power_w, true);
        std::vector<double> value(s.users().size());
        for (std::size_t i = 0; i < value.size(); ++i)
            value[i] = s.users()[i].weight * scored.phi[i];
        // The allocation meets the budgets up to rounding (Σ B_i may read Bmax(1 + 1e-16)).
        auto selected = select_knapsack(value, a.bandwidth_hz, b.bandwidth_hz * (1 + 1e-9), a.power_w,
                                         b.power_w * (1 + 1e-9));
        if (std::none_of(selected.begin(), selected.end(), [](bool v) { return v; }))
            selected = a.selected; // nothing has value: keep the set
        auto bandwidth = a.bandwidth_hz, power = a.power_w;
        for (std::size_t i = 0; i < selected.size(); ++i)
            if (!selected[i])
                bandwidth[i] = power[i] = 0.0; // the freed resources go back to the pool
        allocate(s, ratio, selected, true, bandwidth, power, true);
        Allocation next = s.evaluate("crraus", selected, ratio, bandwidth, power, true);
        if (!(next.objective >= a.objective))
            break; // a step that loses (it cannot, barring rounding) ends the iteration
        next.history = std::move(a.history);
        next.history.push_back(next.objective);
        next.outer_iterations = a.outer_iterations + 1;
        a = std::move(next);
        if (a.objective - before <= s.options().outer_tol * std::max(1.0, a.objective))
            break;
    }
    return a;
}

Allocation crraus_paper(const Scheduler& s)
{
    return algorithm6_from(s, crra_on(s, std::vector<bool>(s.users().size(), true), true));
}

// Demand-priced selection (ours, §6.3.5): price user i by the smallest multiple t_i of the fair
// share (Bmax/U, Pmax/U) that lifts its success to g*; with u = v = t/U, x = κ(2^{ρU/t} - 1), so
// t = ρU / log2(1 + x*/κ) in closed form. The ratio maximises w η(o) / t(o); the 0-1 program keeps
// the users worth most per share; weighted CRRA on that set; keep the best set.
Allocation crraus_demand(const Scheduler& s)
{
    const auto& users = s.users();
    const std::size_t count = users.size();
    const Budget& b = s.budget();
    const double u_min = b.min_bandwidth_hz / b.bandwidth_hz, v_min = b.min_power_w / b.power_w;
    const auto grid = ratio_grid(s.options().ratio_step);
    Allocation best = crra_on(s, std::vector<bool>(count, true), true);
    std::vector<double> history{ best.objective };
    std::vector<std::vector<bool>> tried{ best.selected };
    for (double level : { 0.5, 0.7, 0.9 }) {
        const double x_star = success_threshold(level, s.options().objective);
        std::vector<double> value(count), share(count);
        for (std::size_t i = 0; i < count; ++i) {
            const User& user = users[i];
            const double kappa = b.noise_psd_w_per_hz * b.bandwidth_hz / (user.gain * b.power_w);
            const double bits_per_share = std::log2(1.0 + x_star / kappa);
            double best_score = -1.0;
            for (double o : grid) {
                const double rho = user.data_bits * (1.0 - o) / (user.delay_s * b.bandwidth_hz);
                const double t = std::max({ rho * double(count) / bits_per_share,
                                            double(count) * u_min, double(count) * v_min });
                const double score = user.weight * user.eta(o) / t;
                if (score >= best_score) {
                    best_score = score;
                    value[i] = user.weight * user.eta(o) * level;
                    share[i] = t / double(count); // fraction of each budget
                }
            }
        }
        auto selected = select_knapsack(value, share, 1.0, share, 1.0);
        if (std::none_of(selected.begin(), selected.end(), [](bool v) { return v; }) ||
            std::find(tried.begin(), tried.end(), selected) != tried.end())
            continue;
        tried.push_back(selected);
        Allocation candidate = crra_on(s, selected, true);
        if (candidate.objective > best.objective) {
            best = std::move(candidate);
            history.push_back(best.objective);
        }
    }
    // Drop-one descent (ours): the priced sets miss cases where serving fewer users frees enough
    // minima and concentration. Screen every drop by one resource step from the current point
    // with that user's resources returned to the pool, run weighted CRRA on the most promising
    // set, keep it if it is better; repeat until a round does not improve.
    for (std::size_t round = 1; round < count; ++round) {
        double screened_best = -inf;
        std::vector<bool> screened_set;
        for (std::size_t drop = 0; drop < count; ++drop) {
            if (!best.selected[drop])
                continue;
            auto selected = best.selected;
            selected[drop] = false;
            if (std::none_of(selected.begin(), selected.end(), [](bool v) { return v; }) ||
                std::find(tried.begin(), tried.end(), selected) != tried.end())
                continue;
            auto bandwidth = best.bandwidth_hz, power = best.power_w;
            bandwidth[drop] = power[drop] = 0.0;
            allocate(s, best.ratio, selected, true, bandwidth, power, false);
            const double value =
                s.evaluate("crraus", selected, best.ratio, bandwidth, power, true).objective;
            if (value > screened_best) {
                screened_best = value;
                screened_set = selected;
            }
        }
        if (screened_set.empty())
            break;
        tried.push_back(screened_set);
        Allocation candidate = crra_on(s, screened_set, true);
        if (!(candidate.objective > best.objective))
            break;
        best = std::move(candidate);
        history.push_back(best.objective);
    }
    // Last, Algorithm 6's own steps from the best set: they drop users worth nothing and run the
    // full resource step again (never lower).
    best = algorithm6_from(s, std::move(best));
    history.push_back(best.objective);
    best.history = std::move(history);
    return best;
}

Allocation crraus_exact(const Scheduler& s)
{
    const std::size_t count = s.users().size();
    if (count > 16)
        throw std::invalid_argument("crraus: exact selection enumerates subsets, at most 16 users (got " +
                                    std::to_string(count) + ")");
    Allocation best;
    bool have = false;
    for (unsigned long mask = 1; mask < (1ul << count); ++mask) {
        std::vector<bool> selected(count);
        for (std::size_t i = 0; i < count; ++i)
            selected[i] = (mask >> i) & 1ul;
        Allocation candidate = crra_on(s, selected, true);
        if (!have || candidate.objective > best.objective) {
            best = std::move(candidate);
            have = true;
        }
    }
    return best;
}

} // namespace

Allocation Scheduler::crraus() const
{
    const auto start = Clock::now();
    Allocation a = options_.selection == Selection::paper    ? crraus_paper(*this)
                   : options_.selection == Selection::exact ? crraus_exact(*this)
                                                            : crraus_demand(*this);
    a.algorithm = "crraus";
    a.seconds = seconds_since(start);
    return a;
}

// ---- the 0-1 program -------------------------------------------------------------------------

std::vector<bool> select_knapsack(const std::vector<double>& value,
                                  const std::vector<double>& cost_a,
                                  double cap_a,
                                  const std::vector<double>& cost_b,
                                  double cap_b)
{
    const std::size_t n = value.size();
    if (cost_a.size() != n || cost_b.size() != n)
        throw std::invalid_argument("select_knapsack: value and both costs need one entry per item");
    if (!std::isfinite(cap_a) || !std::isfinite(cap_b) || cap_a < 0.0 || cap_b < 0.0)
        throw std::invalid_argument("select_knapsack: capacities must be finite and >= 0");
    for (std::size_t i = 0; i < n; ++i)
        if (!std::isfinite(value[i]) || !std::isfinite(cost_a[i]) || !std::isfinite(cost_b[i]) ||
            cost_a[i] < 0.0 || cost_b[i] < 0.0)
            throw std::invalid_argument("select_knapsack: item " + std::to_string(i) +
                                        ": values must be finite, costs finite and >= 0");
    // Items worth nothing or that never fit stay out; free items with value are always in.
    std::vector<bool> pick(n, false);
    std::vector<std::size_t> items;
    for (std::size_t i = 0; i < n; ++i) {
        if (value[i] <= 0.0 || cost_a[i] > cap_a || cost_b[i] > cap_b)
            continue;
        if (cost_a[i] == 0.0 && cost_b[i] == 0.0)
            pick[i] = true;
        else
            items.push_back(i);
    }
    if (items.empty())
        return pick;
    {
        std::lock_guard<std::mutex> lock(glpk_mutex); // GLPK is not re-entrant
        std::vector<bool> trial = pick;
        double slack_a = cap_a, slack_b = cap_b;
        // GLPK accepts rows violated within its tolerance (~1e-7 relative); shrink the caps by the
        // excess and solve again in that rare case, so the answer is feasible in exact arithmetic.
        for (int attempt = 0; attempt < 8; ++attempt) {
            trial = pick;
            if (!glpk_knapsack(items, value, cost_a, slack_a, cost_b, slack_b, trial))
                throw std::runtime_error("select_knapsack: GLPK found no optimal 0-1 solution");
            double used_a = 0.0, used_b = 0.0;
            for (std::size_t i : items)
                if (trial[i]) {
                    used_a += cost_a[i];
                    used_b += cost_b[i];
                }
            if (used_a <= cap_a && used_b <= cap_b)
                break;
            slack_a -= std::max(0.0, used_a - cap_a) + 1e-12 * cap_a;
            slack_b -= std::max(0.0, used_b - cap_b) + 1e-12 * cap_b;
            trial = pick;
            if (slack_a < 0.0 || slack_b < 0.0)
                break;
        }
        pick = trial;
    }
    // GLPK prunes within its objective tolerance: add any item that still fits.
    for (std::size_t i : items) {
        if (pick[i])
            continue;
        pick[i] = true;
        if (!knapsack_fits(cost_a, cap_a, pick) || !knapsack_fits(cost_b, cap_b, pick))
            pick[i] = false;
    }
    return pick;
}

} // namespace semcom::alloc
