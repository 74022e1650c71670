/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/superposition.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#define SEMCOM_AVX512_MAP 1
#endif
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace semcom {

namespace {

constexpr unsigned max_super_order = 1u << 16;
// Outputs at least this large are written with non-temporal stores, which bypass the caches: only
// worth it when the output would not stay cached until the next block reads it anyway, i.e. when
// it is larger than the last-level cache (a fixed 256 KB cost 27 % on an Intel Xeon whose 2 MB
// L2 kept GNU Radio's outputs). Read once from the CPU's cache sizes; 32 MiB where unknown.
std::size_t streaming_bytes()
{
    static const std::size_t bytes = [] {
        long llc = -1;
#if defined(_SC_LEVEL3_CACHE_SIZE)
        llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
        if (llc <= 0)
            llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
        return llc > 0 ? static_cast<std::size_t>(llc) : std::size_t(32) << 20;
    }();
    return bytes;
}
// Floor for probabilities before the log in LLRs: keeps them finite (|LLR| <= ~87).
constexpr float prob_floor = std::numeric_limits<float>::min();

bool is_pow2(unsigned n) { return n && !(n & (n - 1)); }

// The hot loops are compiled for several instruction sets and the best one the CPU has is picked
// when the library loads (GCC function multi-versioning, an ifunc: no per-call check), so one
// binary runs on any x86-64 and uses AVX-512 where there is one.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
#define SEMCOM_SIMD_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define SEMCOM_SIMD_CLONES
#endif

// Symbols decided per hard-decision pass: the pair indices stay in L1.
constexpr std::size_t hard_chunk = 512;

// pair[i] = li * levels + lq: on each axis the nearest super-PAM level, the number of decision
// thresholds below the value (a NaN is below none: level 0). A rounding would be cheaper where the
// levels are equally spaced, but it decides the rare values within float rounding of a threshold
// differently from the per-layer decisions of SIC; counting keeps the two identical there.
SEMCOM_SIMD_CLONES
void threshold_axis_pairs(const cfloat* y,
                          std::size_t n,
                          const float* thresholds,
                          std::size_t num_thresholds,
                          std::uint16_t* pair)
{
    // Contiguous floats and 32-bit counters: every loop is one compare and one add per lane.
    const float* v = reinterpret_cast<const float*>(y);
    float re[hard_chunk], im[hard_chunk];
    std::int32_t li[hard_chunk], lq[hard_chunk];
    for (std::size_t i = 0; i < n; ++i) {
        re[i] = v[2 * i];
        im[i] = v[2 * i + 1];
        li[i] = 0;
        lq[i] = 0;
    }
    for (std::size_t t = 0; t < num_thresholds; ++t) {
        const float thr = thresholds[t];
        for (std::size_t i = 0; i < n; ++i) {
            li[i] += re[i] > thr ? 1 : 0;
            lq[i] += im[i] > thr ? 1 : 0;
        }
    }
    const std::int32_t levels = static_cast<std::int32_t>(num_thresholds + 1);
    for (std::size_t i = 0; i < n; ++i)
        pair[i] = static_cast<std::uint16_t>(li[i] * levels + lq[i]);
}

SEMCOM_SIMD_CLONES
void look_up_bytes(const std::uint16_t* index, std::size_t n, const std::uint8_t* table, std::uint8_t* out)
{
    for (std::size_t i = 0; i < n; ++i)
        out[i] = table[index[i]];
}

#if defined(SEMCOM_AVX512_MAP)
bool cpu_has_vbmi()
{
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vbmi");
    }();
    return has;
}

// The mapper's vector path for products of square QAMs (SuperpositionMapper::build_axis_tables),
// 64 symbols at a time, all in registers: each layer's 64 index bytes go through two 64-byte
// tables (vpermb) to their share of the I and the Q level index, OR-ed over the layers; then for
// every 8 symbols one byte permute spreads the pairs (I, Q + 16) into 32-bit lanes and one float
// permute looks both up in the 32 entries re[16] | im[16], which are already the interleaved
// complex outputs. About 2K + 16 shuffles per 64 symbols where a table look-up takes 64 loads and
// 64 stores. Maps the first multiple of 64 of the n symbols and returns how many; beyond is set if
// an index had bits above its layer's order (the tables see them masked, as the scalar path).
// GCC 12 warns of the _mm512_undefined_* inside its own unmasked intrinsics (GCC bug 105593)
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
// pick[m]: byte 8j <- I index of symbol 8m + j (table a), byte 8j + 4 <- its Q index (table b,
// from byte 64); the other bytes are zeroed by the mask, so each 32-bit lane is one index.
struct PickBytes {
    alignas(64) std::uint8_t bytes[8][64];
};
constexpr PickBytes make_pick_bytes()
{
    PickBytes p{};
    for (unsigned m = 0; m < 8; ++m)
        for (unsigned j = 0; j < 8; ++j) {
            p.bytes[m][8 * j] = static_cast<std::uint8_t>(8 * m + j);
            p.bytes[m][8 * j + 4] = static_cast<std::uint8_t>(64 + 8 * m + j);
        }
    return p;
}
constexpr PickBytes pick_bytes = make_pick_bytes();

template <std::size_t K>
__attribute__((target("avx512f,avx512bw,avx512vbmi"))) std::size_t
map_axes_vbmi(const std::uint8_t* const* in,
              const std::uint8_t* i_share, // K x 64: layer index -> its bits of the I level index
              const std::uint8_t* q_share, // K x 64: the same for Q
              const unsigned* orders,
              const float* re_im, // re[16] then im[16]
              cfloat* out,
              std::size_t n,
              bool& beyond)
{
    __m512i i_lut[K], q_lut[K], above[K];
    const std::uint8_t* src[K];
    for (std::size_t l = 0; l < K; ++l) {
        i_lut[l] = _mm512_loadu_si512(i_share + 64 * l);
        q_lut[l] = _mm512_loadu_si512(q_share + 64 * l);
        above[l] = _mm512_set1_epi8(static_cast<char>(~(orders[l] - 1)));
        src[l] = in[l];
    }
    const __m512 re_t = _mm512_loadu_ps(re_im);
    const __m512 im_t = _mm512_loadu_ps(re_im + 16);
    __m512i pick[8];
    for (unsigned m = 0; m < 8; ++m)
        pick[m] = _mm512_load_si512(pick_bytes.bytes[m]);
    const __mmask64 low_bytes = 0x1111111111111111ull;
    __m512i bad = _mm512_setzero_si512();
    std::size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512i ai = _mm512_setzero_si512();
        __m512i aq = _mm512_set1_epi8(16); // Q entries follow the 16 I entries
        for (std::size_t l = 0; l < K; ++l) {
            const __m512i s = _mm512_loadu_si512(src[l] + i);
            bad = _mm512_or_si512(bad, _mm512_and_si512(s, above[l]));
            ai = _mm512_or_si512(ai, _mm512_permutexvar_epi8(s, i_lut[l]));
            aq = _mm512_or_si512(aq, _mm512_permutexvar_epi8(s, q_lut[l]));
        }
        float* o = reinterpret_cast<float*>(out + i);
        for (unsigned m = 0; m < 8; ++m) {
            const __m512i idx = _mm512_maskz_permutex2var_epi8(low_bytes, ai, pick[m], aq);
            _mm512_storeu_ps(o + 16 * m, _mm512_permutex2var_ps(re_t, idx, im_t));
        }
    }
    beyond = _mm512_test_epi8_mask(bad, bad) != 0;
    return i;
}
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif
#endif

} // namespace

