/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom simulate --scheme separate: the separate source-channel coding baseline at the same number
 * of channel uses as the semantic schemes. Each image -> JPEG (libjpeg-turbo, the highest quality
 * that fits the MCS's payload) -> CRC-32 -> LDPC (gr-fec) rate-matched to n symbols of Gray QAM ->
 * the same channels (semcom::BroadcastChannel, SNR = 10 log10(P / sigma^2)) -> zero-forcing with
 * the genie CSI -> bit LLRs -> LDPC decoding -> CRC -> JPEG decoding -> the clean-image classifier
 * (TorchScript, semcom::neural::Model). A frame whose CRC fails, or whose image did not fit even at
 * JPEG quality 1, shows the training-set mean image and the most frequent class: the cliff.
 */
#include "separate.h"
#include "flowgraph_common.h"
#include "simulate.h"

#include <semcom/channel.h>
#include <semcom/images.h>
#include <semcom/jpeg_codec.h>
#include <semcom/metrics.h>
#include <semcom/neural/manifest.h>
#include <semcom/neural/model.h>
#include <semcom/superposition.h>

#include <gnuradio/constants.h>
#include <gnuradio/fec/alist.h>
#include <gnuradio/fec/cldpc.h>
#include <gnuradio/fec/ldpc_decoder.h>
#include <gnuradio/fec/ldpc_encoder.h>

#include <ATen/ATen.h>
#include <boost/crc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>

namespace semcom::apps {

namespace {

// The LDPC mother code: gr-fec's (271, 144) parity-check matrix (rate 0.53, column weight 3).
// Of the matrices gr-fec ships it decoded best at every MCS measured here and tolerated the most
// puncturing; the others (n_0300_k_0152 ...) failed above about 20 % punctured parity.
constexpr const char* mother_code = "271.127.3.112";

// LLR magnitudes given to gr-fec's decoder. Its sum-product works with likelihood ratios exp(LLR)
// in double precision: once a message passes about exp(36), 2 / (1 + ratio) - 1 rounds to exactly
// -1 or 1, the check update divides by zero and NaNs spread. With LLRs capped at 30, frames with
// punctured bits (which start BP; unpunctured frames at high SNR are codewords at once) failed more
// often as the SNR rose (16QAM rate 2/3: frame error rate 0.02 at 15 dB, 0.9 at 30 dB); capped at
// 12 (or 8, or 5: the same) they decode at every SNR (0 errors in 100 frames from 15 to 30 dB).
// An erasure (punctured bit) must not be exactly 0 either: its factor 2 / (1 + 1) - 1 = 0 is a
// divisor in the check update, and every frame then failed.
constexpr float llr_cap = 12.0f;
constexpr float llr_erasure = 1e-3f;

std::uint32_t crc32(const std::uint8_t* data, std::size_t n)
{
    boost::crc_32_type crc;
    crc.process_bytes(data, n);
    return crc.checksum();
}

double seconds_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

} // namespace

const std::vector<Mcs>& separate_mcs_table()
{
    static const std::vector<Mcs> table{
        { "4qam-1/2", 4, 1, 2 },    { "4qam-3/4", 4, 3, 4 },    { "16qam-1/2", 16, 1, 2 },
        { "16qam-2/3", 16, 2, 3 },  { "64qam-1/2", 64, 1, 2 },  { "16qam-3/4", 16, 3, 4 },
        { "256qam-1/2", 256, 1, 2 }, { "64qam-2/3", 64, 2, 3 }, { "64qam-3/4", 64, 3, 4 },
        { "256qam-2/3", 256, 2, 3 }, { "256qam-3/4", 256, 3, 4 },
    };
    return table;
}

SeparateLink::SeparateLink(const Mcs& mcs, int channel_uses, const std::string& alist_path)
    : d_mcs(mcs),
      d_n(channel_uses),
      d_constellation(Constellation::qam(mcs.order)),
      d_demapper(SuperpositionMapper({ d_constellation }, { 1.0f })),
      d_bps(d_constellation.bits_per_symbol())
{
    if (channel_uses <= 0)
        throw std::invalid_argument("separate: channel uses must be positive");
    const int B = d_n * int(d_bps);
    d_frame_bytes = std::size_t(std::floor(double(B) * mcs.num / mcs.den / 8.0));
    if (d_frame_bytes <= 4)
        throw std::invalid_argument("separate: MCS " + mcs.name + " carries " + std::to_string(d_frame_bytes) +
                                    " bytes in " + std::to_string(d_n) + " channel uses: no room after the CRC");
    d_encoder = gr::fec::ldpc_encoder::make(alist_path);
    d_decoder = gr::fec::ldpc_decoder::make(alist_path, float(1.0 / std::sqrt(2.0)), 50);
    d_K = d_encoder->get_input_size();
    d_N = d_encoder->get_output_size();
    // Where gr-fec's encoder puts each information bit: cldpc::get_systematic_bits picks them out
    // of a codeword; applied to position numbers (in two bytes) it names the positions.
    {
        alist list;
        list.read(alist_path.c_str());
        cldpc code(list);
        std::vector<std::uint8_t> lo(d_N), hi(d_N);
        for (int j = 0; j < d_N; ++j) {
            lo[j] = std::uint8_t(j & 0xFF);
            hi[j] = std::uint8_t(j >> 8);
        }
        const auto sl = code.get_systematic_bits(lo), sh = code.get_systematic_bits(hi);
        if (int(sl.size()) != d_K)
            throw std::runtime_error("separate: " + alist_path + ": " + std::to_string(sl.size()) +
                                     " systematic bits, encoder says " + std::to_string(d_K));
        for (int i = 0; i < d_K; ++i)
            d_systematic.push_back(int(sl[i]) | (int(sh[i]) << 8));
    }
    std::vector<bool> is_info(d_N, false);
    for (int p : d_systematic)
        is_info[p] = true;
    std::vector<int> parity;
    for (int p = 0; p < d_N; ++p)
        if (!is_info[p])
            parity.push_back(p);

    const int info = int(8 * d_frame_bytes);
    d_codewords = (info + d_K - 1) / d_K;
    d_shortened = d_codewords * d_K - info;
    const int sent = d_codewords * d_N - d_shortened;
    d_punctured = std::max(0, sent - B);
    d_repeated = std::max(0, B - sent);
    if (d_punctured > d_codewords * int(parity.size()))
        throw std::invalid_argument("separate: MCS " + d_mcs.name + " would puncture more than the parity bits");
    // Information bits first in each codeword, then its parity bits minus the punctured ones.
    std::vector<std::pair<int, int>> order;
    d_info_bits.resize(d_codewords);
    d_punctured_at.resize(d_codewords);
    for (int c = 0; c < d_codewords; ++c) {
        d_info_bits[c] = d_K - (d_shortened / d_codewords + (c < d_shortened % d_codewords));
        const int punct = d_punctured / d_codewords + (c < d_punctured % d_codewords);
        std::vector<int> perm(parity.size());
        std::iota(perm.begin(), perm.end(), 0);
        std::mt19937 rng(1000 + c); // fixed pattern: known to both ends
        std::shuffle(perm.begin(), perm.end(), rng);
        std::vector<bool> drop(parity.size(), false);
        for (int q = 0; q < punct; ++q)
            drop[perm[q]] = true;
        for (int i = 0; i < d_info_bits[c]; ++i)
            order.emplace_back(c, d_systematic[i]);
        for (std::size_t q = 0; q < parity.size(); ++q) {
            if (drop[q])
                d_punctured_at[c].push_back(parity[q]);
            else
                order.emplace_back(c, parity[q]);
        }
    }
    d_stream.resize(B);
    for (int k = 0; k < B; ++k)
        d_stream[k] = order[std::size_t(k) % order.size()]; // cyclic repetition fills the rest
    d_interleaver.resize(B);
    std::iota(d_interleaver.begin(), d_interleaver.end(), 0);
    std::mt19937 rng(7);
    std::shuffle(d_interleaver.begin(), d_interleaver.end(), rng);
}

std::string SeparateLink::describe() const
{
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "%s: %zu bytes per frame (%zu for the image, 4 CRC-32), %d codeword%s of LDPC (%d, %d), "
                  "%d bits shortened, %d punctured, %d repeated, %d symbols",
                  d_mcs.name.c_str(), d_frame_bytes, payload_bytes(), d_codewords, d_codewords == 1 ? "" : "s", d_N,
                  d_K, d_shortened, d_punctured, d_repeated, d_n);
    return buf;
}

void SeparateLink::transmit(const std::vector<std::uint8_t>& payload, std::vector<cfloat>& symbols) const
{
    if (payload.size() > payload_bytes())
        throw std::logic_error("SeparateLink::transmit: payload larger than the frame");
    // JPEG fill bytes (0xFF) up to the frame, then the CRC-32, big-endian.
    std::vector<std::uint8_t> frame(payload);
    frame.resize(payload_bytes(), 0xFF);
    const std::uint32_t crc = crc32(frame.data(), frame.size());
    for (int s = 24; s >= 0; s -= 8)
        frame.push_back(std::uint8_t(crc >> s));
    // Frame bits (MSB first) into the codewords' information bits; shortened bits stay 0.
    std::vector<std::vector<std::uint8_t>> cw(d_codewords, std::vector<std::uint8_t>(d_N));
    std::vector<std::uint8_t> info(d_K);
    std::size_t bit = 0;
    for (int c = 0; c < d_codewords; ++c) {
        std::fill(info.begin(), info.end(), 0);
        for (int i = 0; i < d_info_bits[c]; ++i, ++bit)
            info[i] = (frame[bit / 8] >> (7 - bit % 8)) & 1;
        d_encoder->generic_work(info.data(), cw[c].data());
    }
    const int B = int(d_stream.size());
    std::vector<std::uint8_t> slots(B);
    for (int k = 0; k < B; ++k)
        slots[d_interleaver[k]] = cw[d_stream[k].first][d_stream[k].second];
    symbols.resize(d_n);
    for (int j = 0; j < d_n; ++j) {
        unsigned index = 0;
        for (unsigned b = 0; b < d_bps; ++b)
            index = (index << 1) | slots[j * d_bps + b];
        symbols[j] = d_constellation.point(index);
    }
}

bool SeparateLink::receive(const cfloat* y, const float* noise_var, std::vector<std::uint8_t>& payload)
{
    const int B = int(d_stream.size());
    // Exact bit LLRs ln P(0) / P(1) per symbol, index bits MSB first (a one-layer superposition is
    // the plain constellation).
    std::vector<float> llr(B);
    if (std::all_of(noise_var, noise_var + d_n, [&](float v) { return v == noise_var[0]; })) {
        float* out = llr.data(); // block fading or AWGN: one noise variance for the frame
        d_demapper.llrs(y, std::max(noise_var[0], 1e-12f), &out, std::size_t(d_n));
    } else {
        for (int j = 0; j < d_n; ++j) {
            float* out = llr.data() + std::size_t(j) * d_bps;
            d_demapper.llrs(y + j, std::max(noise_var[j], 1e-12f), &out, 1);
        }
    }
    // gr-fec's decoder input: positive means bit 1 (it decodes -input as ln P(0) / P(1)).
    std::vector<std::vector<float>> soft(d_codewords, std::vector<float>(d_N, 0.0f));
    for (int k = 0; k < B; ++k)
        soft[d_stream[k].first][d_stream[k].second] -= llr[d_interleaver[k]];
    payload.assign(d_frame_bytes, 0);
    std::vector<std::uint8_t> info(d_K);
    std::size_t bit = 0;
    for (int c = 0; c < d_codewords; ++c) {
        auto& s = soft[c];
        for (int i = d_info_bits[c]; i < d_K; ++i)
            s[d_systematic[i]] = -llr_cap; // shortened: a known 0
        for (int p : d_punctured_at[c])
            s[p] = llr_erasure;
        for (auto& v : s) {
            v = std::clamp(v, -llr_cap, llr_cap);
            if (v == 0.0f)
                v = llr_erasure;
        }
        d_decoder->generic_work(s.data(), info.data());
        for (int i = 0; i < d_info_bits[c]; ++i, ++bit)
            if (info[i] & 1)
                payload[bit / 8] |= std::uint8_t(1u << (7 - bit % 8));
    }
    const std::size_t body = payload_bytes();
    const std::uint32_t got = (std::uint32_t(payload[body]) << 24) | (std::uint32_t(payload[body + 1]) << 16) |
                              (std::uint32_t(payload[body + 2]) << 8) | payload[body + 3];
    payload.resize(body);
    return got == crc32(payload.data(), body);
}

nlohmann::json simulate_separate(const SimulateOptions& o)
{
    namespace fs = std::filesystem;
    using clock = std::chrono::steady_clock;
    if (o.role != "all")
        throw std::invalid_argument("--scheme separate runs in one process (--role all)");
    const std::size_t n_rx = receiver_count(o);
    const auto& table = separate_mcs_table();
    std::vector<std::size_t> candidates; // indices into the table
    if (o.mcs == "auto") {
        for (std::size_t m = 0; m < table.size(); ++m)
            candidates.push_back(m);
    } else {
        for (std::size_t m = 0; m < table.size(); ++m)
            if (table[m].name == o.mcs)
                candidates.push_back(m);
        if (candidates.empty()) {
            std::string names;
            for (const auto& m : table)
                names += ", " + m.name;
            throw std::invalid_argument("--mcs '" + o.mcs + "': unknown (auto" + names + ")");
        }
    }
    // The channel uses of the semantic schemes' shipped models, unless given.
    int n = o.channel_uses;
    if (n <= 0) {
        const std::string enc = "models/deepscm_4qam16qam_encoder.json";
        if (!fs::exists(enc))
            throw std::runtime_error("--scheme separate: '" + enc +
                                     "' not found to read the channel uses from: give --channel-uses");
        n = int(neural::Manifest::load(enc).channel_uses);
    }
    const std::string alist = gr::prefix() + "/share/gnuradio/fec/ldpc/" + mother_code;
    if (!fs::exists(alist))
        throw std::runtime_error("LDPC parity-check matrix not found: '" + alist + "' (part of GNU Radio's gr-fec)");
    const std::string clf_path =
        (o.models.empty() ? std::string("models/separate") : o.models) + "_classifier.json";
    if (!fs::exists(clf_path))
        throw std::runtime_error("classifier not found: '" + clf_path +
                                 "' (PYTHONPATH=python /usr/bin/python3 -m semcom_train.separate export-classifier)");

    const auto t_setup = clock::now();
    const ImageSet test = load_fashion_mnist("test");
    const ImageSet train = load_fashion_mnist("train");
    const std::size_t images = std::min<std::size_t>(std::size_t(o.images), test.size());
    const std::size_t C = test.channels, H = test.height, W = test.width, D = test.image_size();
    // What a receiver shows without a decoded image: the training-set mean image, and the most
    // frequent class of each task (the first of the most frequent on ties), as the Python baseline.
    std::vector<double> sum(D, 0.0);
    for (std::size_t i = 0; i < train.size(); ++i)
        for (std::size_t k = 0; k < D; ++k)
            sum[k] += train.image(i)[k];
    std::vector<float> mean_image(D);
    for (std::size_t k = 0; k < D; ++k)
        mean_image[k] = float(sum[k] / double(train.size()));
    auto most_frequent = [](const std::vector<int>& labels) {
        std::map<int, long> count;
        for (int l : labels)
            count[l]++;
        int best = 0;
        long most = -1;
        for (const auto& [label, c] : count)
            if (c > most) {
                best = label;
                most = c;
            }
        return best;
    };
    const int guess_fine = most_frequent(train.fine), guess_coarse = most_frequent(train.coarse);

    neural::ModelOptions mo;
    mo.device = o.device;
    mo.max_batch = 64;
    mo.log = [&](const std::string& line) {
        if (!o.quiet)
            std::fprintf(stderr, "%s\n", line.c_str());
    };
    neural::Model classifier(clf_path, mo);
    const auto& cm = classifier.manifest();
    if (cm.inputs.size() != 1 || cm.inputs[0].item_numel() != std::int64_t(D) || cm.outputs.size() != 2)
        throw std::runtime_error("'" + clf_path + "': expected one image input of " + std::to_string(D) +
                                 " values and two outputs (fine, coarse logits)");

    JpegCodec codec(C, H, W);
    std::vector<SeparateLink> links;
    for (std::size_t m : candidates)
        links.emplace_back(table[m], n, alist);
    if (!o.quiet)
        for (const auto& l : links)
            std::fprintf(stderr, "separate: %s\n", l.describe().c_str());

    // Source coding, once per image and payload size (the same JPEG for every receiver).
    const auto t0 = clock::now();
    double t_jpeg_enc = 0, t_tx = 0, t_channel = 0, t_rx = 0, t_jpeg_dec = 0, t_classify = 0;
    std::map<std::size_t, std::vector<std::vector<std::uint8_t>>> payloads; // budget -> per image
    std::map<std::size_t, std::vector<int>> qualities;
    for (const auto& l : links) {
        const std::size_t b = l.payload_bytes();
        if (payloads.count(b))
            continue;
        auto& p = payloads[b];
        auto& q = qualities[b];
        p.resize(images);
        q.resize(images);
        const auto t = clock::now();
        for (std::size_t i = 0; i < images; ++i) {
            p[i] = codec.encode_to_budget(test.image(i), b, &q[i]);
            if (p[i].empty())
                p[i] = { 0 }; // quality 0: no image fits; the receiver shows the mean image
        }
        t_jpeg_enc += seconds_since(t);
    }

    std::vector<ChannelConfig> configs;
    const FadingMode mode = fading_mode_from_name(o.fading);
    for (std::size_t r = 0; r < n_rx; ++r)
        configs.push_back(
            ChannelConfig::parse(o.channels.size() == 1 ? o.channels[0] : o.channels[r], o.snrs[r], mode));

    struct Outcome {
        std::vector<float> recon;         // images x D
        std::vector<std::uint8_t> shown;  // decoded image shown (CRC ok and an image fitted)
        std::size_t crc_ok = 0, fits = 0, decoded = 0;
        double quality_sum = 0;
    };
    // outcomes[r][c]: receiver r under candidate c
    std::vector<std::vector<Outcome>> outcomes(n_rx, std::vector<Outcome>(links.size()));
    std::size_t symbols_sent = 0, frames_sent = 0;
    std::vector<cfloat> x, y(n), h(n), z(n);
    std::vector<float> nv(n);
    std::vector<std::uint8_t> got;
    for (std::size_t c = 0; c < links.size(); ++c) {
        auto& link = links[c];
        // Each MCS has its own channel realisations (seed from the MCS's place in the table), so that
        // a run with --mcs NAME reproduces that MCS's frames of an --mcs auto run.
        BroadcastChannel channel(configs, o.seed + 1000003ULL * candidates[c]);
        const auto& pl = payloads[link.payload_bytes()];
        const auto& ql = qualities[link.payload_bytes()];
        for (std::size_t r = 0; r < n_rx; ++r) {
            auto& out = outcomes[r][c];
            out.recon.resize(images * D);
            out.shown.assign(images, 0);
        }
        for (std::size_t i = 0; i < images; ++i) {
            auto t = clock::now();
            link.transmit(pl[i], x);
            t_tx += seconds_since(t);
            symbols_sent += x.size();
            frames_sent++;
            channel.new_block();
            for (std::size_t r = 0; r < n_rx; ++r) {
                auto& out = outcomes[r][c];
                t = clock::now();
                auto& ch = channel.receiver(r);
                ch.apply(x.data(), y.data(), std::size_t(n), h.data());
                // zero-forcing with the genie CSI; the noise variance after it per symbol
                for (int j = 0; j < n; ++j) {
                    const float g = std::norm(h[j]);
                    z[j] = g > 0 ? y[j] / h[j] : cfloat(0.0f);
                    nv[j] = g > 0 ? ch.noise_var() / g : 1e12f;
                }
                t_channel += seconds_since(t);
                t = clock::now();
                const bool ok = link.receive(z.data(), nv.data(), got);
                t_rx += seconds_since(t);
                out.crc_ok += ok;
                out.fits += ql[i] > 0;
                float* dst = out.recon.data() + i * D;
                bool shown = false;
                if (ok && !got.empty() && got[0] != 0) {
                    t = clock::now();
                    shown = codec.decode(got, dst);
                    t_jpeg_dec += seconds_since(t);
                }
                if (shown) {
                    out.decoded++;
                    out.quality_sum += got[0];
                    out.shown[i] = 1;
                } else {
                    std::copy(mean_image.begin(), mean_image.end(), dst);
                }
            }
        }
    }

    // The MCS of each receiver: with --mcs NAME that one; with auto the highest-throughput MCS whose
    // frames decode (CRC) at least 99 % of the time at this receiver's channel (a per-receiver upper
    // bound: the transmitter knows every receiver's channel), else the most robust one. A lost
    // frame is a lost image (no retransmission), hence 1 % rather than the 10 % block error rate of
    // link adaptation with retransmissions: at 25 dB a 10 % target took 256QAM rate 3/4 (91 % of the
    // frames) and lost more accuracy to the failed frames than its higher JPEG quality gained.
    constexpr double target = 0.99;
    std::vector<std::size_t> chosen(n_rx, 0);
    for (std::size_t r = 0; r < n_rx; ++r) {
        std::size_t best = 0;
        double best_rate = -1;
        for (std::size_t c = 0; c < links.size(); ++c) {
            const double ok = double(outcomes[r][c].crc_ok) / double(images);
            if (ok >= target && links[c].throughput() > best_rate) {
                best = c;
                best_rate = links[c].throughput();
            }
        }
        chosen[r] = best;
    }

    // Classification of what each receiver shows.
    nlohmann::json j;
    j["models"] = "separate";
    j["scheme"] = "separate";
    j["images"] = images;
    j["channel_uses"] = n;
    j["symbols_per_image"] = frames_sent ? double(symbols_sent) / double(frames_sent) : 0.0;
    j["ldpc"] = std::string("gr-fec ldpc_encoder/ldpc_decoder (sum-product), ") + alist;
    std::vector<std::vector<float>> shown_images(n_rx);
    for (std::size_t r = 0; r < n_rx; ++r) {
        const auto& out = outcomes[r][chosen[r]];
        const auto& link = links[chosen[r]];
        const std::string task = r == 0 ? "coarse" : "fine";
        std::size_t right_fine = 0, right_coarse = 0;
        double psnr_sum = 0, ssim_sum = 0;
        const auto t = clock::now();
        std::vector<float> hwc_a(D), hwc_b(D);
        for (std::size_t i0 = 0; i0 < images; i0 += 64) {
            const std::size_t b = std::min<std::size_t>(64, images - i0);
            const float* in = out.recon.data() + i0 * D;
            const auto logits = classifier.run(std::int64_t(b), { in });
            const auto fine = logits[0].argmax(1), coarse = logits[1].argmax(1);
            const auto* pf = fine.data_ptr<std::int64_t>();
            const auto* pc = coarse.data_ptr<std::int64_t>();
            for (std::size_t k = 0; k < b; ++k) {
                const std::size_t i = i0 + k;
                const int f = out.shown[i] ? int(pf[k]) : guess_fine;
                const int cc = out.shown[i] ? int(pc[k]) : guess_coarse;
                right_fine += f == test.fine[i];
                right_coarse += cc == test.coarse[i];
                const float* a = test.image(i);
                const float* bimg = out.recon.data() + i * D;
                psnr_sum += std::min(psnr(a, bimg, D), 100.0);
                for (std::size_t ch = 0; ch < C; ++ch)
                    for (std::size_t p = 0; p < H * W; ++p) {
                        hwc_a[p * C + ch] = a[ch * H * W + p];
                        hwc_b[p * C + ch] = bimg[ch * H * W + p];
                    }
                ssim_sum += ssim(hwc_a.data(), hwc_b.data(), H, W, C);
            }
        }
        t_classify += seconds_since(t);
        const double acc_f = double(right_fine) / double(images), acc_c = double(right_coarse) / double(images);
        nlohmann::json rx;
        rx["receiver"] = "rx" + std::to_string(r + 1);
        rx["task"] = task;
        rx["frames"] = images;
        rx["missing"] = 0;
        rx["accuracy"] = task == "coarse" ? acc_c : acc_f;
        rx["accuracy_fine"] = acc_f;
        rx["accuracy_coarse"] = acc_c;
        rx["psnr_db"] = psnr_sum / double(images);
        rx["ssim"] = ssim_sum / double(images);
        rx["channel"] = (o.channels.size() == 1 ? o.channels[0] : o.channels[r]) + " " +
                        std::to_string(int(std::lround(o.snrs[r]))) + " dB";
        rx["snr_db"] = o.snrs[r];
        rx["mcs"] = link.mcs().name;
        rx["frame_bytes"] = link.frame_bytes();
        rx["crc_ok"] = double(out.crc_ok) / double(images);
        rx["fits"] = double(out.fits) / double(images);
        rx["decoded"] = double(out.decoded) / double(images);
        rx["jpeg_quality_mean"] = out.decoded ? out.quality_sum / double(out.decoded) : 0.0;
        if (links.size() > 1)
            for (std::size_t c = 0; c < links.size(); ++c)
                rx["crc_ok_by_mcs"][links[c].mcs().name] = double(outcomes[r][c].crc_ok) / double(images);
        j["receivers"].push_back(rx);
        shown_images[r] = out.recon;
    }
    const double seconds = seconds_since(t0);
    const double images_per_s = double(images) / seconds;
    j["seconds"] = seconds;
    j["setup_seconds"] = std::chrono::duration<double>(t0 - t_setup).count();
    j["images_per_s"] = images_per_s;
    j["realtime_factor"] = images_per_s * n / o.target_rate;

    std::printf("separate (JPEG + LDPC + QAM, %s MCS): %zu images, n = %d symbols per image, %.1f images/s\n",
                o.mcs == "auto" ? "best" : "fixed", images, n, images_per_s);
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
        const double total = t_jpeg_enc + t_tx + t_channel + t_rx + t_jpeg_dec + t_classify;
        std::printf("where the time goes (%.2f s in all, %zu MCS evaluated):\n", total, links.size());
        for (const auto& [name, t] : std::vector<std::pair<std::string, double>>{
                 { "jpeg encode (to budget)", t_jpeg_enc },
                 { "crc + ldpc encode + qam", t_tx },
                 { "channel + equaliser", t_channel },
                 { "llr + ldpc decode + crc", t_rx },
                 { "jpeg decode", t_jpeg_dec },
                 { "classifier + metrics", t_classify } }) {
            std::printf("  %-26s %6.1f %%\n", name.c_str(), total > 0 ? 100.0 * t / total : 0.0);
            j["work_share"][name] = total > 0 ? t / total : 0.0;
        }
    }
    // Originals above each receiver's reconstructions, as simulate's image sink.
    fs::create_directories(o.out_dir);
    const std::size_t cols = std::min<std::size_t>(12, images);
    std::vector<std::vector<const float*>> rows(1 + n_rx);
    for (std::size_t k = 0; k < cols; ++k) {
        rows[0].push_back(test.image(k));
        for (std::size_t r = 0; r < n_rx; ++r)
            rows[1 + r].push_back(shown_images[r].data() + k * D);
    }
    const std::string grid = o.out_dir + "/separate_grid.png";
    write_png_grid(grid, rows, C, H, W);
    std::printf("images: %s\n", grid.c_str());
    if (!o.json.empty())
        write_json_file(o.json, j);
    return j;
}

} // namespace semcom::apps
