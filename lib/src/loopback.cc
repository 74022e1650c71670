/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/loopback.h>
#include <semcom/theory.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace semcom {

namespace {

LoopbackConfig validated(LoopbackConfig c)
{
    if (c.layers.size() < 2)
        throw std::invalid_argument("LoopbackSimulation: need at least two layers for superposition");
    if (c.alphas.size() != c.layers.size())
        throw std::invalid_argument("LoopbackSimulation: " + std::to_string(c.alphas.size()) +
                                    " alphas for " + std::to_string(c.layers.size()) + " layers");
    if (c.broadcast.size() == 0)
        throw std::invalid_argument("LoopbackSimulation: no receivers");
    if (c.frame == 0)
        throw std::invalid_argument("LoopbackSimulation: frame of 0 symbols");
    return c;
}

std::vector<unsigned> bits_of(const std::vector<Constellation>& layers)
{
    std::vector<unsigned> b;
    for (const auto& c : layers)
        b.push_back(c.bits_per_symbol());
    return b;
}

} // namespace

template <typename T>
LoopbackSimulation::LayerBuffers<T>::LayerBuffers(const std::vector<unsigned>& per_symbol, std::size_t frame)
{
    for (unsigned m : per_symbol)
        data.emplace_back(frame * m);
    for (auto& v : data)
        ptr.push_back(v.data());
}

LoopbackSimulation::LoopbackSimulation(LoopbackConfig config)
    : d_config(validated(std::move(config))), d_mapper(d_config.layers, d_config.alphas), d_demapper(d_mapper),
      d_channel(d_config.broadcast.receivers, d_config.seed), d_bits(bits_of(d_config.layers)),
      d_tx(std::vector<unsigned>(layers(), 1u), d_config.frame),
      d_ml(std::vector<unsigned>(layers(), 1u), d_config.frame),
      d_sic(std::vector<unsigned>(layers(), 1u), d_config.frame), d_llr(d_bits, d_config.frame),
      d_x(d_config.frame), d_eq(d_config.frame), d_eq_noise_var(d_config.frame),
      d_y(receivers(), std::vector<cfloat>(d_config.frame)), d_h(receivers(), std::vector<cfloat>(d_config.frame)),
      d_rng(d_config.seed ^ 0x5eed5eedULL)
{
    for (std::size_t r = 0; r < receivers(); ++r) {
        d_y_ptr.push_back(d_y[r].data());
        d_h_ptr.push_back(d_h[r].data());
    }
}

LoopbackResult LoopbackSimulation::run(const Progress& progress)
{
    LoopbackResult result;
    result.receivers.assign(receivers(), std::vector<LoopbackLayerResult>(layers()));
    const auto start = std::chrono::steady_clock::now();
    const std::uint64_t total = d_config.symbols;
    while (result.symbols < total) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(d_config.frame, total - result.symbols));
        send_frame(n);
        for (std::size_t r = 0; r < receivers(); ++r)
            receive_frame(r, n, result.receivers[r]);
        result.symbols += n;
        if (progress)
            progress(result.symbols, total);
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto closed_form = theory();
    for (std::size_t r = 0; r < receivers(); ++r)
        for (std::size_t l = 0; l < layers(); ++l)
            result.receivers[r][l].ser_theory = closed_form[r][l];
    return result;
}

void LoopbackSimulation::send_frame(std::size_t n)
{
    for (std::size_t l = 0; l < layers(); ++l)
        for (std::size_t i = 0; i < n; ++i)
            d_tx.data[l][i] = static_cast<std::uint8_t>(d_rng() % d_config.layers[l].order());
    d_mapper.map(d_tx.ptr.data(), d_x.data(), n);
    d_channel.new_block();
    d_channel.apply(d_x.data(), d_y_ptr.data(), n, d_h_ptr.data());
}

void LoopbackSimulation::receive_frame(std::size_t r, std::size_t n, std::vector<LoopbackLayerResult>& results)
{
    // perfect-CSI zero forcing; the noise variance after it per symbol
    d_zf.zero_force(d_y[r].data(), d_h[r].data(), d_channel.receiver(r).noise_var(), d_eq.data(),
                    d_eq_noise_var.data(), n);
    d_demapper.hard_ml(d_eq.data(), d_ml.ptr.data(), n);
    d_demapper.hard_sic(d_eq.data(), d_sic.ptr.data(), n);
    d_demapper.llrs(d_eq.data(), d_eq_noise_var.data(), d_llr.ptr.data(), n);
    for (std::size_t l = 0; l < layers(); ++l) {
        auto& res = results[l];
        res.ser_ml.add(count_symbol_errors(d_ml.data[l].data(), d_tx.data[l].data(), n), n);
        res.ser_sic.add(count_symbol_errors(d_sic.data[l].data(), d_tx.data[l].data(), n), n);
        res.ber_soft.add(count_llr_bit_errors(d_llr.data[l].data(), d_tx.data[l].data(), n, d_bits[l]),
                         std::uint64_t(n) * d_bits[l]);
    }
}

std::vector<std::vector<double>> LoopbackSimulation::theory() const
{
    std::vector<std::vector<double>> out(receivers(), std::vector<double>(layers(), std::nan("")));
    if (!d_demapper.separable())
        return out;
    for (std::size_t r = 0; r < receivers(); ++r) {
        const auto& rx = d_config.broadcast[r];
        const auto ser = faded_superposition_ser(d_demapper, d_channel.receiver(r).noise_var(), rx.fading, rx.k_factor);
        for (std::size_t l = 0; l < layers(); ++l)
            out[r][l] = ser[l];
    }
    return out;
}

} // namespace semcom
