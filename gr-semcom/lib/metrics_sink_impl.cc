/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * metrics_sink is a hierarchical block of two sinks that share one state: one takes the
 * originals, the other the receiver's decoded frames and matches them against the originals kept.
 * Two sinks, not one with three inputs, because GNU Radio ends a sink as soon as any of its inputs
 * is finished and empty, and calls its work only when every input has an item: one block would
 * either hold the originals until the receiver delivers (a receiver that decodes nothing then
 * stops the source, and with it every other receiver) or end as soon as the originals run out
 * (losing the frames still being decoded).
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <gnuradio/sync_block.h>
#include <nlohmann/json.hpp>
#include <semcom/metrics.h>
#include <semcom/tasks.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace gr {
namespace semcom {
namespace {

//! What a frame-info tag says about a frame.
struct frame_meta {
    long long seq = -1;
    int fine = -1, coarse = -1;
    std::vector<float> snr_used; //!< the encoder's SNRs for the frame (snr_db_used), if any
    double snr_measured = std::nan(""); //!< frame_info::measured_snr_db, NaN if none
};

//! The frame infos of n items from item \p start, from their frame-info tags.
std::vector<frame_meta> frame_metas(const std::vector<gr::tag_t>& tags, uint64_t start, int n)
{
    std::vector<frame_meta> out(n);
    for (const auto& t : tags) {
        auto& i = out[t.offset - start];
        i.seq = static_cast<long long>(pmt::to_uint64(pmt::dict_ref(t.value, pmt::mp("seq"), pmt::from_uint64(0))));
        i.fine = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("fine"), pmt::from_long(-1))));
        i.coarse = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("coarse"), pmt::from_long(-1))));
        const auto used = frame_info::get(t.value, "snr_db_used");
        if (pmt::is_f32vector(used))
            i.snr_used = pmt::f32vector_elements(used);
        if (const auto m = frame_info::measured_snr_db(t.value))
            i.snr_measured = *m;
    }
    return out;
}

/*
 * The counts and sums of one receiver, shared by the two sinks. Every original ends in exactly
 * one count: frames (scored), nonfinite, or missing; until then it is pending.
 */
struct metrics_state {
    metrics_state(int c, int h, int w, int classes, std::optional<::semcom::Task> task, std::string receiver,
                  bool reconstructions, std::size_t max_pending, std::string json_path)
        : classes(classes), task(task), reconstructions(reconstructions), receiver(std::move(receiver)),
          max_pending(max_pending), json_path(std::move(json_path)), scorer(c, h, w)
    {
    }

    struct pending_frame {
        frame_meta meta;
        std::vector<float> image; //!< to score the reconstruction against
    };

    const int classes;
    const std::optional<::semcom::Task> task; //!< none: no class scores (a decoder that only reconstructs)
    const bool reconstructions;
    const std::string receiver;
    const std::size_t max_pending;
    const std::string json_path;
    ::semcom::ImageScorer scorer; //!< used by the decoded frames' sink only
    std::function<void(const std::string&)> publish; //!< the "metrics" message port

    mutable std::mutex mutex;
    std::deque<pending_frame> pending; //!< originals waiting for their decoded frame, oldest first
    long frames = 0, images = 0, missing = 0, labelled = 0, correct = 0;
    long sent = 0, nonfinite = 0, unmatched = 0;
    double psnr_sum = 0.0, ssim_sum = 0.0;
    std::vector<double> snr_sum; //!< per SNR value of snr_db_used, over the scored frames
    std::vector<float> snr_last;
    long snr_frames = 0;
    //! The same counts over the frames since the last report (what a live display shows: the
    //! running figures move slowly once many frames are in)
    struct window {
        long frames = 0, images = 0, labelled = 0, correct = 0, snr_frames = 0;
        double psnr_sum = 0.0, ssim_sum = 0.0, snr_sum = 0.0; //!< snr_sum: linear SNRs
    } recent;
    int running = 2; //!< sinks not stopped yet
    bool originals_done = false; //!< the originals' sink has stopped: no original will come

