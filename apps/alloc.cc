/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom alloc: a users file -> semcom::alloc::Scheduler (lib/, CRRA / CRRAUS and the baselines) ->
 * the allocation table, JSON, sweeps for the paper's figures, and optionally the multi-user run
 * that checks the scheduler's predictions (alloc_run.cc).
 */
#include "alloc.h"
#include "alloc_scenario.h"
#include "run.h"

#include <semcom/allocation.h>
#include <semcom/asc.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace semcom::apps {

namespace {

const std::vector<std::string> kAlgorithms{ "crra", "crra-weighted", "crraus", "fcr", "fra", "msr" };

} // namespace

void add_alloc_command(CLI::App& app, AllocOptions& o)
{
    auto* cmd = app.add_subcommand(
        "alloc", "CRRA / CRRAUS resource allocation (ASC paper): per user a compression ratio, bandwidth, power and "
                 "selection maximising the task success; tables, sweeps, and a run that checks the prediction");
    cmd->add_option("--config", o.config, "Users, budgets and η as JSON (docs/allocation.md; examples/alloc_*.json)")
        ->required()->check(CLI::ExistingFile);
    cmd->add_option("--algorithm", o.algorithm, "crra, crra-weighted, crraus, fcr, fra, msr, a comma list of them, or all")
        ->capture_default_str();
    cmd->add_option("--fcr-ratio", o.fcr_ratio, "FCR's fixed compression ratio")->check(CLI::Range(0.0, 1.0))->capture_default_str();
    cmd->add_option("--resources", o.resources, "Bandwidth/power step: direct (SLSQP) or sca (the paper's Algorithm 3, "
                                                "corrected bound)")->check(CLI::IsMember({ "direct", "sca" }))->capture_default_str();
    cmd->add_option("--selection", o.selection, "CRRAUS user selection: demand, paper (Algorithm 6 as printed) or exact "
                                                "(every subset, <= 16 users)")->check(CLI::IsMember({ "demand", "paper", "exact" }))->capture_default_str();
    cmd->add_option("--success", o.success, "Success model the optimiser maximises: exponential (paper eq. 20), q (2Q, eq. 8) "
                                            "or rayleigh")->check(CLI::IsMember({ "exponential", "q", "rayleigh" }))->capture_default_str();
    cmd->add_flag("--polish", o.polish, "One joint (B, P, o) solve from the CRRA point");
    cmd->add_option("--ratio-step", o.ratio_step, "Algorithm 2's grid step (default 1/K with the models' K, else 0.01)")
        ->check(CLI::Range(1e-4, 0.5));
    cmd->add_option("--json", o.json, "Write the allocation(s) as JSON (the input of --simulate runs and plots)");
    cmd->add_option("--sweep", o.sweep, "bandwidth|power|users|ratio=START:STOP:STEP (or :xN for N log-spaced points): "
                                        "average success per algorithm over --drops user drops, as CSV");
    cmd->add_option("--curves", o.curves, "With --sweep: one curve per value, e.g. power=1e-3,1 (bandwidth, power, users)");
    cmd->add_option("--csv", o.csv, "--sweep: write the CSV here (default: standard output)");
    cmd->add_option("--drops", o.drops, "--sweep: user drops per point (default 5 with a cell, 1 with listed users)")
        ->check(CLI::Range(1, 10000));
    cmd->add_option("--seed", o.seed, "First drop's seed (default: the config's cell.seed)");
    cmd->add_option("--threads", o.threads, "--sweep workers (default: the cores)")->check(CLI::Range(0, 256));
    cmd->add_option("--simulate", o.simulate, "Then send this many frames per user through the ASC models with the "
                                              "allocation and compare each user's measured success with the prediction")
        ->check(CLI::Range(0, 1000000));
    cmd->add_option("--images", o.images, "--simulate: IDX test images")->capture_default_str();
    cmd->add_option("--labels", o.labels, "--simulate: IDX test labels")->capture_default_str();
    cmd->add_option("--device", o.device, "--simulate: cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_flag("--quiet", o.quiet, "No progress output");
}

namespace {

alloc::Options solver_options(const AllocOptions& o, const Scenario& s)
{
    alloc::Options opt;
    opt.resource = o.resources == "sca" ? alloc::ResourceMethod::sca : alloc::ResourceMethod::direct;
    opt.selection = o.selection == "paper" ? alloc::Selection::paper
                    : o.selection == "exact" ? alloc::Selection::exact
                                             : alloc::Selection::demand;
    opt.objective = alloc::parse_success_model(o.success);
    opt.polish = o.polish;
    opt.ratio_step = o.ratio_step > 0 ? o.ratio_step : s.features > 0 ? 1.0 / s.features : 0.01;
    return opt;
}

alloc::Allocation solve(const alloc::Scheduler& scheduler, const std::string& algorithm, double fcr_ratio)
{
    if (algorithm == "crra")
        return scheduler.crra(false);
    if (algorithm == "crra-weighted") {
        auto a = scheduler.crra(true);
        a.algorithm = "crra-weighted";
        return a;
    }
    if (algorithm == "crraus")
        return scheduler.crraus();
    if (algorithm == "fcr")
        return scheduler.fcr(fcr_ratio);
    if (algorithm == "fra")
        return scheduler.fra();
    if (algorithm == "msr")
        return scheduler.msr();
    throw std::invalid_argument("--algorithm: unknown '" + algorithm + "'");
}

std::vector<std::string> algorithms_of(const AllocOptions& o)
{
    if (o.algorithm == "all")
        return kAlgorithms;
    const auto names = split_list(o.algorithm);
    for (const auto& name : names)
        if (std::find(kAlgorithms.begin(), kAlgorithms.end(), name) == kAlgorithms.end())
            throw std::invalid_argument("--algorithm: unknown '" + name + "' (crra, crra-weighted, crraus, fcr, fra, msr, all)");
    if (names.empty())
        throw std::invalid_argument("--algorithm: empty");
    return names;
}

//! The four ways of scoring one allocation: total success by the optimiser's model and by 2Q, with
//! and without the service-level weights.
struct Score {
    double total, total_q, weighted, weighted_q;
};

Score score(const alloc::Allocation& a, const std::vector<alloc::User>& users)
{
    return { a.total(users, false), a.total_q(users, false), a.total(users, true), a.total_q(users, true) };
}

void print_allocation(const alloc::Allocation& a, const alloc::Scheduler& scheduler)
{
    const auto& users = scheduler.users();
    const Score sc = score(a, users);
    std::printf("\n%s: total success %.4f (2Q: %.4f), average %.4f, weighted %.4f; %d alternations, %.1f ms\n",
                a.algorithm.c_str(), sc.total, sc.total_q, sc.total / users.size(), sc.weighted, a.outer_iterations,
                a.seconds * 1e3);
    std::printf("%-10s %6s %8s %3s %6s %5s %10s %10s %8s %8s %8s %8s %6s %6s\n", "user", "weight", "gain dB", "sel",
                "o", "kept", "B (MHz)", "P (mW)", "bit/Hz", "x", "P(succ)", "2Q(x)", "eta", "phi");
    for (std::size_t i = 0; i < users.size(); ++i) {
        const auto& u = users[i];
        const double needed = a.selected[i] && a.bandwidth_hz[i] > 0
                                  ? u.data_bits * (1 - a.ratio[i]) / (a.bandwidth_hz[i] * u.delay_s)
                                  : std::nan("");
        const std::string kept = u.features > 0 && a.selected[i]
                                     ? std::to_string(u.features - int(asc::dropped_features(a.ratio[i], u.features)))
                                     : std::string("-");
        const double p_model = a.phi[i] > 0 && a.eta[i] > 0 ? a.phi[i] / a.eta[i] : 0.0;
        if (!a.selected[i]) { // not served: no ratio, resources or success to speak of
            std::printf("%-10s %6.2f %8.1f %3s %6s %5s %10s %10s %8s %8s %8s %8s %6s %6.3f\n", u.name.c_str(), u.weight,
                        10 * std::log10(u.gain), "no", "-", "-", "-", "-", "-", "-", "-", "-", "-", 0.0);
            continue;
        }
        std::printf("%-10s %6.2f %8.1f %3s %6.3f %5s %10.4f %10.4f %8.3f %8.3f %8.4f %8.4f %6.3f %6.3f\n",
                    u.name.c_str(), u.weight, 10 * std::log10(u.gain), a.selected[i] ? "yes" : "no", a.ratio[i],
                    kept.c_str(), a.bandwidth_hz[i] / 1e6, a.power_w[i] * 1e3, needed, a.x[i], p_model,
                    a.success_q[i], a.eta[i], a.phi[i]);
    }
}

nlohmann::json allocation_json(const alloc::Allocation& a, const std::vector<alloc::User>& users)
{
    const Score sc = score(a, users);
    nlohmann::json per_user = nlohmann::json::array();
    for (std::size_t i = 0; i < users.size(); ++i)
        per_user.push_back({ { "name", users[i].name },
                             { "selected", bool(a.selected[i]) },
                             { "ratio", a.ratio[i] },
                             { "kept_features", users[i].features > 0 && a.selected[i]
                                                    ? nlohmann::json(users[i].features - int(asc::dropped_features(a.ratio[i], users[i].features)))
                                                    : nlohmann::json() },
                             { "bandwidth_hz", a.bandwidth_hz[i] },
                             { "power_w", a.power_w[i] },
                             { "x", a.x[i] },
                             { "success_exponential", a.success_exponential[i] },
                             { "success_q", a.success_q[i] },
                             { "success_rayleigh", a.success_rayleigh[i] },
                             { "eta", a.eta[i] },
                             { "phi", a.phi[i] } });
    return { { "algorithm", a.algorithm },
             { "weighted", a.weighted },
             { "objective", a.objective },
             { "total", sc.total },
             { "total_q", sc.total_q },
             { "weighted_total", sc.weighted },
             { "weighted_total_q", sc.weighted_q },
             { "outer_iterations", a.outer_iterations },
             { "history", a.history },
             { "seconds", a.seconds },
             { "users", per_user } };
}

// --- sweeps ----------------------------------------------------------------------------------

struct SweepAxis {
    std::string name;
    std::vector<double> values;
};

SweepAxis parse_sweep(const std::string& text, bool curves)
{
    const auto eq = text.find('=');
    const std::string what = curves ? "--curves" : "--sweep";
    if (eq == std::string::npos)
        throw std::invalid_argument(what + " '" + text + "': expected NAME=...");
    SweepAxis axis{ text.substr(0, eq), {} };
    const std::vector<std::string> names = curves ? std::vector<std::string>{ "bandwidth", "power", "users" }
                                                  : std::vector<std::string>{ "bandwidth", "power", "users", "ratio" };
    if (std::find(names.begin(), names.end(), axis.name) == names.end())
        throw std::invalid_argument(what + ": unknown quantity '" + axis.name + "' (bandwidth, power, users" +
                                    (curves ? ")" : ", ratio)"));
    const std::string spec = text.substr(eq + 1);
    auto number = [&](const std::string& t) {
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(t, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != t.size() || !std::isfinite(v) || v < 0)
            throw std::invalid_argument(what + ": '" + t + "' is not a non-negative number");
        return v;
    };
    if (curves) {
        for (const auto& t : split_list(spec))
            axis.values.push_back(number(t));
    } else {
        const auto parts = split_list(spec, ':');
        if (parts.size() != 3)
            throw std::invalid_argument(what + " '" + text + "': expected NAME=START:STOP:STEP or NAME=START:STOP:xN");
        const double start = number(parts[0]), stop = number(parts[1]);
        if (stop < start)
            throw std::invalid_argument(what + ": STOP below START");
        if (!parts[2].empty() && parts[2][0] == 'x') {
            const double n = number(parts[2].substr(1));
            if (n < 2 || n > 1000 || n != std::floor(n) || start <= 0)
                throw std::invalid_argument(what + ": xN needs an integer N in 2..1000 and START > 0");
            for (int i = 0; i < int(n); ++i)
                axis.values.push_back(start * std::pow(stop / start, i / (n - 1)));
        } else {
            const double step = number(parts[2]);
            if (step <= 0 || (stop - start) / step > 10000)
                throw std::invalid_argument(what + ": STEP must be > 0 and give at most 10000 points");
            // by index: `v += step` never passes STOP when the step is below START's precision
            // (1e20:1e20:1 looped for ever, growing the list)
            const long n = long(std::floor((stop - start) / step * (1 + 1e-12) + 1e-9)) + 1;
            for (long i = 0; i < n; ++i)
                axis.values.push_back(start + double(i) * step);
        }
    }
    if (axis.values.empty())
        throw std::invalid_argument(what + ": no values");
    if (axis.name == "ratio")
        for (double v : axis.values)
            if (v >= 1.0)
                throw std::invalid_argument(what + ": ratios must be below 1");
    if (axis.name == "users")
        for (double v : axis.values)
            if (v < 1 || v != std::floor(v))
                throw std::invalid_argument(what + ": users must be whole numbers >= 1");
    return axis;
}

void apply(Scenario& s, const std::string& name, double value)
{
    if (name == "bandwidth")
        s.budget.bandwidth_hz = value;
    else if (name == "power")
        s.budget.power_w = value;
    else if (name == "users")
        s.cell_users = static_cast<std::size_t>(value);
}

int run_sweep(const AllocOptions& o, const Scenario& base)
{
    const SweepAxis axis = parse_sweep(o.sweep, false);
    const SweepAxis curves = o.curves.empty() ? SweepAxis{ "", { std::nan("") } } : parse_sweep(o.curves, true);
    if (axis.name == "users" && !base.cell)
        throw std::invalid_argument("--sweep users needs a `cell` in the config (users are dropped in it)");
    const int drops = o.drops > 0 ? o.drops : base.cell ? 5 : 1;
    const std::uint64_t seed = o.seed ? o.seed : base.cell_seed;
    // a ratio sweep is FCR at each ratio (the paper's Figs. 4-5); otherwise the chosen algorithms
    const auto algorithms = axis.name == "ratio" ? std::vector<std::string>{ "fcr" } : algorithms_of(o);

    struct Task {
        std::size_t curve, point;
        int drop;
    };
    std::vector<Task> tasks;
    for (std::size_t c = 0; c < curves.values.size(); ++c)
        for (std::size_t p = 0; p < axis.values.size(); ++p)
            for (int d = 0; d < drops; ++d)
                tasks.push_back({ c, p, d });
    // results[task][algorithm]
    std::vector<std::vector<Score>> results(tasks.size(), std::vector<Score>(algorithms.size()));
    std::vector<std::vector<double>> seconds(tasks.size(), std::vector<double>(algorithms.size()));
    std::vector<std::size_t> user_count(tasks.size());
    std::atomic<std::size_t> next{ 0 }, finished{ 0 };
    std::mutex error_mutex;
    std::string error;
    auto worker = [&] {
        for (std::size_t t; (t = next++) < tasks.size();) {
            try {
                Scenario s = base;
                if (!std::isnan(curves.values[tasks[t].curve]))
                    apply(s, curves.name, curves.values[tasks[t].curve]);
                double ratio = o.fcr_ratio;
                if (axis.name == "ratio")
                    ratio = axis.values[tasks[t].point];
                else
                    apply(s, axis.name, axis.values[tasks[t].point]);
                const auto users = users_of_drop(s, seed + tasks[t].drop);
                user_count[t] = users.size();
                alloc::Scheduler scheduler(s.budget, users, solver_options(o, s));
                for (std::size_t a = 0; a < algorithms.size(); ++a) {
                    const auto result = solve(scheduler, algorithms[a], ratio);
                    results[t][a] = score(result, users);
                    seconds[t][a] = result.seconds;
                }
            } catch (const std::exception& e) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (error.empty())
                    error = e.what();
                next = tasks.size();
            }
            const std::size_t done = ++finished;
            if (!o.quiet && (done % 10 == 0 || done == tasks.size()))
                std::fprintf(stderr, "\r  %zu of %zu (point, drop) solved", done, tasks.size());
        }
    };
    const int threads = o.threads > 0 ? o.threads : std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i)
        pool.emplace_back(worker);
    for (auto& t : pool)
        t.join();
    if (!o.quiet)
        std::fprintf(stderr, "\n");
    if (!error.empty())
        throw std::runtime_error(error);

    std::ofstream file;
    if (!o.csv.empty()) {
        file.open(o.csv);
        if (!file)
            throw std::runtime_error("--csv: cannot write " + o.csv);
    }
    std::ostream& out = o.csv.empty() ? std::cout : file;
    out << "sweep,value,curve,curve_value,algorithm,users,drops,average,average_std,average_q,weighted,weighted_std,"
           "weighted_q,total,seconds\n";
    for (std::size_t c = 0; c < curves.values.size(); ++c)
        for (std::size_t p = 0; p < axis.values.size(); ++p)
            for (std::size_t a = 0; a < algorithms.size(); ++a) {
                std::vector<double> average, average_q, weighted, weighted_q, total, time;
                double users = 0;
                for (std::size_t t = 0; t < tasks.size(); ++t)
                    if (tasks[t].curve == c && tasks[t].point == p) {
                        const auto& r = results[t][a];
                        const double u = double(user_count[t]);
                        users = u;
                        average.push_back(r.total / u);
                        average_q.push_back(r.total_q / u);
                        weighted.push_back(r.weighted / u);
                        weighted_q.push_back(r.weighted_q / u);
                        total.push_back(r.total);
                        time.push_back(seconds[t][a]);
                    }
                auto mean = [](const std::vector<double>& v) {
                    double m = 0;
                    for (double x : v)
                        m += x / v.size();
                    return m;
                };
                auto sd = [&](const std::vector<double>& v) {
                    if (v.size() < 2)
                        return 0.0;
                    const double m = mean(v);
                    double s2 = 0;
                    for (double x : v)
                        s2 += (x - m) * (x - m) / (v.size() - 1);
                    return std::sqrt(s2);
                };
                char line[512];
                std::snprintf(line, sizeof line, "%s,%.9g,%s,%s,%s,%g,%d,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f,%.6f\n",
                              axis.name.c_str(), axis.values[p], curves.name.c_str(),
                              std::isnan(curves.values[c]) ? "" : std::to_string(curves.values[c]).c_str(),
                              axis.name == "ratio" ? "fcr" : algorithms[a].c_str(), users, drops, mean(average),
                              sd(average), mean(average_q), mean(weighted), sd(weighted), mean(weighted_q), mean(total),
                              mean(time));
                out << line;
            }
    if (!o.csv.empty() && !o.quiet)
        std::fprintf(stderr, "wrote %s (%zu points x %d drops x %zu algorithms)\n", o.csv.c_str(),
                     axis.values.size() * curves.values.size(), drops, algorithms.size());
    return 0;
}

} // namespace

