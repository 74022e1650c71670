/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom alloc --simulate N: the allocation drives a multi-user run (digest §6.5, outage level).
 * Each selected user sends N frames of its own test images through the ASC encoder, drops the
 * features its ratio drops (shipped order), quantizes the rest with semcom-core's Quantizer, and
 * meets the delay on its share of bandwidth and power only when the frame's half-normal gain lets
 * B log2(1 + |h| P / (N0 B)) carry the kept bits in t0; the receiver zero-fills and classifies.
 * Measured success = delivered and right; the scheduler predicted η(o) 2Q(x).
 */
#include "alloc_scenario.h"

#include <semcom/images.h>
#include <semcom/metrics.h>
#include <semcom/neural/model.h>
#include <semcom/quantizer.h>
#include <semcom/theory.h>

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace semcom::apps {

using nlohmann::json;

json run_allocation(const AllocOptions& o,
                    const Scenario& scenario,
                    const alloc::Scheduler& scheduler,
                    const alloc::Allocation& allocation)
{
    if (scenario.models.empty())
        throw std::invalid_argument("--simulate needs the users' η from an ASC manifest (eta.manifest), "
                                    "whose models it runs");
    const std::string encoder_path = scenario.models + "_encoder.json", decoder_path = scenario.models + "_rx1.json";
    const AscManifest asc_tx = read_asc_manifest(encoder_path);
    if (read_asc_manifest(decoder_path).order != asc_tx.order)
        throw std::invalid_argument(decoder_path + ": asc.order differs from the encoder's (" + encoder_path + ")");
    const auto& order = asc_tx.order;
    const std::size_t features = order.size();
    // what the exporter measured at each ratio, beside the η the scheduler used
    const alloc::EtaModel measured = asc_tx.eta_model("digital", 0.0, true);
    neural::ModelOptions mo;
    mo.device = o.device;
    mo.max_batch = 256;
    neural::Model encoder(encoder_path, mo), decoder(decoder_path, mo);
    const auto& dec_inputs = decoder.manifest().inputs;
    if (dec_inputs.size() != 1 || dec_inputs[0].item_numel() != std::int64_t(features))
        throw std::invalid_argument(decoder_path + ": expected one input of " + std::to_string(features) +
                                    " values (the zero-filled features)");
    if (encoder.manifest().outputs.size() != 1 || encoder.manifest().outputs[0].item_numel() != std::int64_t(features))
        throw std::invalid_argument(encoder_path + ": expected one output of " + std::to_string(features) + " features");
    int logits_output = -1;
    for (std::size_t k = 0; k < decoder.manifest().outputs.size(); ++k)
        if (decoder.manifest().outputs[k].role == "logits")
            logits_output = int(k);
    if (logits_output < 0)
        throw std::invalid_argument(decoder_path + ": no logits output");
    const unsigned bits = unsigned(asc_tx.bits_per_feature);
    const Quantizer quantizer(bits);
    const ImageSet images = load_idx(o.images, o.labels);
    if (images.size() == 0)
        throw std::invalid_argument(o.images + ": no images");

    const auto& users = scheduler.users();
    const auto& b = scheduler.budget();
    json out = json::array();
    const auto started = std::chrono::steady_clock::now();
    std::printf("\nmulti-user run: %d frames per user through %s (K = %zu, %u-bit features), allocation %s\n",
                o.simulate, scenario.models.c_str(), features, bits, allocation.algorithm.c_str());
    std::printf("%-10s %6s %5s %9s %9s %9s %9s %17s %9s %6s\n", "user", "o", "kept", "delivered", "2Q(x)",
                "accuracy", "eta(o)", "success [95% CI]", "predicted", "inside");
    // Each user's 95 % interval misses its prediction 1 time in 20 by chance alone; with U users
    // the family-wise check (Bonferroni, 95 % for all of them together) is the one to hold.
    const std::size_t served = std::size_t(std::count(allocation.selected.begin(), allocation.selected.end(), true));
    const double z_family = qfunc_inverse(0.025 / double(std::max<std::size_t>(1, served)));
    int outside = 0, outside_family = 0;
    for (std::size_t i = 0; i < users.size(); ++i) {
        if (!allocation.selected[i]) {
            out.push_back({ { "name", users[i].name }, { "selected", false } });
            continue;
        }
        const double ratio = allocation.ratio[i];
        const auto keep = asc::keep_mask(order, ratio);
        const std::size_t kept = std::count(keep.begin(), keep.end(), true);
        const double frame_bits = users[i].data_bits * double(kept) / double(features);
        asc::OutageLink link{ allocation.bandwidth_hz[i], allocation.power_w[i], b.noise_psd_w_per_hz, users[i].gain,
                              users[i].delay_s };
        link.validate();
        asc::HalfNormalGain gain(users[i].gain, 1000003ULL * (o.seed ? o.seed : scenario.cell_seed) + i);
        RateCounter delivered, right_when_delivered, success;
        std::vector<float> kept_values(kept), dequantized(kept);
        std::vector<std::uint16_t> codes(kept);
        for (int start = 0; start < o.simulate; start += 256) {
            const int batch = std::min(256, o.simulate - start);
            std::vector<float> pixels(std::size_t(batch) * images.image_size());
            std::vector<int> labels(batch);
            for (int f = 0; f < batch; ++f) {
                // each user its own stretch of the test set
                const std::size_t index = (i * 1009 + std::size_t(start + f)) % images.size();
                std::copy_n(images.image(index), images.image_size(), pixels.begin() + std::size_t(f) * images.image_size());
                labels[f] = images.fine[index];
            }
            const auto z = encoder.run(batch, { pixels.data() })[0].contiguous();
            std::vector<float> received(std::size_t(batch) * features, 0.0f);
            std::vector<bool> arrived(batch);
            for (int f = 0; f < batch; ++f) {
                const float* zf = z.data_ptr<float>() + std::size_t(f) * features;
                std::size_t n = 0;
                for (std::size_t k = 0; k < features; ++k)
                    if (keep[k])
                        kept_values[n++] = zf[k];
                if (kept) {
                    const auto range = Quantizer::range_of(kept_values.data(), kept);
                    quantizer.quantize(kept_values.data(), kept, range, codes.data());
                    quantizer.dequantize(codes.data(), kept, range, dequantized.data());
                }
                arrived[f] = link.delivered(frame_bits, gain());
                n = 0;
                for (std::size_t k = 0; k < features; ++k)
                    if (keep[k])
                        received[std::size_t(f) * features + k] = dequantized[n++];
            }
            const auto logits = decoder.run(batch, { received.data() })[logits_output].contiguous();
            const auto predicted = logits.argmax(1);
            for (int f = 0; f < batch; ++f) {
                const bool right = predicted[f].item<std::int64_t>() == labels[f];
                delivered.add(arrived[f], 1);
                if (arrived[f])
                    right_when_delivered.add(right, 1);
                success.add(arrived[f] && right, 1);
            }
        }
        const double prediction = allocation.eta[i] * allocation.success_q[i];
        const auto [low, high] = success.wilson_interval();
        const bool inside = prediction >= low && prediction <= high;
        const auto [family_low, family_high] = success.wilson_interval(z_family);
        const bool inside_family = prediction >= family_low && prediction <= family_high;
        outside += !inside;
        outside_family += !inside_family;
        const double eta_measured = measured(double(features - kept) / double(features));
        std::printf("%-10s %6.3f %5zu %9.4f %9.4f %9.4f %9.4f %7.4f [%.3f,%.3f] %9.4f %6s\n", users[i].name.c_str(),
                    ratio, kept, delivered.rate(), allocation.success_q[i], right_when_delivered.rate(), allocation.eta[i],
                    success.rate(), low, high, prediction, inside ? "yes" : "NO");
        out.push_back({ { "name", users[i].name },
                        { "selected", true },
                        { "ratio", ratio },
                        { "kept_features", kept },
                        { "frame_bits", frame_bits },
                        { "frames", success.trials() },
                        { "delivered", delivered.rate() },
                        { "predicted_delivery_q", allocation.success_q[i] },
                        { "accuracy_when_delivered", right_when_delivered.rate() },
                        { "eta_fit", allocation.eta[i] },
                        { "eta_measured_at_export", eta_measured },
                        { "success", success.rate() },
                        { "success_ci95", { low, high } },
                        { "predicted_success", prediction },
                        { "inside_ci95", inside },
                        { "success_family_ci95", { family_low, family_high } },
                        { "inside_family_ci95", inside_family } });
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("%d of %zu served users outside their own 95 %% interval (1 in 20 expected by chance); %d outside "
                "the family-wise 95 %% interval (z = %.2f); %.1f s (%s)\n",
                outside, served, outside_family, z_family, seconds, encoder.device_name().c_str());
    return { { "algorithm", allocation.algorithm }, { "frames_per_user", o.simulate }, { "users", out },
             { "outside_ci95", outside }, { "outside_family_ci95", outside_family }, { "family_z", z_family },
             { "seconds", seconds } };
}

} // namespace semcom::apps
