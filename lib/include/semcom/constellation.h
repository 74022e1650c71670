/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_CONSTELLATION_H
#define SEMCOM_CONSTELLATION_H

#include <complex>
#include <cstdint>
#include <string>
#include <vector>

namespace semcom {

using cfloat = std::complex<float>;

/*!
 * \brief A constellation: the table from a symbol index to its complex point.
 *
 * Every constellation built here has unit average power over equiprobable indices
 * (DESIGN §4), so that superposition weights alpha are true power shares.
 *
 * Square M-QAM uses Gray labels per axis: for b = log2(sqrt(M)) bits per axis the index is
 * s = (g_I << b) | g_Q, where g is the Gray code of the PAM level number (level 0 is the most
 * negative amplitude). Amplitudes are 2l - (L - 1) for l = 0..L-1, scaled by 1/sqrt(2(M-1)/3).
 * This mapping is part of the model contract: the Python training code uses the same table and
 * the manifest lists its points (see constellation_points in python/semcom_train).
 *
 * Square QAM constellations are the Cartesian product of two PAMs; pam_levels() and the
 * axis codes let the superposition demapper work per axis (sqrt(M) operations instead of M).
 */
class Constellation
{
public:
    //! Gray-labelled square QAM with \p order in {4, 16, 64, 256}.
    static Constellation qam(unsigned order);
    //! BPSK: index 0 -> -1, index 1 -> +1.
    static Constellation bpsk();
    //! Gray-labelled M-PSK (M a power of two >= 2), point m at angle 2*pi*gray^-1(m)/M + pi/M
    //! for M >= 4 (QPSK at the diagonals), and at 0 / pi for M = 2.
    static Constellation psk(unsigned order);
    //! Arbitrary points; normalised to unit average power unless \p normalise is false.
    static Constellation custom(std::vector<cfloat> points,
                                bool normalise = true,
                                std::string name = "custom");
    //! Parses "qam16", "16qam", "qpsk", "4qam", "bpsk", "8psk", "psk8".
    static Constellation from_name(const std::string& name);

    unsigned order() const { return static_cast<unsigned>(d_points.size()); }
    //! log2(order); throws std::logic_error if the order is not a power of two.
    unsigned bits_per_symbol() const;
    const std::vector<cfloat>& points() const { return d_points; }
    cfloat point(unsigned index) const { return d_points[index]; }
    const std::string& name() const { return d_name; }
    float average_power() const;

    //! Index of the nearest point (minimum Euclidean distance).
    unsigned decide(cfloat y) const;
    void decide(const cfloat* in, std::uint8_t* out, std::size_t n) const;

    //! True for Gray square QAM (and BPSK/4QAM): a Cartesian product of two PAMs.
    bool is_square() const { return !d_pam_levels.empty(); }
    //! PAM amplitudes per axis, in level order (most negative first). Empty if not square.
    const std::vector<float>& pam_levels() const { return d_pam_levels; }
    //! Axis code (Gray label) of PAM level l.
    const std::vector<unsigned>& pam_codes() const { return d_pam_codes; }
    //! Bits per axis of a square constellation (index = (code_I << axis_bits) | code_Q).
    unsigned axis_bits() const { return d_axis_bits; }

    //! Largest |point - other[i]| over all indices; infinity if the orders differ.
    float max_distance(const std::vector<cfloat>& other) const;

private:
    Constellation(std::vector<cfloat> points, std::string name);

    std::vector<cfloat> d_points;
    std::string d_name;
    std::vector<float> d_pam_levels;
    std::vector<unsigned> d_pam_codes;
    unsigned d_axis_bits = 0;
};

//! Gray code of n and its inverse.
inline unsigned gray_encode(unsigned n) { return n ^ (n >> 1); }
unsigned gray_decode(unsigned g);

} // namespace semcom

#endif
