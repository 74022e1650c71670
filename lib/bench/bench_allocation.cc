// Wall time of the CRRA / CRRAUS scheduler (Google Benchmark) in the paper-like scenario of
// shared/papers/asc-crra-digest.md §6.3.4: d0 = 200704 bit, t0 = 10 ms, N0 = -174 dBm/Hz,
// Bmin = 10 kHz, Pmin = 0.01 mW, users uniform in a 50-500 m annulus, 3GPP-macro-like path gain,
// Bmax = 20 MHz, Pmax = 1 W (the paper's default) and 10 mW (tight). Target: CRRA, U = 10, < 100 ms.
#include <semcom/allocation.h>
#include <semcom/asc.h>

#include <benchmark/benchmark.h>

#include <cmath>

using namespace semcom::alloc;

namespace {

// Table IV(b), ResNet at 0 dB.
const EtaModel resnet_0db{ { -2.893e-16, 35.68, 0.9482, -0.04151 } };

std::vector<User> annulus_users(std::size_t count, unsigned seed)
{
    const semcom::asc::Cell cell; // 50-500 m, 128.1 + 37.6 log10(d / 1 km) dB
    const auto distances = cell.drop(count, seed);
    const double weights[] = { 0.2, 0.4, 0.6, 0.8 };
    std::vector<User> users(count);
    for (std::size_t i = 0; i < count; ++i) {
        users[i].name = "u" + std::to_string(i);
        users[i].gain = cell.path_gain(distances[i]);
        users[i].weight = weights[i % 4];
        users[i].data_bits = 200704;
        users[i].delay_s = 0.01;
        users[i].eta = resnet_0db;
    }
    return users;
}

Budget paper_budget(double power_w)
{
    Budget b;
    b.bandwidth_hz = 20e6;
    b.min_bandwidth_hz = 1e4;
    b.power_w = power_w;
    b.min_power_w = 1e-5;
    b.noise_psd_w_per_hz = std::pow(10.0, (-174.0 - 30.0) / 10.0);
    return b;
}

// range(0): power budget in mW; range(1): the user drop's seed. CRRA reports the average success
// per user, CRRAUS the weighted total (the objectives each maximises).
template <bool WithSelection>
void run_scheduler(benchmark::State& st)
{
    const Scheduler scheduler(paper_budget(st.range(0) * 1e-3), annulus_users(10, unsigned(st.range(1))));
    double objective = 0.0;
    for (auto _ : st) {
        const Allocation a = WithSelection ? scheduler.crraus() : scheduler.crra();
        // the const overload: libbenchmark 1.7's "+m,r" DoNotOptimize(double&) clobbers doubles on GCC
        benchmark::DoNotOptimize(a.objective);
        objective = a.objective;
    }
    st.counters[WithSelection ? "weighted_success" : "average_success"] = WithSelection ? objective : objective / 10.0;
}

void BM_crra(benchmark::State& st) { run_scheduler<false>(st); }
void BM_crraus(benchmark::State& st) { run_scheduler<true>(st); }

} // namespace

BENCHMARK(BM_crra)->ArgNames({ "Pmax_mW", "seed" })->ArgsProduct({ { 1000, 10 }, { 1, 2 } })
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_crraus)->ArgNames({ "Pmax_mW", "seed" })->ArgsProduct({ { 1000, 10 }, { 1 } })
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