const char* superposition_simd_level()
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__ELF__)
    // the same tests the clones' resolver makes
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return "x86-64-v4 (AVX-512)";
    if (__builtin_cpu_supports("x86-64-v3"))
        return "x86-64-v3 (AVX2)";
#endif
    return "x86-64 baseline";
}

const char* superposition_mapper_kernel()
{
#if defined(SEMCOM_AVX512_MAP)
    if (cpu_has_vbmi())
        return "AVX-512 VBMI";
#endif
    return "table look-up";
}

SuperpositionMapper::SuperpositionMapper(std::vector<Constellation> layers,
                                         std::vector<float> alphas)
    : d_layers(std::move(layers)), d_alphas(std::move(alphas))
{
    const std::size_t k = d_layers.size();
    if (k < 1)
        throw std::invalid_argument("superposition: need at least one layer");
    if (d_alphas.size() != k)
        throw std::invalid_argument("superposition: alphas has " + std::to_string(d_alphas.size()) +
                                    " values for " + std::to_string(k) + " layers");
    double sum = 0.0;
    for (std::size_t i = 0; i < k; ++i) {
        if (!(d_alphas[i] > 0.0f))
            throw std::invalid_argument("superposition: alpha[" + std::to_string(i) +
                                        "] = " + std::to_string(d_alphas[i]) +
                                        " must be > 0");
        if (i > 0 && !(d_alphas[i] < d_alphas[i - 1]))
            throw std::invalid_argument(
                "superposition: alphas must be strictly decreasing (layer 1 gets the most "
                "power), but alpha[" +
                std::to_string(i) + "] = " + std::to_string(d_alphas[i]) + " >= alpha[" +
                std::to_string(i - 1) + "] = " + std::to_string(d_alphas[i - 1]));
        sum += d_alphas[i];
    }
    if (std::abs(sum - 1.0) > 1e-5)
        throw std::invalid_argument("superposition: alphas must sum to 1, they sum to " +
                                    std::to_string(sum));

    unsigned total = 1;
    for (const auto& c : d_layers) {
        if (std::abs(c.average_power() - 1.0f) > 1e-4f)
            throw std::invalid_argument("superposition: layer constellation '" + c.name() +
                                        "' does not have unit average power");
        if (c.order() > 256)
            throw std::invalid_argument("superposition: layer orders above 256 are not supported");
        d_orders.push_back(c.order());
        d_pow2 = d_pow2 && is_pow2(c.order());
        if (total > max_super_order / c.order())
            throw std::invalid_argument("superposition: super-constellation larger than 65536 points");
        total *= c.order();
    }
    d_shift.assign(k, 0);
    if (d_pow2) {
        unsigned shift = 0;
        for (std::size_t i = k; i-- > 0;) {
            d_shift[i] = shift;
            shift += d_layers[i].bits_per_symbol();
        }
        for (std::size_t i = 0; i < k; ++i)
            d_byte_mask.push_back(0x0101010101010101ULL * (d_orders[i] - 1));
    }

    d_table.resize(total);
    std::vector<unsigned> idx(k);
    for (unsigned s = 0; s < total; ++s) {
        split(s, idx.data());
        std::complex<double> acc = 0.0;
        for (std::size_t i = 0; i < k; ++i)
            acc += std::sqrt(double(d_alphas[i])) *
                   std::complex<double>(d_layers[i].point(idx[i]));
        d_table[s] = cfloat(acc);
    }
    d_table_bits.resize(total);
    std::memcpy(d_table_bits.data(), d_table.data(), total * sizeof(cfloat));
    build_axis_tables();
}