#ifndef SEMCOM_HAVE_ALLOC_RUN
nlohmann::json run_allocation(const AllocOptions&, const Scenario&, const alloc::Scheduler&, const alloc::Allocation&)
{
    throw std::runtime_error("--simulate: this semcom was built without LibTorch and GNU Radio (scripts/setup.sh build)");
}
#endif

int run_alloc(const AllocOptions& o)
{
    const Scenario scenario = load_scenario(o.config);
    const auto algorithms = algorithms_of(o); // a bad name fails here, before any solve
    if (o.simulate > 0 && scenario.models.empty())
        throw std::invalid_argument("--simulate needs the users' η from an ASC manifest (eta.manifest), whose models it runs");
    if (!o.curves.empty() && o.sweep.empty())
        throw std::invalid_argument("--curves needs --sweep");
    if (!o.sweep.empty()) {
        if (o.simulate > 0)
            throw std::invalid_argument("--simulate runs one allocation, not a --sweep");
        return run_sweep(o, scenario);
    }
    const auto users = users_of_drop(scenario, o.seed ? o.seed : scenario.cell_seed);
    const alloc::Scheduler scheduler(scenario.budget, users, solver_options(o, scenario));
    std::printf("%zu users, bandwidth %.4g MHz (min %.4g kHz each), power %.4g mW (min %.4g mW each), "
                "N0 %.1f dBm/Hz; optimiser maximises %s success\n",
                users.size(), scenario.budget.bandwidth_hz / 1e6, scenario.budget.min_bandwidth_hz / 1e3,
                scenario.budget.power_w * 1e3, scenario.budget.min_power_w * 1e3,
                10 * std::log10(scenario.budget.noise_psd_w_per_hz * 1e3), o.success.c_str());
    nlohmann::json j{ { "config", o.config }, { "budget", budget_json(scenario.budget) }, { "users", users_json(users) } };
    std::vector<alloc::Allocation> done;
    for (const auto& name : algorithms) {
        done.push_back(solve(scheduler, name, o.fcr_ratio));
        if (algorithms.size() == 1)
            print_allocation(done.back(), scheduler);
        j["allocations"][name] = allocation_json(done.back(), users);
    }
    if (done.size() > 1) {
        print_allocation(done.front(), scheduler);
        std::printf("\n%-14s %10s %10s %10s %10s %10s\n", "algorithm", "total", "total 2Q", "average", "weighted",
                    "time (ms)");
        for (const auto& a : done) {
            const Score sc = score(a, users);
            std::printf("%-14s %10.4f %10.4f %10.4f %10.4f %10.1f\n", a.algorithm.c_str(), sc.total, sc.total_q,
                        sc.total / users.size(), sc.weighted, a.seconds * 1e3);
        }
    }
    if (o.simulate > 0) {
        const auto& chosen = done.front();
        j["simulation"] = run_allocation(o, scenario, scheduler, chosen);
    }
    if (!o.json.empty())
        write_json_file(o.json, j);
    return 0;
}

} // namespace semcom::apps