    //! A sink stopped; after the last one, the originals still waiting count as missing (their
    //! frames were lost at the end, or were in flight when the flowgraph was stopped), and the
    //! final summary goes out. Returns an error text if the JSON file could not be written.
    std::string stopped()
    {
        {
            std::lock_guard<std::mutex> l(mutex);
            if (--running > 0)
                return "";
            missing += long(pending.size());
            pending.clear();
        }
        const auto summary = summary_json();
        if (publish)
            publish(summary);
        if (json_path.empty())
            return "";
        std::ofstream f(json_path);
        f << summary << "\n";
        f.flush();
        return f ? "" : "cannot write metrics JSON '" + json_path + "'";
    }

    double accuracy() const
    {
        std::lock_guard<std::mutex> l(mutex);
        return labelled ? double(correct) / labelled : std::nan("");
    }
    double psnr_db() const
    {
        std::lock_guard<std::mutex> l(mutex);
        return images ? psnr_sum / images : std::nan("");
    }
    double ssim() const
    {
        std::lock_guard<std::mutex> l(mutex);
        return images ? ssim_sum / images : std::nan("");
    }
    long count(const long& field) const
    {
        std::lock_guard<std::mutex> l(mutex);
        return field;
    }
    long pending_count() const
    {
        std::lock_guard<std::mutex> l(mutex);
        return long(pending.size());
    }

    std::string summary_json() const
    {
        nlohmann::json j;
        j["receiver"] = receiver;
        j["task"] = task ? ::semcom::task_name(*task) : "image";
        const double a = accuracy(), p = psnr_db(), s = ssim();
        std::lock_guard<std::mutex> l(mutex);
        j["frames"] = frames;
        j["missing"] = missing;
        j["sent"] = sent;
        j["pending"] = long(pending.size());
        j["nonfinite"] = nonfinite;
        j["unmatched"] = unmatched;
        j["accuracy"] = std::isnan(a) ? nlohmann::json() : nlohmann::json(a);
        j["psnr_db"] = std::isnan(p) ? nlohmann::json() : nlohmann::json(p);
        j["ssim"] = std::isnan(s) ? nlohmann::json() : nlohmann::json(s);
        nlohmann::json r;
        const auto ratio = [](double a, long b) { return b ? nlohmann::json(a / double(b)) : nlohmann::json(); };
        r["frames"] = recent.frames;
        r["accuracy"] = ratio(double(recent.correct), recent.labelled);
        r["psnr_db"] = ratio(recent.psnr_sum, recent.images);
        r["ssim"] = ratio(recent.ssim_sum, recent.images);
        // averaged over linear SNRs, as the receivers' SNR reports are (a fading channel's mean SNR)
        r["snr_db_measured"] = recent.snr_frames ? nlohmann::json(10.0 * std::log10(recent.snr_sum / double(recent.snr_frames)))
                                                 : nlohmann::json();
        j["recent"] = r;
        if (snr_frames > 0) {
            std::vector<double> mean;
            for (double v : snr_sum)
                mean.push_back(v / double(snr_frames));
            j["snr_db_used_mean"] = mean;
            j["snr_db_used_last"] = snr_last;
            j["snr_db_used_frames"] = snr_frames;
        }
        return j.dump();
    }
};

//! Input 0 of metrics_sink: every original into the pending window, at once.
class metrics_originals : public gr::sync_block
{
public:
    metrics_originals(std::shared_ptr<metrics_state> state, int image)
        : gr::sync_block("metrics_sink_originals", gr::io_signature::make(1, 1, int(sizeof(float)) * image),
                         gr::io_signature::make(0, 0, 0)),
          d_state(std::move(state)), d_image(std::size_t(image))
    {
    }

    bool stop() override
    {
        {
            std::lock_guard<std::mutex> l(d_state->mutex);
            d_state->originals_done = true;
        }
        const auto error = d_state->stopped();
        if (!error.empty())
            d_logger->error("{}", error);
        return true;
    }