void SuperpositionMapper::build_axis_tables()
{
    const std::size_t k = d_orders.size();
    if (!d_pow2 || k > 4)
        return;
    // Each layer's index: its I bits then its Q bits (half each); the layers' I bits side by
    // side, the first layer's highest, make the I level index, likewise Q.
    std::vector<unsigned> half_bits(k), shift(k);
    unsigned bits = 0;
    for (std::size_t l = k; l-- > 0;) {
        const unsigned b = d_layers[l].bits_per_symbol();
        if (b % 2 || d_orders[l] > 64) // the share tables have 64 entries
            return;
        half_bits[l] = b / 2;
        shift[l] = bits;
        bits += b / 2;
    }
    if (bits > 4) // at most 16 levels per axis: one register of floats each
        return;
    auto i_share = [&](std::size_t l, unsigned index) {
        return (index >> half_bits[l]) << shift[l];
    };
    auto q_share = [&](std::size_t l, unsigned index) {
        return (index & ((1u << half_bits[l]) - 1)) << shift[l];
    };
    // Every point's parts must be exactly the tables' entries (bit for bit: the vector path has to
    // write what the table look-up writes), else the layers are not I-then-Q square QAMs.
    std::vector<float> re(16, 0.0f), im(16, 0.0f);
    std::vector<bool> seen_re(16, false), seen_im(16, false);
    std::vector<unsigned> idx(k);
    auto same = [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; };
    for (unsigned s = 0; s < d_table.size(); ++s) {
        split(s, idx.data());
        unsigned ai = 0, aq = 0;
        for (std::size_t l = 0; l < k; ++l) {
            ai |= i_share(l, idx[l]);
            aq |= q_share(l, idx[l]);
        }
        const float r = d_table[s].real(), q = d_table[s].imag();
        if ((seen_re[ai] && !same(re[ai], r)) || (seen_im[aq] && !same(im[aq], q)))
            return;
        re[ai] = r;
        im[aq] = q;
        seen_re[ai] = seen_im[aq] = true;
    }
    // 64 entries per layer whatever its order: an index's bits above the order are masked away,
    // as the table look-up masks them (the kernel's byte permute reads the low 6 bits only)
    d_axis_i_share.assign(64 * k, 0);
    d_axis_q_share.assign(64 * k, 0);
    for (std::size_t l = 0; l < k; ++l)
        for (unsigned index = 0; index < 64; ++index) {
            d_axis_i_share[64 * l + index] = static_cast<std::uint8_t>(i_share(l, index & (d_orders[l] - 1)));
            d_axis_q_share[64 * l + index] = static_cast<std::uint8_t>(q_share(l, index & (d_orders[l] - 1)));
        }
    d_axis_re_im = re;
    d_axis_re_im.insert(d_axis_re_im.end(), im.begin(), im.end());
    d_axis = true;
}

