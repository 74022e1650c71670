// Throughput of the semcom-core DSP classes (Google Benchmark).
// Peers (gr-dtv, gr-digital, gr-channels) are measured in the same run by
// gr-semcom/bench/semcom-peer-bench; scripts/bench_dsp.py prints the ratios.
#include <semcom/channel.h>
#include <semcom/quantizer.h>
#include <semcom/superposition.h>

#include <benchmark/benchmark.h>

#include <random>

using namespace semcom;

namespace {

constexpr std::size_t frame = 1512; // the vector length dvbt_map is measured with

std::vector<std::uint8_t> random_indices(std::size_t n, unsigned order, unsigned seed)
{
    std::mt19937 rng(seed);
    std::vector<std::uint8_t> v(n);
    for (auto& x : v)
        x = static_cast<std::uint8_t>(rng() % order);
    return v;
}

SuperpositionMapper mapper_for(int case_id)
{
    switch (case_id) {
    case 0:
        return SuperpositionMapper({ Constellation::qam(4), Constellation::qam(16) },
                                   { 16.0f / 21.0f, 5.0f / 21.0f });
    case 1:
        return SuperpositionMapper({ Constellation::qam(4), Constellation::qam(4) }, { 0.8f, 0.2f });
    case 3: // unequally spaced levels (the hard decision counts thresholds)
        return SuperpositionMapper({ Constellation::qam(4), Constellation::qam(16) }, { 0.8f, 0.2f });
    default:
        return SuperpositionMapper(
            { Constellation::qam(4), Constellation::qam(4), Constellation::qam(16) },
            { 0.7f, 0.2f, 0.1f });
    }
}

const char* case_name(int id)
{
    static const char* names[] = { "4qamx16qam", "4qamx4qam", "K3", "4qamx16qam a=0.8" };
    return names[id];
}

void BM_superposition_map(benchmark::State& st)
{
    const auto m = mapper_for(static_cast<int>(st.range(0)));
    std::vector<std::vector<std::uint8_t>> idx;
    std::vector<const std::uint8_t*> ptr;
    for (std::size_t l = 0; l < m.num_layers(); ++l) {
        idx.push_back(random_indices(frame, m.layers()[l].order(), unsigned(l)));
        ptr.push_back(idx.back().data());
    }
    std::vector<cfloat> out(frame);
    for (auto _ : st) {
        m.map(ptr.data(), out.data(), frame);
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(st.iterations() * frame);
    st.SetLabel(case_name(static_cast<int>(st.range(0))));
}
BENCHMARK(BM_superposition_map)->Arg(0)->Arg(1)->Arg(2);

// Reference: one byte stream of ready-made super indices through a complex<float> table, the
// loop of gr-dtv's dvbt_map (no range check). The mapper must keep up with it.
void BM_single_stream_lookup(benchmark::State& st)
{
    const auto m = mapper_for(0);
    const auto idx = random_indices(frame, 64, 3);
    std::vector<cfloat> out(frame);
    const cfloat* table = m.table().data();
    for (auto _ : st) {
        for (std::size_t i = 0; i < frame; ++i)
            out[i] = table[idx[i]];
        benchmark::DoNotOptimize(out.data());
    }
    st.SetItemsProcessed(st.iterations() * frame);
}
BENCHMARK(BM_single_stream_lookup);

std::vector<cfloat> noisy_symbols(const SuperpositionMapper& m, float snr_db)
{
    std::vector<std::vector<std::uint8_t>> idx;
    std::vector<const std::uint8_t*> ptr;
    for (std::size_t l = 0; l < m.num_layers(); ++l) {
        idx.push_back(random_indices(frame, m.layers()[l].order(), unsigned(l + 7)));
        ptr.push_back(idx.back().data());
    }
    std::vector<cfloat> x(frame), y(frame);
    m.map(ptr.data(), x.data(), frame);
    Channel(ChannelConfig::parse("awgn", snr_db), 1).apply(x.data(), y.data(), frame);
    return y;
}

// mode: 0 hard ML, 1 hard SIC, 2 soft LLRs (both layers), 3 posteriors (both layers)
void BM_superposition_demap(benchmark::State& st)
{
    const auto m = mapper_for(0);
    const SuperpositionDemapper d(m);
    const auto y = noisy_symbols(m, 10.0f);
    std::vector<std::uint8_t> h1(frame), h2(frame);
    std::vector<float> s1(frame * 16), s2(frame * 16);
    std::uint8_t* hard[2] = { h1.data(), h2.data() };
    float* soft[2] = { s1.data(), s2.data() };
    const int mode = static_cast<int>(st.range(0));
    for (auto _ : st) {
        switch (mode) {
        case 0:
            d.hard_ml(y.data(), hard, frame);
            break;
        case 1:
            d.hard_sic(y.data(), hard, frame);
            break;
        case 2:
            d.llrs(y.data(), 0.1f, soft, frame);
            break;
        default:
            d.posteriors(y.data(), 0.1f, soft, frame);
        }
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * frame);
    static const char* names[] = { "hard_ml", "hard_sic", "llr", "posterior" };
    st.SetLabel(names[mode]);
}
BENCHMARK(BM_superposition_demap)->DenseRange(0, 3);

// Joint-ML hard decisions by mapper: 0 uniform 64QAM (a rounding per axis), 3 unequal levels
// (thresholds), 2 three layers.
void BM_superposition_hard_ml(benchmark::State& st)
{
    const auto m = mapper_for(static_cast<int>(st.range(0)));
    const SuperpositionDemapper d(m);
    const auto y = noisy_symbols(m, 10.0f);
    std::vector<std::vector<std::uint8_t>> idx(m.num_layers(), std::vector<std::uint8_t>(frame));
    std::vector<std::uint8_t*> out;
    for (auto& v : idx)
        out.push_back(v.data());
    for (auto _ : st) {
        d.hard_ml(y.data(), out.data(), frame);
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * frame);
    st.SetLabel(case_name(static_cast<int>(st.range(0))));
}
BENCHMARK(BM_superposition_hard_ml)->Arg(0)->Arg(3)->Arg(2);

void BM_quantized_map(benchmark::State& st)
{
    const QuantizedMapper m(static_cast<unsigned>(st.range(0)), RangeMode::per_frame);
    std::mt19937 rng(3);
    std::normal_distribution<float> g;
    std::vector<float> z(2 * frame);
    for (auto& v : z)
        v = g(rng);
    std::vector<cfloat> x(frame);
    for (auto _ : st) {
        benchmark::DoNotOptimize(m.map(z.data(), z.size(), x.data()));
    }
    st.SetItemsProcessed(st.iterations() * frame);
}
BENCHMARK(BM_quantized_map)->Arg(4)->Arg(8);

void BM_quantized_demap(benchmark::State& st)
{
    const QuantizedMapper m(8, RangeMode::per_frame);
    std::vector<float> z(2 * frame, 0.5f), out(2 * frame);
    z[0] = -1.0f;
    std::vector<cfloat> x(frame);
    const auto info = m.map(z.data(), z.size(), x.data());
    const QuantizedDemapper d;
    for (auto _ : st) {
        d.demap(x.data(), info, out.data(), st.range(0) != 0);
        benchmark::ClobberMemory();
    }
    st.SetItemsProcessed(st.iterations() * frame);
}
BENCHMARK(BM_quantized_demap)->Arg(0)->Arg(1);

// 0 awgn, 1 rayleigh block, 2 rayleigh per symbol, 3 rician:2 per symbol
void BM_channel(benchmark::State& st)
{
    static const char* specs[] = { "awgn", "rayleigh", "rayleigh", "rician:2" };
    const int id = static_cast<int>(st.range(0));
    Channel ch(ChannelConfig::parse(specs[id], 10.0f,
                                    id >= 2 ? FadingMode::per_symbol : FadingMode::block),
               1);
    std::vector<cfloat> x(8192, cfloat(0.7f, -0.7f)), y(8192);
    for (auto _ : st) {
        ch.apply(x.data(), y.data(), x.size());
        benchmark::DoNotOptimize(y.data());
    }
    st.SetItemsProcessed(st.iterations() * x.size());
    st.SetLabel(std::string(specs[id]) + (id >= 2 ? " per-symbol" : ""));
}
BENCHMARK(BM_channel)->DenseRange(0, 3);

} // namespace

BENCHMARK_MAIN();
