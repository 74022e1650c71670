/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_SUPERPOSITION_H
#define SEMCOM_SUPERPOSITION_H

#include <semcom/constellation.h>

#include <cstdint>
#include <vector>

namespace semcom {

/*!
 * \brief Superposition coded modulation: K index streams onto one super-constellation.
 *
 * Y = sum_k sqrt(alpha_k) * C_k[s_k] (DESIGN §4). Every layer constellation has unit average
 * power and sum(alpha) = 1, so the super-constellation has unit average power without any further
 * scaling. alpha_1 > ... > alpha_K > 0: layer 1 (index 0 here) is the basic, most protected layer.
 * With 4QAM x 4QAM at alpha = 0.8 the super-constellation is a uniform 16QAM; with 4QAM x 16QAM at
 * alpha = 16/21 a uniform 64QAM, as in the DeepSCM paper. Unlike DVB-T hierarchical mapping
 * (gr-dtv dvbt_map: two layers, alpha from {1, 2, 4}, hard only) any K, orders and alpha work.
 *
 * The super index is mixed-radix with layer 0 most significant: s = (..(s_0 M_1 + s_1) M_2 ..).
 * The table of all prod(M_k) points is built once; mapping is a table look-up per symbol.
 * Input indices are reduced modulo the layer order (the low bits for power-of-two orders).
 */
class SuperpositionMapper
{
public:
    SuperpositionMapper(std::vector<Constellation> layers, std::vector<float> alphas);

    std::size_t num_layers() const { return d_layers.size(); }
    const std::vector<Constellation>& layers() const { return d_layers; }
    const std::vector<float>& alphas() const { return d_alphas; }
    unsigned super_order() const { return static_cast<unsigned>(d_table.size()); }
    //! The super-constellation, indexed by the mixed-radix super index.
    const std::vector<cfloat>& table() const { return d_table; }

    unsigned combine(const unsigned* layer_indices) const;
    void split(unsigned super_index, unsigned* layer_indices) const;

    //! out[i] = table[combine(layer_indices[0][i], ..., layer_indices[K-1][i])]. Returns how
    //! many indices were >= their layer's order (reduced modulo it): seen while mapping, counted
    //! only when there is one, so the check costs the mapper nothing on good input.
    std::size_t map(const std::uint8_t* const* layer_indices, cfloat* out, std::size_t n) const;

    //! How many of n indices of layer `layer` are >= its order.
    std::size_t count_out_of_range(std::size_t layer, const std::uint8_t* indices, std::size_t n) const;

private:
    //! map's loops; true if an index was beyond its layer's order
    bool map_reporting_range(const std::uint8_t* const* layer_indices, cfloat* out, std::size_t n) const;

    std::vector<Constellation> d_layers;
    std::vector<float> d_alphas;
    std::vector<cfloat> d_table;
    std::vector<std::uint64_t> d_table_bits; //!< d_table as raw 64-bit words, for fast copies
    std::vector<unsigned> d_orders;
    bool d_pow2 = true;
    std::vector<unsigned> d_shift; // bit position of each layer in the super index (pow2 case)
    std::vector<std::uint64_t> d_byte_mask; // layer mask repeated in all 8 bytes (pow2 case)