unsigned SuperpositionMapper::combine(const unsigned* layer_indices) const
{
    unsigned s = 0;
    for (std::size_t i = 0; i < d_orders.size(); ++i)
        s = s * d_orders[i] + layer_indices[i] % d_orders[i];
    return s;
}

void SuperpositionMapper::split(unsigned super_index, unsigned* layer_indices) const
{
    for (std::size_t i = d_orders.size(); i-- > 0;) {
        layer_indices[i] = super_index % d_orders[i];
        super_index /= d_orders[i];
    }
}

std::size_t SuperpositionMapper::map(const std::uint8_t* const* layer_indices,
                                     cfloat* out,
                                     std::size_t n) const
{
    std::size_t out_of_range = 0;
    if (map_reporting_range(layer_indices, out, n))
        for (std::size_t l = 0; l < d_orders.size(); ++l)
            out_of_range += count_out_of_range(l, layer_indices[l], n);
    return out_of_range;
}

bool SuperpositionMapper::map_reporting_range(const std::uint8_t* const* layer_indices,
                                              cfloat* out,
                                              std::size_t n) const
{
    // Points are copied as 64-bit words: one load and one store per symbol, where a
    // complex<float> assignment compiles to two of each.
    const std::uint64_t* table = d_table_bits.data();
    auto put = [out](std::size_t i, const std::uint64_t& bits) {
        std::memcpy(static_cast<void*>(out + i), &bits, sizeof bits);
    };
    // Non-temporal stores where the CPU has them (SSE2: every x86-64): the output is written
    // once and read by the next block much later, so skipping the read-for-ownership of each
    // cache line saves a third of the memory traffic of a large frame.
#if defined(__SSE2__)
    auto stream = [out](std::size_t i, const std::uint64_t& bits) {
        _mm_stream_si64(reinterpret_cast<long long*>(out + i), static_cast<long long>(bits));
    };
    auto stream_fence = [] { _mm_sfence(); };
#else
    auto stream = put;
    auto stream_fence = [] {};
#endif
    const std::size_t k = d_orders.size();
    if (d_pow2 && d_table.size() <= 256) {
        // The super index fits a byte: combine 8 symbols' layer indices at once in a 64-bit word
        // (each masked index shifted into place inside its byte), then look up byte by byte.
        // The bits masked away are collected too: any set means an index beyond its order.
        std::size_t i = 0;
        std::uint64_t beyond = 0;
        auto run = [&](auto store) {
            for (; i + 8 <= n; i += 8) {
                std::uint64_t s = 0;
                for (std::size_t l = 0; l < k; ++l) {
                    std::uint64_t w;
                    std::memcpy(&w, layer_indices[l] + i, sizeof w);
                    s |= (w & d_byte_mask[l]) << d_shift[l];
                    beyond |= w & ~d_byte_mask[l];
                }
                for (unsigned j = 0; j < 8; ++j, s >>= 8)
                    store(i + j, table[s & 0xffu]);
            }
        };
        // Streaming stores pay off only when the output does not stay in cache anyway.
        if (n * sizeof(cfloat) >= streaming_bytes()) {
            run(stream);
            stream_fence();
        } else {
#if defined(SEMCOM_AVX512_MAP)
            if (d_axis && n >= 64 && cpu_has_vbmi()) { // a shorter call: the table look-up
                bool bad = false;
                auto kernel = k == 1 ? map_axes_vbmi<1> : k == 2 ? map_axes_vbmi<2>
                            : k == 3 ? map_axes_vbmi<3> : map_axes_vbmi<4>;
                i = kernel(layer_indices, d_axis_i_share.data(), d_axis_q_share.data(),
                           d_orders.data(), d_axis_re_im.data(), out, n, bad);
                beyond |= bad ? 1u : 0u;
            }
#endif
            run(put);
        }
        for (; i < n; ++i) {
            unsigned s = 0;
            for (std::size_t l = 0; l < k; ++l) {
                s |= (layer_indices[l][i] & (d_orders[l] - 1)) << d_shift[l];
                beyond |= layer_indices[l][i] & ~(d_orders[l] - 1);
            }
            put(i, table[s]);
        }
        return beyond != 0;
    }
    if (d_pow2) {
        // Build the super indices layer by layer over a chunk (vectorisable loops), then look up.
        constexpr std::size_t chunk = 1024;
        std::uint32_t s[chunk];
        std::uint32_t beyond = 0;
        for (std::size_t start = 0; start < n; start += chunk) {
            const std::size_t m = std::min(chunk, n - start);
            std::fill_n(s, m, 0u);
            for (std::size_t l = 0; l < k; ++l) {
                const std::uint8_t* in = layer_indices[l] + start;
                const std::uint32_t mask = d_orders[l] - 1, shift = d_shift[l];
                for (std::size_t i = 0; i < m; ++i) {
                    s[i] |= (in[i] & mask) << shift;
                    beyond |= in[i] & ~mask;
                }
            }
            for (std::size_t i = 0; i < m; ++i)
                put(start + i, table[s[i]]);
        }
        return beyond != 0;
    }
    bool beyond = false;
    for (std::size_t i = 0; i < n; ++i) {
        unsigned s = 0;
        for (std::size_t l = 0; l < k; ++l) {
            s = s * d_orders[l] + layer_indices[l][i] % d_orders[l];
            beyond |= layer_indices[l][i] >= d_orders[l];
        }
        put(i, table[s]);
    }
    return beyond;
}

