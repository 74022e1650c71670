/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/metrics.h>
#include <semcom/separate/simulation.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace semcom::separate {

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

} // namespace

Fallback fallback_of(const ImageSet& train)
{
    return { mean_image(train), most_frequent_label(train.fine), most_frequent_label(train.coarse) };
}

std::vector<std::pair<std::string, double>> StageSeconds::stages() const
{
    return { { "jpeg encode (to budget)", jpeg_enc }, { "crc + ldpc encode + qam", tx },
             { "channel + equaliser", channel },      { "llr + ldpc decode + crc", rx },
             { "jpeg decode", jpeg_dec },             { "classifier + metrics", classify } };
}

Simulation::Simulation(const ImageSet& images, std::size_t count, Fallback fallback, SimulationConfig config)
    : d_set(images),
      d_config(std::move(config)),
      d_images(std::min(count, images.size())),
      d_D(images.image_size()),
      d_n(d_config.channel_uses),
      d_fallback(std::move(fallback)),
      d_codec(images.channels, images.height, images.width),
      d_y(std::size_t(std::max(d_n, 0))),
      d_h(d_y.size()),
      d_z(d_y.size()),
      d_nv(d_y.size())
{
    if (d_n <= 0)
        throw std::invalid_argument("separate::Simulation: channel uses must be positive");
    if (d_config.mcs.empty())
        throw std::invalid_argument("separate::Simulation: no MCS");
    if (d_config.broadcast.size() == 0)
        throw std::invalid_argument("separate::Simulation: no receivers");
    if (d_config.classify_batch == 0)
        throw std::invalid_argument("separate::Simulation: classify_batch must be positive");
    if (d_fallback.image.size() != d_D)
        throw std::invalid_argument("separate::Simulation: the fallback image has " +
                                    std::to_string(d_fallback.image.size()) + " values, the images " +
                                    std::to_string(d_D));
    const std::string alist = d_config.alist.empty() ? default_alist_path() : d_config.alist;
    for (std::size_t m : d_config.mcs)
        d_links.emplace_back(mcs_table().at(m), d_n, alist);
}

void Simulation::source_code()
{
    // once per image and payload size: the same JPEG for every receiver
    for (const auto& l : d_links) {
        const std::size_t b = l.payload_bytes();
        if (d_payloads.count(b))
            continue;
        auto& p = d_payloads[b];
        auto& q = d_qualities[b];
        p.resize(d_images);
        q.resize(d_images);
        const auto t_start = clock_type::now();
        for (std::size_t i = 0; i < d_images; ++i) {
            p[i] = d_codec.encode_to_budget(d_set.image(i), b, &q[i]);
            if (p[i].empty())
                p[i] = { 0 }; // quality 0: no image fits; the receiver shows the fallback image
        }
        d_seconds.jpeg_enc += seconds_since(t_start);
    }
}

void Simulation::transmit()
{
    if (d_payloads.size() == 0)
        source_code();
    const std::size_t n_rx = d_config.broadcast.size();
    d_outcomes.assign(n_rx, std::vector<Outcome>(d_links.size()));
    d_chosen.clear();
    std::vector<cfloat> x;
    for (std::size_t c = 0; c < d_links.size(); ++c) {
        // Each MCS has its own channel realisations (seed from the MCS's place in the table), so that
        // a run with one MCS reproduces that MCS's frames of a run with every one.
        BroadcastChannel channel(d_config.broadcast.receivers, d_config.seed + 1000003ULL * d_config.mcs[c]);
        for (std::size_t r = 0; r < n_rx; ++r) {
            d_outcomes[r][c].recon.resize(d_images * d_D);
            d_outcomes[r][c].shown.assign(d_images, 0);
        }
        const auto& pl = d_payloads[d_links[c].payload_bytes()];
        for (std::size_t i = 0; i < d_images; ++i) {
            const auto t_start = clock_type::now();
            d_links[c].transmit(pl[i], x);
            d_seconds.tx += seconds_since(t_start);
            d_symbols_sent += x.size();
            d_frames_sent++;
            channel.new_block();
            for (std::size_t r = 0; r < n_rx; ++r)
                receive_one(c, r, i, x, channel.receiver(r));
        }
    }
}