    //! Finds the per-axis tables below when the super-constellation is their product.
    void build_axis_tables();
    // Every layer a square QAM of at most 64 points whose index is its I bits then its Q bits, at
    // most 16 levels per axis in all (4QAM x 16QAM, 4QAM x 4QAM x 16QAM, 16QAM x 16QAM): the real
    // part of a point depends only on the layers' I bits, the imaginary part only on their Q bits,
    // so the vector path looks a symbol up by its two level indices in 16 + 16 floats.
    bool d_axis = false;
    std::vector<std::uint8_t> d_axis_i_share, d_axis_q_share; // 64 per layer: index -> I / Q bits
    std::vector<float> d_axis_re_im; // re[16] then im[16], bit-identical to d_table's parts
};

/*!
 * \brief Per-layer hard and soft decisions on a received superposed symbol.
 *
 * - hard_ml: nearest super-constellation point, split into layer indices (joint ML). Square-QAM
 *   layers decide per axis (the count of decision thresholds below the value) and look the layer
 *   indices up from the pair of axis levels.
 * - hard_sic: successive interference cancellation: decide layer 1 treating the other layers as
 *   noise, subtract its contribution, decide layer 2, and so on.
 * - posteriors: exact P(s_k = m | y) for every layer k under CN(0, noise_var) noise, with equiprobable
 *   super-symbols: sum over all super points whose layer-k index is m, normalised.
 * - llrs: exact per-bit LLRs, ln P(b = 0 | y) / P(b = 1 | y), bits of each layer index MSB first.
 *
 * When every layer is square QAM the super-constellation is the Cartesian product of two
 * super-PAMs with L = prod(sqrt(M_k)) levels each, so everything runs per axis: L exponentials per
 * axis instead of prod(M_k) per symbol (16 instead of 64 for 4QAM x 16QAM). Other layer types
 * (PSK, custom) take the exact sum over the whole table.
 *
 * llrs with one noise variance per symbol (after a zero-forcing equaliser on a fading channel the
 * noise variance is noise_var / |h_i|^2, see Equaliser::zero_force) demaps the run of symbols at
 * once when every variance is the same (block fading, AWGN), else symbol by symbol.
 *
 * Output pointers may be null for layers the caller does not need.
 * posteriors: out[k] holds n * M_k floats (one row per symbol); llrs: n * log2(M_k).
 */
class SuperpositionDemapper
{
public:
    explicit SuperpositionDemapper(const SuperpositionMapper& mapper);

    const SuperpositionMapper& mapper() const { return d_mapper; }
    bool separable() const { return d_separable; }

    void hard_ml(const cfloat* y, std::uint8_t* const* out, std::size_t n) const;
    void hard_sic(const cfloat* y, std::uint8_t* const* out, std::size_t n) const;
    void posteriors(const cfloat* y, float noise_var, float* const* out, std::size_t n) const;
    void llrs(const cfloat* y, float noise_var, float* const* out, std::size_t n) const;
    void llrs(const cfloat* y, const float* noise_var, float* const* out, std::size_t n) const;

    //! Super-PAM amplitudes per axis, ascending (separable case only).
    const std::vector<float>& axis_levels() const { return d_axis_levels; }
    //! Axis code of layer k at super level j (separable case only).
    unsigned axis_code(std::size_t layer, std::size_t level) const
    {
        return d_axis_code[layer][level];
    }

private:
    void check_noise_var(float noise_var) const;
    //! Per-axis weights exp(-(v - a_j)^2 / noise_var), scaled so that the largest is 1.
    void axis_weights(float v, float inv_nv, float* w) const;
    //! The same over the whole super-constellation (non-separable layers).
    void table_weights(cfloat y, float inv_nv, float* w) const;

    SuperpositionMapper d_mapper;
    bool d_separable;
    std::vector<float> d_sqrt_alpha;
    // separable case
    std::vector<float> d_axis_levels;
    std::vector<float> d_axis_thresholds;
    std::vector<std::vector<std::uint16_t>> d_axis_code; // [layer][level]
    std::vector<unsigned> d_axis_bits;
    // hard decisions: the pair of axis levels (li * L + lq) straight to each layer's index
    std::vector<std::vector<std::uint8_t>> d_pair_code; // [layer][li * L + lq]
};

//! The instruction set the demapper's hot loops were dispatched to on this CPU ("x86-64-v4
//! (AVX-512)", "x86-64-v3 (AVX2)" or "x86-64 baseline"; chosen once, when the library loads).
const char* superposition_simd_level();

//! Where the mapper's vector path (products of square QAMs, SuperpositionMapper::map) runs on
//! this CPU: "AVX-512 VBMI" (Intel Ice Lake and later, AMD Zen 4 and later) or "table look-up"
//! (every mapper elsewhere, and the other constellations everywhere).
const char* superposition_mapper_kernel();

} // namespace semcom

#endif