std::size_t SuperpositionMapper::count_out_of_range(std::size_t layer,
                                                    const std::uint8_t* indices,
                                                    std::size_t n) const
{
    const unsigned order = d_orders.at(layer);
    return static_cast<std::size_t>(
        std::count_if(indices, indices + n, [order](std::uint8_t v) { return v >= order; }));
}

SuperpositionDemapper::SuperpositionDemapper(const SuperpositionMapper& mapper)
    : d_mapper(mapper)
{
    const auto& layers = d_mapper.layers();
    const std::size_t k = layers.size();
    for (float a : d_mapper.alphas())
        d_sqrt_alpha.push_back(std::sqrt(a));
    d_separable = std::all_of(
        layers.begin(), layers.end(), [](const Constellation& c) { return c.is_square(); });
    if (!d_separable)
        return;

    // Enumerate all level tuples of the per-axis super-PAM, mixed radix, layer 0 most significant.
    std::size_t total = 1;
    for (const auto& c : layers)
        total *= c.pam_levels().size();
    struct level {
        float amplitude;
        std::vector<std::uint16_t> codes;
    };
    std::vector<level> levels(total);
    for (std::size_t j = 0; j < total; ++j) {
        std::size_t rest = j;
        levels[j].codes.resize(k);
        double a = 0.0;
        for (std::size_t i = k; i-- > 0;) {
            const std::size_t side = layers[i].pam_levels().size();
            const std::size_t l = rest % side;
            rest /= side;
            a += d_sqrt_alpha[i] * layers[i].pam_levels()[l];
            levels[j].codes[i] = static_cast<std::uint16_t>(layers[i].pam_codes()[l]);
        }
        levels[j].amplitude = static_cast<float>(a);
    }
    std::stable_sort(levels.begin(), levels.end(), [](const level& x, const level& y) {
        return x.amplitude < y.amplitude;
    });
    d_axis_code.assign(k, std::vector<std::uint16_t>(total));
    for (std::size_t j = 0; j < total; ++j) {
        d_axis_levels.push_back(levels[j].amplitude);
        for (std::size_t i = 0; i < k; ++i)
            d_axis_code[i][j] = levels[j].codes[i];
        if (j > 0)
            d_axis_thresholds.push_back(0.5f * (levels[j - 1].amplitude + levels[j].amplitude));
    }
    for (const auto& c : layers)
        d_axis_bits.push_back(c.axis_bits());

    d_pair_code.assign(k, std::vector<std::uint8_t>(total * total));
    for (std::size_t i = 0; i < k; ++i)
        for (std::size_t li = 0; li < total; ++li)
            for (std::size_t lq = 0; lq < total; ++lq)
                d_pair_code[i][li * total + lq] = static_cast<std::uint8_t>(
                    (d_axis_code[i][li] << d_axis_bits[i]) | d_axis_code[i][lq]);
}