    int work(int n, gr_vector_const_void_star& input_items, gr_vector_void_star&) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const auto* in = static_cast<const float*>(input_items[0]);
            std::vector<gr::tag_t> tags;
            get_tags_in_window(tags, 0, 0, uint64_t(n), frame_info::key());
            const auto metas = frame_metas(tags, nitems_read(0), n);
            auto& s = *d_state;
            std::lock_guard<std::mutex> l(s.mutex);
            for (int i = 0; i < n; ++i) {
                metrics_state::pending_frame p;
                p.meta = metas[i];
                if (s.reconstructions)
                    p.image.assign(in + std::size_t(i) * d_image, in + std::size_t(i + 1) * d_image);
                s.pending.push_back(std::move(p));
            }
            s.sent += n;
            // a receiver that falls this far behind (or decodes nothing): the oldest counts missing
            while (s.pending.size() > s.max_pending) {
                s.pending.pop_front();
                ++s.missing;
            }
            return n;
        });
    }

private:
    const std::shared_ptr<metrics_state> d_state;
    const std::size_t d_image;
};

//! Inputs 1 (and 2) of metrics_sink: the decoded frames, matched by seq and scored.
class metrics_decoded : public gr::block
{
public:
    metrics_decoded(std::shared_ptr<metrics_state> state, std::vector<int> sizes, int report_every)
        : gr::block("metrics_sink_decoded",
                    gr::io_signature::makev(int(sizes.size()), int(sizes.size()), sizes),
                    gr::io_signature::make(0, 0, 0)),
          d_state(std::move(state)), d_report_every(report_every)
    {
        message_port_register_out(d_port);
    }

    bool stop() override
    {
        const auto error = d_state->stopped();
        if (!error.empty())
            d_logger->error("{}", error);
        return true;
    }

    void publish(const std::string& summary) { message_port_pub(d_port, pmt::intern(summary)); }

    void forecast(int, gr_vector_int& required) override { std::fill(required.begin(), required.end(), 1); }

    int general_work(int,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star&) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            auto& s = *d_state;
            // input 0 (reconstructions, or the class scores without them) carries the frames' tags
            const int scores_port = s.classes == 0 ? -1 : s.reconstructions ? 1 : 0;
            const auto* recon = s.reconstructions ? static_cast<const float*>(input_items[0]) : nullptr;
            const auto* scores = scores_port < 0 ? nullptr : static_cast<const float*>(input_items[scores_port]);
            const int n = scores_port == 1 ? std::min(ninput_items[0], ninput_items[1]) : ninput_items[0];
            std::vector<gr::tag_t> tags;
            get_tags_in_window(tags, 0, 0, uint64_t(n), frame_info::key());
            const auto metas = frame_metas(tags, nitems_read(0), n);
            std::vector<long long> seq0, seq1(n);
            for (int i = 0; i < n; ++i)
                seq1[i] = metas[i].seq;
            ::semcom::FrameMatcher::Step step;
            std::vector<metrics_state::pending_frame> originals; // of step.pairs, in order
            {
                // matched under the lock: the originals' sink adds to (and trims) the window meanwhile
                std::lock_guard<std::mutex> l(s.mutex);
                for (const auto& p : s.pending)
                    seq0.push_back(p.meta.seq);
                step = d_matcher.match(seq0.data(), seq0.size(), seq1.data(), seq1.size());
                for (const auto& p : step.pairs)
                    originals.push_back(std::move(s.pending[p.original]));
                s.missing += long(step.missing);
                s.unmatched += long(step.orphans);
                s.pending.erase(s.pending.begin(), s.pending.begin() + long(step.originals_used));
            }
            if (step.decoded_used == 0) {
                bool done;
                {
                    std::lock_guard<std::mutex> l(s.mutex);
                    done = s.originals_done;
                    if (done)
                        s.unmatched += n; // a seq beyond every original (none will come): no original
                }
                if (done) {
                    consume_each(n);
                    return 0;
                }
                // decoded frames ahead of the originals taken so far (another thread): wait a little
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                return 0;
            }
            const std::size_t per = s.scorer.image_size();
            for (std::size_t k = 0; k < step.pairs.size(); ++k) {
                const auto& p = step.pairs[k];
                note_snr_used(metas[p.decoded].snr_used);
                score(originals[k], recon ? recon + p.decoded * per : nullptr,
                      scores ? scores + p.decoded * std::size_t(s.classes) : nullptr, metas[p.decoded].snr_measured);
            }
            consume_each(int(step.decoded_used));
            return 0;
        });
    }

