/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_THEORY_H
#define SEMCOM_THEORY_H

#include <semcom/channel.h>
#include <semcom/superposition.h>

#include <vector>

namespace semcom {

//! Gaussian tail Q(x) = P(N(0,1) > x).
double qfunc(double x);
//! Its inverse: the x with Q(x) = p, for 0 < p < 1 (std::invalid_argument otherwise).
double qfunc_inverse(double p);

//! Symbol error rate of Gray square M-QAM with ML decisions in AWGN at Es/N0 = snr (linear):
//! 1 - (1 - 2 (1 - 1/sqrt(M)) Q(sqrt(3 snr / (M - 1))))^2.
double qam_ser(unsigned order, double snr);

/*!
 * \brief Exact per-layer symbol error rates of joint-ML hard decisions in AWGN.
 *
 * For square-QAM layers the super-constellation is a product of two super-PAMs, ML decisions
 * are per axis, and the probability of deciding level m when level j was sent is
 * Q((t_{m-1} - a_j) / s) - Q((t_m - a_j) / s) with thresholds t halfway between levels and
 * s^2 = noise_var / 2. Layer k is right on one axis when the decided level carries the same
 * layer-k code; both axes are independent, so SER_k = 1 - P_axis,k^2. Holds for any alpha.
 * Throws if the demapper is not separable.
 */
std::vector<double> superposition_ser(const SuperpositionDemapper& demapper, double noise_var);

//! SER of the whole super-symbol (any layer wrong), same conditions as superposition_ser.
double superposition_symbol_ser(const SuperpositionDemapper& demapper, double noise_var);

/*!
 * \brief Per-layer SER averaged over flat fading with perfect-CSI zero-forcing.
 *
 * After y / h the noise variance is noise_var / |h|^2, so the SER is the AWGN closed form at that
 * variance averaged over the pdf of g = |h|^2: e^-g for Rayleigh, and for Rician with K-factor
 * (K + 1) e^-K e^-(K+1)g I0(2 sqrt(K (K + 1) g)). Integrated numerically (Simpson, g in [0, 60]).
 * For AWGN (fading none) it equals superposition_ser.
 */
std::vector<double> faded_superposition_ser(const SuperpositionDemapper& demapper,
                                            double noise_var, Fading fading, double k_factor);

} // namespace semcom

#endif