void SuperpositionDemapper::check_noise_var(float noise_var) const
{
    if (!(noise_var > 0.0f) || !std::isfinite(noise_var))
        throw std::invalid_argument("superposition demapper: noise variance must be > 0, got " +
                                    std::to_string(noise_var));
}

void SuperpositionDemapper::hard_ml(const cfloat* y, std::uint8_t* const* out, std::size_t n) const
{
    const std::size_t k = d_mapper.num_layers();
    if (d_separable) {
        // Per axis the nearest super-PAM level, then each layer's index from the pair of levels.
        std::uint16_t pair[hard_chunk];
        for (std::size_t start = 0; start < n; start += hard_chunk) {
            const std::size_t m = std::min(hard_chunk, n - start);
            threshold_axis_pairs(
                y + start, m, d_axis_thresholds.data(), d_axis_thresholds.size(), pair);
            for (std::size_t l = 0; l < k; ++l)
                if (out[l])
                    look_up_bytes(pair, m, d_pair_code[l].data(), out[l] + start);
        }
        return;
    }
    const auto& table = d_mapper.table();
    std::vector<unsigned> idx(k);
    for (std::size_t i = 0; i < n; ++i) {
        unsigned best = 0;
        float best_d = std::numeric_limits<float>::infinity();
        for (unsigned s = 0; s < table.size(); ++s) {
            const float d = std::norm(y[i] - table[s]);
            if (d < best_d) {
                best_d = d;
                best = s;
            }
        }
        d_mapper.split(best, idx.data());
        for (std::size_t l = 0; l < k; ++l)
            if (out[l])
                out[l][i] = static_cast<std::uint8_t>(idx[l]);
    }
}