private:
    //! The SNRs the encoder used for a scored frame, into the running mean and last value.
    void note_snr_used(const std::vector<float>& used)
    {
        if (used.empty())
            return;
        auto& s = *d_state;
        std::lock_guard<std::mutex> l(s.mutex);
        if (s.snr_sum.size() != used.size()) {
            s.snr_sum.assign(used.size(), 0.0);
            s.snr_frames = 0;
        }
        for (std::size_t k = 0; k < used.size(); ++k)
            s.snr_sum[k] += used[k];
        s.snr_last = used;
        ++s.snr_frames;
    }

    //! \p snr_measured: the decoded frame's measured SNR (dB, NaN if none), for the recent window
    void score(const metrics_state::pending_frame& original, const float* b, const float* scores,
               double snr_measured)
    {
        auto& s = *d_state;
        const std::size_t per = s.scorer.image_size();
        const auto finite = [](float v) { return std::isfinite(v); };
        // a NaN or infinite output is no decision (NaN logits would be scored as class 0): count it
        if ((scores && !std::all_of(scores, scores + s.classes, finite)) || (b && !std::all_of(b, b + per, finite))) {
            std::lock_guard<std::mutex> l(s.mutex);
            if (s.nonfinite++ == 0)
                d_logger->warn("{}: a decoded frame has NaN or infinite outputs: not scored (counted)", s.receiver);
            return;
        }
        const int label = s.task ? ::semcom::task_label(*s.task, original.meta.fine, original.meta.coarse) : -1;
        const int decision = scores ? int(std::max_element(scores, scores + s.classes) - scores) : -1;
        std::optional<::semcom::ImageScorer::Score> q;
        if (b && !original.image.empty())
            q = s.scorer.score(original.image.data(), b);
        long frames;
        {
            std::lock_guard<std::mutex> l(s.mutex);
            auto& r = s.recent;
            if (q) {
                s.psnr_sum += q->psnr_db; // capped: identical images would be +inf
                s.ssim_sum += q->ssim;
                ++s.images;
                r.psnr_sum += q->psnr_db;
                r.ssim_sum += q->ssim;
                ++r.images;
            }
            frames = ++s.frames;
            ++r.frames;
            if (scores && label >= 0) {
                ++s.labelled;
                s.correct += decision == label;
                ++r.labelled;
                r.correct += decision == label;
            }
            if (std::isfinite(snr_measured)) {
                r.snr_sum += std::pow(10.0, snr_measured / 10.0);
                ++r.snr_frames;
            }
        }
        if (d_report_every > 0 && frames % d_report_every == 0) {
            const auto summary = s.summary_json();
            {
                std::lock_guard<std::mutex> l(s.mutex);
                s.recent = {};
            }
            publish(summary);
        }
    }

    const std::shared_ptr<metrics_state> d_state;
    const int d_report_every;
    const pmt::pmt_t d_port = pmt::mp("metrics");
    ::semcom::FrameMatcher d_matcher;
};

} // namespace

