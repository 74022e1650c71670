/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_ALLOCATION_H
#define SEMCOM_ALLOCATION_H

#include <array>
#include <cstddef>
#include <string>
#include <vector>

/*!
 * \brief The CRRA / CRRAUS scheduler of "Adaptable Semantic Compression and Resource Allocation
 * for Task-Oriented Communications" (Liu et al.), as reconstructed in
 * ../shared/papers/asc-crra-digest.md (§3, §6.3): per user a compression ratio o, a bandwidth B and
 * a power P (FDMA, totals bounded) and, with service levels, which users to serve, maximising the
 * weighted task success  Φ = Σ β_i w_i η(o_i) P(t_i ≤ t0).
 *
 * Success of transmission (Lemma 1): the user's d(1-o) bits must go in t0 over B log2(1 + |h| P /
 * (N0 B)) with |h| half-normal of scale δ (the user's gain):  P = 2Q(x),
 * x = N0 B (2^{d(1-o)/(B t0)} - 1) / (δ P).  The optimiser maximises the paper's bound e^{-x²/2}
 * (eq. 20); every allocation reports both, and a Rayleigh variant.
 *
 * Inside the solver Hz and W are normalised away (u = B/Bmax, v = P/Pmax).
 */
namespace semcom::alloc {

/*!
 * η(o) = clamp(ζ1 e^{ζ2 o} + ζ3 e^{ζ4 o}, 0, 1): task success given delivery at ratio o (the
 * paper's fit); or, when \p points is not empty, linear between measured points (o, η) — the
 * accuracy a model actually reaches at each ratio, which the fit only approximates.
 */
struct EtaModel {
    EtaModel() = default;
    //! The paper's fit ζ1 .. ζ4.
    explicit EtaModel(const std::array<double, 4>& fit) : zeta(fit) {}

    std::array<double, 4> zeta{ 0.0, 0.0, 1.0, 0.0 };
    std::vector<std::array<double, 2>> points; //!< (o, η), o increasing from 0 to 1; empty: the fit

    double operator()(double ratio) const;
    //! d/do of the unclamped form (0 where the clamp is active); the segment's slope for points.
    double derivative(double ratio) const;
    //! Throws std::invalid_argument when a ζ is not finite or η(0) is not in [0, 1]; for points,
    //! unless there are >= 2, o strictly increasing from 0 to 1 and every η in [0, 1].
    void validate() const;
};

enum class SuccessModel {
    exponential, //!< e^{-x²/2}: the paper's eq. (20), what CRRA maximises by default (an upper bound)
    q,           //!< 2Q(x): the paper's eq. (8), exact for a half-normal gain
    rayleigh,    //!< e^{-θ/δ} with θ = x·δ: |h|² exponential of mean δ (ours)
};
const char* success_model_name(SuccessModel model);
//! "exponential" | "q" | "rayleigh"; std::invalid_argument otherwise.
SuccessModel parse_success_model(const std::string& name);


struct User {
    std::string name;
    double gain = 1.0;         //!< δ_i, the linear scale of the channel power gain (> 0)
    double weight = 1.0;       //!< w_i = ε of its service level (> 0)
    double data_bits = 200704; //!< d0: bits of the uncompressed semantics
    double delay_s = 0.01;     //!< t0
    EtaModel eta;
    int features = 0;          //!< K, for reporting kept features (0: not known)
};

struct Budget {
    double bandwidth_hz = 20e6;
    double min_bandwidth_hz = 1e4;
    double power_w = 1.0;
    double min_power_w = 1e-5;
    double noise_psd_w_per_hz = 3.981071705534972e-21; //!< -174 dBm/Hz
};

enum class ResourceMethod {
    direct, //!< SLSQP on (u, v) with analytic gradients, multi-start (default)
    sca,    //!< the paper's Algorithm 3 with the corrected bound (31')
};
enum class Selection {
    demand, //!< users priced by their resource demand, GLPK 0-1 program, weighted CRRA on the set (default)
    paper,  //!< Algorithm 6 literally (selects every user when the allocation is feasible)
    exact,  //!< every subset (U <= 16): the test oracle
};

struct Options {
    double ratio_step = 0.01;   //!< Algorithm 2's grid: step, step*2, ..., 1 - step
    int max_outer = 50;         //!< CRRA alternations
    double outer_tol = 1e-7;    //!< relative change of the objective that ends CRRA
    ResourceMethod resource = ResourceMethod::direct;
    Selection selection = Selection::demand;
    SuccessModel objective = SuccessModel::exponential; //!< the model the optimiser maximises
    bool polish = false;        //!< one joint SLSQP over (B, P, o) from the CRRA point
    int max_evaluations = 20000;
    int max_sca = 500;
    double sca_tol = 1e-9;
    double active_x = 4.0;      //!< SCA: users with x above this at the start are held at the minimum
};

//! One allocation and everything derived from it, per user (vectors of length U).
struct Allocation {
    std::string algorithm;         //!< "crra", "crraus", "fcr", "fra", "msr"
    std::vector<bool> selected;
    std::vector<double> ratio;     //!< o_i
    std::vector<double> bandwidth_hz;
    std::vector<double> power_w;   //!< 0 for users not selected (also bandwidth)
    std::vector<double> x;
    std::vector<double> success_exponential, success_q, success_rayleigh;
    std::vector<double> eta;       //!< η(o_i)
    std::vector<double> phi;       //!< η(o_i) · success by Options::objective (0 if not selected)
    double objective = 0.0;        //!< Σ β_i w_i φ_i when weighted, Σ β_i φ_i otherwise
    bool weighted = false;
    int outer_iterations = 0;
    std::vector<double> history;   //!< objective after each alternation (non-decreasing)
    double seconds = 0.0;          //!< wall time of the solve