void SuperpositionDemapper::hard_sic(const cfloat* y, std::uint8_t* const* out, std::size_t n) const
{
    const auto& layers = d_mapper.layers();
    const std::size_t k = layers.size();
    for (std::size_t i = 0; i < n; ++i) {
        cfloat r = y[i];
        for (std::size_t l = 0; l < k; ++l) {
            const unsigned s = layers[l].decide(r / d_sqrt_alpha[l]);
            if (out[l])
                out[l][i] = static_cast<std::uint8_t>(s);
            r -= d_sqrt_alpha[l] * layers[l].point(s);
        }
    }
}

void SuperpositionDemapper::axis_weights(float v, float inv_nv, float* w) const
{
    const std::size_t total = d_axis_levels.size();
    float dmin = std::numeric_limits<float>::infinity();
    for (std::size_t j = 0; j < total; ++j) {
        const float d = v - d_axis_levels[j];
        w[j] = d * d;
        dmin = std::min(dmin, w[j]);
    }
    for (std::size_t j = 0; j < total; ++j)
        w[j] = std::exp((dmin - w[j]) * inv_nv);
}

void SuperpositionDemapper::table_weights(cfloat y, float inv_nv, float* w) const
{
    const auto& table = d_mapper.table();
    float dmin = std::numeric_limits<float>::infinity();
    for (std::size_t s = 0; s < table.size(); ++s) {
        w[s] = std::norm(y - table[s]);
        dmin = std::min(dmin, w[s]);
    }
    for (std::size_t s = 0; s < table.size(); ++s)
        w[s] = std::exp((dmin - w[s]) * inv_nv);
}

void SuperpositionDemapper::posteriors(const cfloat* y,
                                       float noise_var,
                                       float* const* out,
                                       std::size_t n) const
{
    check_noise_var(noise_var);
    const auto& layers = d_mapper.layers();
    const std::size_t k = layers.size();
    const float inv_nv = 1.0f / noise_var;

    if (d_separable) {
        const std::size_t total = d_axis_levels.size();
        std::vector<float> wi(total), wq(total), pi(16), pq(16);
        for (std::size_t i = 0; i < n; ++i) {
            axis_weights(y[i].real(), inv_nv, wi.data());
            axis_weights(y[i].imag(), inv_nv, wq.data());
            for (std::size_t l = 0; l < k; ++l) {
                if (!out[l])
                    continue;
                const std::size_t side = std::size_t(1) << d_axis_bits[l];
                std::fill(pi.begin(), pi.begin() + side, 0.0f);
                std::fill(pq.begin(), pq.begin() + side, 0.0f);
                const std::uint16_t* code = d_axis_code[l].data();
                for (std::size_t j = 0; j < total; ++j) {
                    pi[code[j]] += wi[j];
                    pq[code[j]] += wq[j];
                }
                float si = 0.0f, sq = 0.0f;
                for (std::size_t c = 0; c < side; ++c) {
                    si += pi[c];
                    sq += pq[c];
                }
                const float norm = 1.0f / (si * sq);
                float* row = out[l] + i * layers[l].order();
                for (std::size_t ci = 0; ci < side; ++ci)
                    for (std::size_t cq = 0; cq < side; ++cq)
                        row[(ci << d_axis_bits[l]) | cq] = pi[ci] * pq[cq] * norm;
            }
        }
        return;
    }

    const auto& table = d_mapper.table();
    std::vector<float> w(table.size());
    std::vector<unsigned> idx(k);
    for (std::size_t i = 0; i < n; ++i) {
        table_weights(y[i], inv_nv, w.data());
        for (std::size_t l = 0; l < k; ++l)
            if (out[l])
                std::fill_n(out[l] + i * layers[l].order(), layers[l].order(), 0.0f);
        float sum = 0.0f;
        for (unsigned s = 0; s < table.size(); ++s) {
            const float p = w[s];
            sum += p;
            d_mapper.split(s, idx.data());
            for (std::size_t l = 0; l < k; ++l)
                if (out[l])
                    out[l][i * layers[l].order() + idx[l]] += p;
        }
        const float norm = 1.0f / sum;
        for (std::size_t l = 0; l < k; ++l)
            if (out[l])
                for (unsigned m = 0; m < layers[l].order(); ++m)
                    out[l][i * layers[l].order() + m] *= norm;
    }
}