class metrics_sink_impl : public metrics_sink
{
public:
    metrics_sink_impl(int c, int h, int w, int classes, std::optional<::semcom::Task> task, std::string receiver,
                      int report_every, std::string json_path, bool reconstructions, int max_pending)
        : gr::hier_block2("metrics_sink", input_signature(c * h * w, classes, reconstructions),
                          gr::io_signature::make(0, 0, 0)),
          d_state(std::make_shared<metrics_state>(c, h, w, classes, task, std::move(receiver), reconstructions,
                                                  std::size_t(max_pending), std::move(json_path)))
    {
        const int image = c * h * w;
        auto sizes = input_signature(image, classes, reconstructions)->sizeof_stream_items();
        sizes.erase(sizes.begin());
        d_originals = gnuradio::make_block_sptr<metrics_originals>(d_state, image);
        d_decoded = gnuradio::make_block_sptr<metrics_decoded>(d_state, sizes, report_every);
        std::weak_ptr<metrics_decoded> decoded = d_decoded;
        d_state->publish = [decoded](const std::string& summary) {
            if (auto d = decoded.lock())
                d->publish(summary);
        };
        connect(self(), 0, d_originals, 0);
        for (int k = 0; k < int(sizes.size()); ++k)
            connect(self(), k + 1, d_decoded, k);
        message_port_register_hier_out(pmt::mp("metrics"));
        msg_connect(d_decoded, pmt::mp("metrics"), self(), pmt::mp("metrics"));
    }

    //! originals, [reconstructions], [class scores]: one of the two at least
    static gr::io_signature::sptr input_signature(int image, int classes, bool reconstructions)
    {
        std::vector<int> sizes{ int(sizeof(float)) * image };
        if (reconstructions)
            sizes.push_back(int(sizeof(float)) * image);
        if (classes > 0)
            sizes.push_back(int(sizeof(float)) * classes);
        return gr::io_signature::makev(int(sizes.size()), int(sizes.size()), sizes);
    }

    double accuracy() const override { return d_state->accuracy(); }
    double psnr_db() const override { return d_state->psnr_db(); }
    double ssim() const override { return d_state->ssim(); }
    long frames() const override { return d_state->count(d_state->frames); }
    long frames_missing() const override { return d_state->count(d_state->missing); }
    long frames_sent() const override { return d_state->count(d_state->sent); }
    long frames_pending() const override { return d_state->pending_count(); }
    long frames_nonfinite() const override { return d_state->count(d_state->nonfinite); }
    long frames_unmatched() const override { return d_state->count(d_state->unmatched); }
    std::string summary_json() const override { return d_state->summary_json(); }
    std::vector<std::pair<std::string, gr::block_sptr>> blocks() const override
    {
        return { { "metrics_sink originals", d_originals }, { "metrics_sink decoded", d_decoded } };
    }

private:
    const std::shared_ptr<metrics_state> d_state;
    gr::block_sptr d_originals;
    std::shared_ptr<metrics_decoded> d_decoded;
};

metrics_sink::sptr metrics_sink::make(int channels, int height, int width, int num_classes,
                                      const std::string& task, const std::string& receiver,
                                      int report_every, const std::string& json_path,
                                      bool reconstructions, int max_pending)
{
    const auto parsed = build_or_explain("metrics_sink", [&] {
        if (max_pending < 1)
            throw std::invalid_argument("max_pending must be >= 1 (originals kept while their frames are in flight), "
                                        "got " + std::to_string(max_pending));
        if (channels < 1 || height < 11 || width < 11)
            throw std::invalid_argument("image shape must be at least 1x11x11 (SSIM window), got " +
                                        std::to_string(channels) + "x" + std::to_string(height) +
                                        "x" + std::to_string(width));
        if (num_classes < 0)
            throw std::invalid_argument("num_classes must be >= 1, or 0 for a receiver that only reconstructs");
        if (num_classes == 0) {
            if (!reconstructions)
                throw std::invalid_argument("num_classes 0 (no class scores) needs reconstructions: nothing to score");
            if (task != "image")
                throw std::invalid_argument("num_classes 0 (no class scores): the task is 'image', got '" + task + "'");
            return std::optional<::semcom::Task>();
        }
        const auto t = ::semcom::parse_task(task);
        const int fixed = ::semcom::task_classes(t);
        if (fixed && num_classes != fixed)
            throw std::invalid_argument("task " + task + " has " + std::to_string(fixed) + " classes, num_classes is " +
                                        std::to_string(num_classes));
        return std::optional<::semcom::Task>(t);
    });
    return gnuradio::make_block_sptr<metrics_sink_impl>(channels, height, width, num_classes,
                                                         parsed, receiver,
                                                         report_every, json_path, reconstructions, max_pending);
}

} // namespace semcom
} // namespace gr
