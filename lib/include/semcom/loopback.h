/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_LOOPBACK_H
#define SEMCOM_LOOPBACK_H

#include <semcom/channel.h>
#include <semcom/constellation.h>
#include <semcom/equaliser.h>
#include <semcom/metrics.h>
#include <semcom/random.h>
#include <semcom/superposition.h>

#include <cstdint>
#include <functional>
#include <vector>

/*!
 * \file
 * The DSP loopback behind `semcom loopback`, without GNU Radio: random index streams ->
 * superposition mapper -> broadcast channel to N receivers -> per receiver: zero-forcing
 * equaliser (perfect CSI) -> hard ML, hard SIC and soft (exact LLR) demapping -> per-layer symbol
 * and bit error counts next to the closed forms of semcom/theory.h.
 */

namespace semcom {

struct LoopbackConfig {
    std::vector<Constellation> layers; //!< at least two, most protected first
    std::vector<float> alphas;         //!< power share of each layer (decreasing, sum 1)
    BroadcastConfig broadcast;         //!< one channel per receiver
    std::uint64_t symbols = 1000000;   //!< symbols to send per run()
    std::size_t frame = 1024;          //!< symbols per frame (one block-fading draw per frame)
    std::uint64_t seed = 1;            //!< channel: seed; index streams: seed ^ 0x5eed5eed
};

//! One layer at one receiver.
struct LoopbackLayerResult {
    RateCounter ser_ml;   //!< symbol errors of joint ML decisions / symbols sent
    RateCounter ser_sic;  //!< symbol errors of layer-by-layer SIC decisions / symbols sent
    RateCounter ber_soft; //!< bit errors of the signs of the exact LLRs / bits sent
    double ser_theory = 0; //!< closed-form SER of ML decisions; NaN for non-separable layers
    std::uint64_t symbols() const { return ser_ml.trials(); }
};

struct LoopbackResult {
    std::vector<std::vector<LoopbackLayerResult>> receivers; //!< [receiver][layer]
    std::uint64_t symbols = 0; //!< symbols sent
    double seconds = 0;        //!< wall clock of map + channels + demapping
    double symbols_per_second() const { return seconds > 0 ? symbols / seconds : 0.0; }
};

/*!
 * \brief The loopback: run() sends LoopbackConfig::symbols random symbols frame by frame and
 * decides them at every receiver (perfect-CSI zero forcing, hard ML, hard SIC, exact LLRs);
 * theory() gives the closed forms.
 *
 * Deterministic for a seed. Each run() counts afresh; the random streams continue.
 */
class LoopbackSimulation
{
public:
    //! Throws std::invalid_argument for fewer than two layers, an alpha count that does not
    //! match, bad alphas (SuperpositionMapper), no receivers or a frame of 0.
    explicit LoopbackSimulation(LoopbackConfig config);
    LoopbackSimulation(const LoopbackSimulation&) = delete; // the demapper refers to the mapper
    LoopbackSimulation& operator=(const LoopbackSimulation&) = delete;

    const LoopbackConfig& config() const { return d_config; }
    const SuperpositionDemapper& demapper() const { return d_demapper; }
    std::size_t receivers() const { return d_config.broadcast.size(); }
    std::size_t layers() const { return d_config.layers.size(); }

    //! Called after each frame with the symbols sent so far and the total.
    using Progress = std::function<void(std::uint64_t sent, std::uint64_t total)>;
    LoopbackResult run(const Progress& progress = {});

    //! Closed-form ML SER per receiver and layer (faded_superposition_ser with each receiver's
    //! noise variance and fading); NaN where the layers are not separable.
    std::vector<std::vector<double>> theory() const;

private:
    //! Per-layer buffers of one frame: pointers to them are what the mapper and demapper take.
    template <typename T>
    struct LayerBuffers {
        std::vector<std::vector<T>> data;
        std::vector<T*> ptr;
        LayerBuffers(const std::vector<unsigned>& per_symbol, std::size_t frame);
    };

    void send_frame(std::size_t n);
    void receive_frame(std::size_t r, std::size_t n, std::vector<LoopbackLayerResult>& results);

    const LoopbackConfig d_config;
    const SuperpositionMapper d_mapper;
    const SuperpositionDemapper d_demapper;
    BroadcastChannel d_channel;
    const std::vector<unsigned> d_bits;
    LayerBuffers<std::uint8_t> d_tx, d_ml, d_sic;
    LayerBuffers<float> d_llr;
    std::vector<cfloat> d_x, d_eq;
    std::vector<float> d_eq_noise_var;
    std::vector<std::vector<cfloat>> d_y, d_h;
    std::vector<cfloat*> d_y_ptr, d_h_ptr;
    Xoshiro256Plus d_rng;
    const Equaliser d_zf{ EqualiserKind::zf };
};

} // namespace semcom

#endif