    //! Σ_i φ_i·(w_i if weighted): for comparing algorithms under one scoring.
    double total(const std::vector<User>& users, bool with_weights) const;
    //! The same with 2Q(x) in place of the optimiser's model.
    double total_q(const std::vector<User>& users, bool with_weights) const;
};

/*!
 * \brief The scheduler over one set of users and budgets.
 *
 * The constructor validates (std::invalid_argument with one line naming the problem): at least one
 * user; U·Bmin ≤ Bmax and U·Pmin ≤ Pmax; every gain, weight, data size and delay finite and > 0;
 * every η valid; N0 > 0. All solves are const and deterministic.
 */
class Scheduler
{
public:
    Scheduler(Budget budget, std::vector<User> users, Options options = {});

    const Budget& budget() const { return budget_; }
    const std::vector<User>& users() const { return users_; }
    const Options& options() const { return options_; }

    //! Algorithm 4: alternate best ratios and resources from several starts (incl. FCR's and FRA's
    //! solutions, so crra() >= fcr() and >= fra() by construction). weighted: w_i in the objective.
    Allocation crra(bool weighted = false) const;
    //! Algorithm 6 with Options::selection.
    Allocation crraus() const;
    //! Fixed ratio for every user, resources optimised.
    Allocation fcr(double ratio = 0.8, bool weighted = false) const;
    //! Equal split of bandwidth and power, ratios by Algorithm 2.
    Allocation fra(bool weighted = false) const;
    //! Maximum sum rate Σ B log2(1 + δ P / (N0 B)) for resources, then ratios by Algorithm 2.
    Allocation msr(bool weighted = false) const;

    // --- building blocks (public for the tests) -----------------------------------------------
    //! x_i of Lemma 1.
    double x(std::size_t user, double bandwidth_hz, double power_w, double ratio) const;
    double success(std::size_t user, double bandwidth_hz, double power_w, double ratio,
                   SuccessModel model) const;
    //! Algorithm 2: per user the o on the grid maximising η(o)·success (ties to the larger o).
    std::vector<double> best_ratios(const std::vector<double>& bandwidth_hz,
                                    const std::vector<double>& power_w) const;
    //! Algorithm 3 (Options::resource): best (B, P) for fixed ratios over the selected users,
    //! multi-start. bandwidth_hz/power_w: in, the previous point (empty: none); out, the result,
    //! never worse than the previous point. Users not selected get 0.
    void allocate_resources(const std::vector<double>& ratio,
                            const std::vector<bool>& selected,
                            bool weighted,
                            std::vector<double>& bandwidth_hz,
                            std::vector<double>& power_w) const;
    //! Fills every derived field of an allocation from selected/ratio/bandwidth/power.
    Allocation evaluate(std::string algorithm,
                        std::vector<bool> selected,
                        std::vector<double> ratio,
                        std::vector<double> bandwidth_hz,
                        std::vector<double> power_w,
                        bool weighted) const;

private:
    Budget budget_;
    std::vector<User> users_;
    Options options_;
};

/*!
 * \brief The 0-1 program of CRRAUS's selection, by GLPK: max Σ value_i β_i subject to
 * Σ cost_a_i β_i ≤ cap_a and Σ cost_b_i β_i ≤ cap_b. Values and costs must be finite, costs ≥ 0.
 * GLPK is not re-entrant: calls are serialised by a mutex.
 */
std::vector<bool> select_knapsack(const std::vector<double>& value,
                                  const std::vector<double>& cost_a,
                                  double cap_a,
                                  const std::vector<double>& cost_b,
                                  double cap_b);

} // namespace semcom::alloc

#endif // SEMCOM_ALLOCATION_H