void Simulation::receive_one(std::size_t c, std::size_t r, std::size_t i, const std::vector<cfloat>& x, Channel& ch)
{
    auto& out = d_outcomes[r][c];
    auto t_start = clock_type::now();
    ch.apply(x.data(), d_y.data(), std::size_t(d_n), d_h.data());
    d_zf.zero_force(d_y.data(), d_h.data(), ch.noise_var(), d_z.data(), d_nv.data(), std::size_t(d_n));
    d_seconds.channel += seconds_since(t_start);
    t_start = clock_type::now();
    const bool ok = d_links[c].receive(d_z.data(), d_nv.data(), d_got);
    d_seconds.rx += seconds_since(t_start);
    out.crc_ok += ok;
    out.fits += d_qualities[d_links[c].payload_bytes()][i] > 0;
    float* dst = out.recon.data() + i * d_D;
    bool shown = false;
    if (ok && !d_got.empty() && d_got[0] != 0) {
        t_start = clock_type::now();
        shown = d_codec.decode(d_got, dst);
        d_seconds.jpeg_dec += seconds_since(t_start);
    }
    if (shown) {
        out.decoded++;
        out.quality_sum += d_got[0];
        out.shown[i] = 1;
    } else {
        std::copy(d_fallback.image.begin(), d_fallback.image.end(), dst);
    }
}

std::vector<ReceiverResult> Simulation::score(const Classifier& classify)
{
    if (d_outcomes.size() != d_config.broadcast.size())
        throw std::logic_error("separate::Simulation::score: transmit() first");
    const double images = double(d_images);
    ImageScorer scorer(d_set.channels, d_set.height, d_set.width);
    std::vector<int> fine(d_config.classify_batch), coarse(d_config.classify_batch);
    std::vector<ReceiverResult> results;
    d_chosen.clear();
    for (std::size_t r = 0; r < d_outcomes.size(); ++r) {
        ReceiverResult res;
        for (const auto& oc : d_outcomes[r])
            res.crc_ok_by_link.push_back(double(oc.crc_ok) / images);
        res.link = best_link(d_links, res.crc_ok_by_link, d_config.crc_target);
        d_chosen.push_back(res.link);
        const auto& out = d_outcomes[r][res.link];
        std::size_t right_fine = 0, right_coarse = 0;
        double psnr_sum = 0, ssim_sum = 0;
        const auto t_start = clock_type::now();
        for (std::size_t i0 = 0; i0 < d_images; i0 += d_config.classify_batch) {
            const std::size_t b = std::min(d_config.classify_batch, d_images - i0);
            classify(out.recon.data() + i0 * d_D, b, fine.data(), coarse.data());
            for (std::size_t k = 0, i = i0; k < b; ++k, ++i) {
                right_fine += (out.shown[i] ? fine[k] : d_fallback.fine) == d_set.fine[i];
                right_coarse += (out.shown[i] ? coarse[k] : d_fallback.coarse) == d_set.coarse[i];
                const auto s = scorer.score(d_set.image(i), out.recon.data() + i * d_D);
                psnr_sum += s.psnr_db;
                ssim_sum += s.ssim;
            }
        }
        d_seconds.classify += seconds_since(t_start);
        res.crc_ok = res.crc_ok_by_link[res.link];
        res.fits = double(out.fits) / images;
        res.decoded = double(out.decoded) / images;
        res.jpeg_quality_mean = out.decoded ? out.quality_sum / double(out.decoded) : 0.0;
        res.accuracy_fine = double(right_fine) / images;
        res.accuracy_coarse = double(right_coarse) / images;
        res.psnr_db = psnr_sum / images;
        res.ssim = ssim_sum / images;
        results.push_back(std::move(res));
    }
    return results;
}

double Simulation::symbols_per_image() const
{
    return d_frames_sent ? double(d_symbols_sent) / double(d_frames_sent) : 0.0;
}

const float* Simulation::shown_image(std::size_t receiver, std::size_t i) const
{
    if (receiver >= d_chosen.size() || i >= d_images)
        throw std::out_of_range("separate::Simulation::shown_image: score() first, and an image sent");
    return d_outcomes[receiver][d_chosen[receiver]].recon.data() + i * d_D;
}

std::vector<std::vector<const float*>> Simulation::image_rows(std::size_t count) const
{
    std::vector<std::vector<const float*>> rows(1 + d_chosen.size());
    for (std::size_t k = 0; k < std::min(count, d_images); ++k) {
        rows[0].push_back(d_set.image(k));
        for (std::size_t r = 0; r < d_chosen.size(); ++r)
            rows[1 + r].push_back(shown_image(r, k));
    }
    return rows;
}

} // namespace semcom::separate
