/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate --scheme separate: the separate source-channel coding baseline at the same number
 * of channel uses as the semantic schemes. Each image -> JPEG (libjpeg-turbo, the highest quality
 * that fits the MCS's payload) -> semcom::separate::SeparateLink (CRC-32, LDPC rate-matched to n
 * symbols of Gray QAM) -> the same channels (semcom::BroadcastChannel) -> zero forcing with the
 * genie CSI -> the link's receiver -> JPEG decoding -> the clean-image classifier (TorchScript,
 * semcom::neural::Model). A frame whose CRC fails, or whose image did not fit even at JPEG
 * quality 1, shows the training-set mean image and the most frequent class: the cliff.
 */
#include "separate.h"
#include "models.h"
#include "run.h"
#include "simulate.h"

#include <semcom/channel.h>
#include <semcom/equaliser.h>
#include <semcom/images.h>
#include <semcom/jpeg_codec.h>
#include <semcom/metrics.h>
#include <semcom/neural/manifest.h>
#include <semcom/neural/model.h>
#include <semcom/separate/link.h>

#include <ATen/ATen.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

namespace semcom::apps {

namespace {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;
using separate::SeparateLink;

double seconds_since(clock_type::time_point t0)
{
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

//! The channel uses of the semantic schemes' shipped models, unless given.
int channel_uses(const SimulateOptions& o)
{
    if (o.channel_uses > 0)
        return o.channel_uses;
    const std::string enc = model_prefix("deepscm", "") + "_encoder.json";
    if (!fs::exists(enc))
        throw std::runtime_error("--scheme separate: '" + enc + "' not found to read the channel uses from: give --channel-uses");
    return int(neural::Manifest::load(enc).channel_uses);
}

//! One receiver under one MCS: what it shows for every image.
struct Outcome {
    std::vector<float> recon;        // images x D
    std::vector<std::uint8_t> shown; // decoded image shown (CRC ok and an image fitted)
    std::size_t crc_ok = 0, fits = 0, decoded = 0;
    double quality_sum = 0;
};

//! Seconds spent per stage (--bench).
struct Timing {
    double jpeg_enc = 0, tx = 0, channel = 0, rx = 0, jpeg_dec = 0, classify = 0;
};

/*!
 * The baseline's run: the constructor checks the options and loads the data, the classifier and
 * the links (one per candidate MCS); source_code() makes the JPEGs; transmit() sends every image with every candidate MCS to every receiver; score() picks
 * each receiver's MCS and measures what it shows; report() prints and writes the results.
 */
class SeparateRun
{
public:
    explicit SeparateRun(const SimulateOptions& o);
    void source_code();
    void transmit();
    nlohmann::json score();
    void report(nlohmann::json& j) const;

private:
    void receive_one(std::size_t c, std::size_t r, std::size_t i, const std::vector<cfloat>& x, Channel& ch);

    const SimulateOptions& o;
    const BroadcastConfig broadcast;
    const std::vector<std::size_t> candidates; // indices into the MCS table
    const int n;
    const std::string alist, clf_path;
    const clock_type::time_point t_setup = clock_type::now();
    const ImageSet test;
    std::size_t images, D;
    std::vector<float> fallback_image;
    int fallback_fine, fallback_coarse;
    neural::Model classifier;
    JpegCodec codec;
    std::vector<SeparateLink> links;
    std::map<std::size_t, std::vector<std::vector<std::uint8_t>>> payloads; // payload bytes -> per image
    std::map<std::size_t, std::vector<int>> qualities;
    std::vector<std::vector<Outcome>> outcomes; // [receiver][candidate]
    std::vector<std::size_t> chosen;           // per receiver: its candidate
    std::size_t symbols_sent = 0, frames_sent = 0;
    clock_type::time_point t0;
    Timing t;
    const Equaliser zf{ EqualiserKind::zf };
    std::vector<cfloat> y, h, z;
    std::vector<float> nv;
    std::vector<std::uint8_t> got;
};

neural::ModelOptions classifier_options(const SimulateOptions& o)
{
    neural::ModelOptions mo;
    mo.device = o.device;
    mo.max_batch = 64;
    mo.log = [quiet = o.quiet](const std::string& line) {
        if (!quiet)
            std::fprintf(stderr, "%s\n", line.c_str());
    };
    return mo;
}

std::string classifier_path(const SimulateOptions& o)
{
    const std::string p = (o.models.empty() ? std::string("models/separate") : o.models) + "_classifier.json";
    if (!fs::exists(p))
        throw std::runtime_error("classifier not found: '" + p +
                                 "' (PYTHONPATH=python /usr/bin/python3 -m semcom_train.separate export-classifier)");
    return p;
}

SeparateRun::SeparateRun(const SimulateOptions& opts)
    : o(opts),
      broadcast(BroadcastConfig::parse(o.channels, o.snrs, o.fading, "--channel", "--snr")),
      candidates(separate::mcs_candidates(o.mcs)),
      n(channel_uses(o)),
      alist(separate::default_alist_path()),
      clf_path(classifier_path(o)),
      test(load_fashion_mnist("test")),
      images(std::min<std::size_t>(std::size_t(o.images), test.size())),
      D(test.image_size()),
      classifier(clf_path, classifier_options(o)),
      codec(test.channels, test.height, test.width),
      y(n), h(n), z(n), nv(n)
{
    {
        const ImageSet train = load_fashion_mnist("train");
        fallback_image = mean_image(train);
        fallback_fine = most_frequent_label(train.fine);
        fallback_coarse = most_frequent_label(train.coarse);
    }
    const auto& cm = classifier.manifest();
    if (cm.inputs.size() != 1 || cm.inputs[0].item_numel() != std::int64_t(D) || cm.outputs.size() != 2)
        throw std::runtime_error("'" + clf_path + "': expected one image input of " + std::to_string(D) +
                                 " values and two outputs (fine, coarse logits)");
    for (std::size_t m : candidates)
        links.emplace_back(separate::mcs_table()[m], n, alist);
    if (!o.quiet)
        for (const auto& l : links)
            std::fprintf(stderr, "separate: %s\n", l.describe().c_str());
    t0 = clock_type::now();
}

void SeparateRun::source_code()
{
    // once per image and payload size: the same JPEG for every receiver
    for (const auto& l : links) {
        const std::size_t b = l.payload_bytes();
        if (payloads.count(b))
            continue;
        auto& p = payloads[b];
        auto& q = qualities[b];
        p.resize(images);
        q.resize(images);
        const auto t_start = clock_type::now();
        for (std::size_t i = 0; i < images; ++i) {
            p[i] = codec.encode_to_budget(test.image(i), b, &q[i]);
            if (p[i].empty())
                p[i] = { 0 }; // quality 0: no image fits; the receiver shows the mean image
        }
        t.jpeg_enc += seconds_since(t_start);
    }
}

void SeparateRun::transmit()
{
    const std::size_t n_rx = broadcast.size();
    outcomes.assign(n_rx, std::vector<Outcome>(links.size()));
    std::vector<cfloat> x;
    for (std::size_t c = 0; c < links.size(); ++c) {
        // Each MCS has its own channel realisations (seed from the MCS's place in the table), so that
        // a run with --mcs NAME reproduces that MCS's frames of an --mcs auto run.
        BroadcastChannel channel(broadcast.receivers, o.seed + 1000003ULL * candidates[c]);
        for (std::size_t r = 0; r < n_rx; ++r) {
            outcomes[r][c].recon.resize(images * D);
            outcomes[r][c].shown.assign(images, 0);
        }
        const auto& pl = payloads[links[c].payload_bytes()];
        for (std::size_t i = 0; i < images; ++i) {
            const auto t_start = clock_type::now();
            links[c].transmit(pl[i], x);
            t.tx += seconds_since(t_start);
            symbols_sent += x.size();
            frames_sent++;
            channel.new_block();
            for (std::size_t r = 0; r < n_rx; ++r)
                receive_one(c, r, i, x, channel.receiver(r));
        }
    }
}

void SeparateRun::receive_one(std::size_t c, std::size_t r, std::size_t i, const std::vector<cfloat>& x, Channel& ch)
{
    auto& out = outcomes[r][c];
    auto t_start = clock_type::now();
    ch.apply(x.data(), y.data(), std::size_t(n), h.data());
    zf.zero_force(y.data(), h.data(), ch.noise_var(), z.data(), nv.data(), std::size_t(n));
    t.channel += seconds_since(t_start);
    t_start = clock_type::now();
    const bool ok = links[c].receive(z.data(), nv.data(), got);
    t.rx += seconds_since(t_start);
    out.crc_ok += ok;
    out.fits += qualities[links[c].payload_bytes()][i] > 0;
    float* dst = out.recon.data() + i * D;
    bool shown = false;
    if (ok && !got.empty() && got[0] != 0) {
        t_start = clock_type::now();
        shown = codec.decode(got, dst);
        t.jpeg_dec += seconds_since(t_start);
    }
    if (shown) {
        out.decoded++;
        out.quality_sum += got[0];
        out.shown[i] = 1;
    } else {
        std::copy(fallback_image.begin(), fallback_image.end(), dst);
    }
}

nlohmann::json SeparateRun::score()
{
    nlohmann::json j;
    j["models"] = "separate";
    j["scheme"] = "separate";
    j["images"] = images;
    j["channel_uses"] = n;
    j["symbols_per_image"] = frames_sent ? double(symbols_sent) / double(frames_sent) : 0.0;
    j["ldpc"] = std::string("gr-fec ldpc_encoder/ldpc_decoder (sum-product), ") + alist;
    ImageScorer scorer(test.channels, test.height, test.width);
    for (std::size_t r = 0; r < broadcast.size(); ++r) {
        std::vector<double> crc_ok;
        for (const auto& oc : outcomes[r])
            crc_ok.push_back(double(oc.crc_ok) / double(images));
        chosen.push_back(separate::best_link(links, crc_ok));
        const auto& out = outcomes[r][chosen.back()];
        std::size_t right_fine = 0, right_coarse = 0;
        double psnr_sum = 0, ssim_sum = 0;
        const auto t_start = clock_type::now();
        for (std::size_t i0 = 0; i0 < images; i0 += 64) {
            const std::size_t b = std::min<std::size_t>(64, images - i0);
            const auto logits = classifier.run(std::int64_t(b), { out.recon.data() + i0 * D });
            const auto fine = logits[0].argmax(1), coarse = logits[1].argmax(1);
            for (std::size_t k = 0, i = i0; k < b; ++k, ++i) {
                right_fine += (out.shown[i] ? int(fine.data_ptr<std::int64_t>()[k]) : fallback_fine) == test.fine[i];
                right_coarse += (out.shown[i] ? int(coarse.data_ptr<std::int64_t>()[k]) : fallback_coarse) == test.coarse[i];
                const auto s = scorer.score(test.image(i), out.recon.data() + i * D);
                psnr_sum += s.psnr_db;
                ssim_sum += s.ssim;
            }
        }
        t.classify += seconds_since(t_start);
        const double acc_f = double(right_fine) / double(images), acc_c = double(right_coarse) / double(images);
        const std::string task = r == 0 ? "coarse" : "fine";
        const auto& link = links[chosen.back()];
        nlohmann::json rx = { { "receiver", "rx" + std::to_string(r + 1) }, { "task", task }, { "frames", images },
                              { "missing", 0 }, { "accuracy", task == "coarse" ? acc_c : acc_f },
                              { "accuracy_fine", acc_f }, { "accuracy_coarse", acc_c },
                              { "psnr_db", psnr_sum / double(images) }, { "ssim", ssim_sum / double(images) },
                              { "channel", broadcast.specs[r] + " " + std::to_string(int(std::lround(o.snrs[r]))) + " dB" },
                              { "snr_db", o.snrs[r] }, { "mcs", link.mcs().name }, { "frame_bytes", link.frame_bytes() },
                              { "crc_ok", crc_ok[chosen.back()] }, { "fits", double(out.fits) / double(images) },
                              { "decoded", double(out.decoded) / double(images) },
                              { "jpeg_quality_mean", out.decoded ? out.quality_sum / double(out.decoded) : 0.0 } };
        if (links.size() > 1)
            for (std::size_t c = 0; c < links.size(); ++c)
                rx["crc_ok_by_mcs"][links[c].mcs().name] = crc_ok[c];
        j["receivers"].push_back(rx);
    }
    const double seconds = seconds_since(t0), images_per_s = double(images) / seconds;
    j["seconds"] = seconds;
    j["setup_seconds"] = std::chrono::duration<double>(t0 - t_setup).count();
    j["images_per_s"] = images_per_s;
    j["realtime_factor"] = images_per_s * n / o.target_rate;
    return j;
}

void SeparateRun::report(nlohmann::json& j) const
{
    std::printf("separate (JPEG + LDPC + QAM, %s MCS): %zu images, n = %d symbols per image, %.1f images/s\n",
                o.mcs == "auto" ? "best" : "fixed", images, n, j["images_per_s"].get<double>());
    std::printf("%-4s %-16s %-7s %9s %10s %8s %-11s %7s %7s %7s %5s\n", "rx", "channel", "task", "accuracy",
                "PSNR (dB)", "SSIM", "MCS", "CRC ok", "fits", "shown", "q");
    for (const auto& rx : j["receivers"])
        std::printf("%-4s %-16s %-7s %8.2f%% %10.2f %8.4f %-11s %6.1f%% %6.1f%% %6.1f%% %5.1f\n",
                    rx["receiver"].get<std::string>().substr(2).c_str(), rx["channel"].get<std::string>().c_str(),
                    rx["task"].get<std::string>().c_str(), 100.0 * rx["accuracy"].get<double>(),
                    rx["psnr_db"].get<double>(), rx["ssim"].get<double>(), rx["mcs"].get<std::string>().c_str(),
                    100.0 * rx["crc_ok"].get<double>(), 100.0 * rx["fits"].get<double>(),
                    100.0 * rx["decoded"].get<double>(), rx["jpeg_quality_mean"].get<double>());
    if (o.bench) {
        const double total = t.jpeg_enc + t.tx + t.channel + t.rx + t.jpeg_dec + t.classify;
        std::printf("where the time goes (%.2f s in all, %zu MCS evaluated):\n", total, links.size());
        for (const auto& [name, s] : std::vector<std::pair<std::string, double>>{
                 { "jpeg encode (to budget)", t.jpeg_enc }, { "crc + ldpc encode + qam", t.tx },
                 { "channel + equaliser", t.channel }, { "llr + ldpc decode + crc", t.rx },
                 { "jpeg decode", t.jpeg_dec }, { "classifier + metrics", t.classify } }) {
            std::printf("  %-26s %6.1f %%\n", name.c_str(), total > 0 ? 100.0 * s / total : 0.0);
            j["work_share"][name] = total > 0 ? s / total : 0.0;
        }
    }
    // Originals above each receiver's reconstructions, as simulate's image sink.
    fs::create_directories(o.out_dir);
    const std::size_t cols = std::min<std::size_t>(12, images);
    std::vector<std::vector<const float*>> rows(1 + broadcast.size());
    for (std::size_t k = 0; k < cols; ++k) {
        rows[0].push_back(test.image(k));
        for (std::size_t r = 0; r < broadcast.size(); ++r)
            rows[1 + r].push_back(outcomes[r][chosen[r]].recon.data() + k * D);
    }
    const std::string grid = o.out_dir + "/separate_grid.png";
    write_png_grid(grid, rows, test.channels, test.height, test.width);
    std::printf("images: %s\n", grid.c_str());
}

} // namespace

nlohmann::json simulate_separate(const SimulateOptions& o)
{
    if (o.role != "all")
        throw std::invalid_argument("--scheme separate runs in one process (--role all)");
    SeparateRun run(o);
    run.source_code();
    run.transmit();
    nlohmann::json j = run.score();
    run.report(j);
    if (!o.json.empty())
        write_json_file(o.json, j);
    return j;
}

} // namespace semcom::apps