void SuperpositionDemapper::llrs(const cfloat* y,
                                 float noise_var,
                                 float* const* out,
                                 std::size_t n) const
{
    check_noise_var(noise_var);
    const auto& layers = d_mapper.layers();
    const std::size_t k = layers.size();
    std::vector<unsigned> bits(k);
    for (std::size_t l = 0; l < k; ++l)
        bits[l] = layers[l].bits_per_symbol(); // throws for non-power-of-two orders
    const float inv_nv = 1.0f / noise_var;

    if (d_separable) {
        // Bits of a square layer: the axis_bits of the I code (MSB first), then those of Q.
        // Each bit depends on one axis only, so its LLR needs only that axis' weights.
        const std::size_t total = d_axis_levels.size();
        std::vector<float> wi(total), wq(total);
        for (std::size_t i = 0; i < n; ++i) {
            axis_weights(y[i].real(), inv_nv, wi.data());
            axis_weights(y[i].imag(), inv_nv, wq.data());
            for (std::size_t l = 0; l < k; ++l) {
                if (!out[l])
                    continue;
                const unsigned b = d_axis_bits[l];
                const std::uint16_t* code = d_axis_code[l].data();
                float* o = out[l] + i * bits[l];
                for (unsigned t = 0; t < b; ++t) {
                    const unsigned mask = 1u << (b - 1 - t);
                    float i0 = 0.0f, i1 = 0.0f, q0 = 0.0f, q1 = 0.0f;
                    for (std::size_t j = 0; j < total; ++j) {
                        const bool one = code[j] & mask;
                        (one ? i1 : i0) += wi[j];
                        (one ? q1 : q0) += wq[j];
                    }
                    o[t] = std::log(std::max(i0, prob_floor)) - std::log(std::max(i1, prob_floor));
                    o[b + t] =
                        std::log(std::max(q0, prob_floor)) - std::log(std::max(q1, prob_floor));
                }
            }
        }
        return;
    }

    const auto& table = d_mapper.table();
    std::vector<float> w(table.size());
    std::vector<unsigned> idx(k);
    std::vector<std::vector<float>> zero(k), one(k);
    for (std::size_t l = 0; l < k; ++l) {
        zero[l].resize(bits[l]);
        one[l].resize(bits[l]);
    }
    for (std::size_t i = 0; i < n; ++i) {
        table_weights(y[i], inv_nv, w.data());
        for (std::size_t l = 0; l < k; ++l) {
            std::fill(zero[l].begin(), zero[l].end(), 0.0f);
            std::fill(one[l].begin(), one[l].end(), 0.0f);
        }
        for (unsigned s = 0; s < table.size(); ++s) {
            const float p = w[s];
            d_mapper.split(s, idx.data());
            for (std::size_t l = 0; l < k; ++l)
                for (unsigned t = 0; t < bits[l]; ++t)
                    ((idx[l] >> (bits[l] - 1 - t)) & 1u ? one[l][t] : zero[l][t]) += p;
        }
        for (std::size_t l = 0; l < k; ++l)
            if (out[l])
                for (unsigned t = 0; t < bits[l]; ++t)
                    out[l][i * bits[l] + t] = std::log(std::max(zero[l][t], prob_floor)) -
                                              std::log(std::max(one[l][t], prob_floor));
    }
}

void SuperpositionDemapper::llrs(const cfloat* y,
                                 const float* noise_var,
                                 float* const* out,
                                 std::size_t n) const
{
    if (n == 0)
        return;
    if (std::all_of(noise_var, noise_var + n, [&](float v) { return v == noise_var[0]; })) {
        llrs(y, noise_var[0], out, n); // block fading or AWGN: one noise variance for the run
        return;
    }
    const auto& layers = d_mapper.layers();
    std::vector<float*> one(layers.size());
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t l = 0; l < layers.size(); ++l)
            one[l] = out[l] ? out[l] + i * layers[l].bits_per_symbol() : nullptr;
        llrs(y + i, noise_var[i], one.data(), 1);
    }
}

} // namespace semcom
