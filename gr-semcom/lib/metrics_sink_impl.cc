/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/metrics_sink.h>
#include <nlohmann/json.hpp>
#include <semcom/metrics.h>
#include <semcom/tasks.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>
#include <optional>

namespace gr {
namespace semcom {

class metrics_sink_impl : public metrics_sink
{
public:
    metrics_sink_impl(int c, int h, int w, int classes, std::optional<::semcom::Task> task, std::string receiver,
                      int report_every, std::string json_path, bool reconstructions)
        : gr::block("metrics_sink", input_signature(c * h * w, classes, reconstructions),
                    gr::io_signature::make(0, 0, 0)),
          d_c(c), d_h(h), d_w(w), d_classes(classes), d_task(task), d_reconstructions(reconstructions),
          d_receiver(std::move(receiver)), d_report_every(report_every),
          d_json_path(std::move(json_path)), d_scorer(c, h, w)
    {
        message_port_register_out(d_port);
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

    bool stop() override
    {
        publish();
        if (!d_json_path.empty()) {
            std::ofstream f(d_json_path);
            if (!f)
                d_logger->error("cannot write metrics JSON '{}'", d_json_path);
            else
                f << summary_json() << "\n";
        }
        return true;
    }

    void forecast(int, gr_vector_int& required) override
    {
        std::fill(required.begin(), required.end(), 1);
    }

    int general_work(int,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star&) override
    {
        // input 1 (reconstructions, or the class scores without them) carries the decoded frames'
        // tags; without class scores (a decoder that only reconstructs) there is no input 2
        const int scores_port = d_classes == 0 ? -1 : d_reconstructions ? 2 : 1;
        const auto* orig = static_cast<const float*>(input_items[0]);
        const auto* recon = d_reconstructions ? static_cast<const float*>(input_items[1]) : nullptr;
        const auto* scores = scores_port < 0 ? nullptr : static_cast<const float*>(input_items[scores_port]);
        const int n0 = ninput_items[0],
                  n1 = scores_port < 0 ? ninput_items[1] : std::min(ninput_items[1], ninput_items[scores_port]);
        const auto info0 = frame_info(0, n0), info1 = frame_info(1, n1);
        std::vector<long long> seq0(n0), seq1(n1);
        for (int i = 0; i < n0; ++i)
            seq0[i] = info0[i].seq;
        for (int i = 0; i < n1; ++i)
            seq1[i] = info1[i].seq;
        const auto step = d_matcher.match(seq0.data(), seq0.size(), seq1.data(), seq1.size());
        {
            std::lock_guard<std::mutex> l(d_mutex);
            d_missing += long(step.missing);
        }
        const std::size_t per = d_scorer.image_size();
        for (const auto& p : step.pairs) {
            const auto& i = info0[p.original];
            note_snr_used(info1[p.decoded].snr_used);
            score(orig + p.original * per, recon ? recon + p.decoded * per : nullptr,
                  scores ? scores + p.decoded * std::size_t(d_classes) : nullptr,
                  d_task ? ::semcom::task_label(*d_task, i.fine, i.coarse) : -1);
        }
        const int i0 = int(step.originals_used), i1 = int(step.decoded_used);
        consume(0, i0);
        consume(1, i1);
        if (scores_port == 2)
            consume(2, i1);
        return 0;
    }

    double accuracy() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_labelled ? double(d_correct) / d_labelled : std::nan("");
    }
    double psnr_db() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_images ? d_psnr_sum / d_images : std::nan("");
    }
    double ssim() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_images ? d_ssim_sum / d_images : std::nan("");
    }
    long frames() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_frames;
    }
    long frames_missing() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_missing;
    }
    std::string summary_json() const override
    {
        nlohmann::json j;
        j["receiver"] = d_receiver;
        j["task"] = d_task ? ::semcom::task_name(*d_task) : "image";
        j["frames"] = frames();
        j["missing"] = frames_missing();
        const double a = accuracy(), p = psnr_db(), s = ssim();
        j["accuracy"] = std::isnan(a) ? nlohmann::json() : nlohmann::json(a);
        j["psnr_db"] = std::isnan(p) ? nlohmann::json() : nlohmann::json(p);
        j["ssim"] = std::isnan(s) ? nlohmann::json() : nlohmann::json(s);
        std::lock_guard<std::mutex> l(d_mutex);
        if (d_snr_frames > 0) {
            std::vector<double> mean;
            for (double v : d_snr_sum)
                mean.push_back(v / double(d_snr_frames));
            j["snr_db_used_mean"] = mean;
            j["snr_db_used_last"] = d_snr_last;
            j["snr_db_used_frames"] = d_snr_frames;
        }
        return j.dump();
    }

private:
    struct info {
        long long seq = -1;
        int fine = -1, coarse = -1;
        std::vector<float> snr_used; //!< the encoder's SNRs for the frame (snr_db_used), if any
    };

    //! The SNRs the encoder used for a scored frame, into the running mean and last value.
    void note_snr_used(const std::vector<float>& used)
    {
        if (used.empty())
            return;
        std::lock_guard<std::mutex> l(d_mutex);
        if (d_snr_sum.size() != used.size()) {
            d_snr_sum.assign(used.size(), 0.0);
            d_snr_frames = 0;
        }
        for (std::size_t k = 0; k < used.size(); ++k)
            d_snr_sum[k] += used[k];
        d_snr_last = used;
        ++d_snr_frames;
    }

    std::vector<info> frame_info(int port, int n)
    {
        std::vector<info> out(n);
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, port, 0, n, frame_info::key());
        const uint64_t start = nitems_read(port);
        for (const auto& t : tags) {
            auto& i = out[t.offset - start];
            i.seq = static_cast<long long>(pmt::to_uint64(pmt::dict_ref(t.value, pmt::mp("seq"), pmt::from_uint64(0))));
            i.fine = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("fine"), pmt::from_long(-1))));
            i.coarse = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("coarse"), pmt::from_long(-1))));
            const auto used = frame_info::get(t.value, "snr_db_used");
            if (pmt::is_f32vector(used))
                i.snr_used = pmt::f32vector_elements(used);
        }
        return out;
    }

    void score(const float* a, const float* b, const float* s, int label)
    {
        const int decision = s ? int(std::max_element(s, s + d_classes) - s) : -1;
        if (b) {
            const auto q = d_scorer.score(a, b);
            std::lock_guard<std::mutex> l(d_mutex);
            d_psnr_sum += q.psnr_db; // capped: identical images would be +inf
            d_ssim_sum += q.ssim;
            ++d_images;
        }
        {
            std::lock_guard<std::mutex> l(d_mutex);
            ++d_frames;
            if (s && label >= 0) {
                ++d_labelled;
                d_correct += decision == label;
            }
        }
        if (d_report_every > 0 && d_frames % d_report_every == 0)
            publish();
    }

    void publish()
    {
        message_port_pub(d_port, pmt::intern(summary_json()));
    }

    const int d_c, d_h, d_w, d_classes;
    const std::optional<::semcom::Task> d_task; //!< none: no class scores (a decoder that only reconstructs)
    const bool d_reconstructions; //!< input 1 is the reconstructed images (else the class scores)
    const std::string d_receiver;
    const int d_report_every;
    const std::string d_json_path;
    const pmt::pmt_t d_port = pmt::mp("metrics");
    ::semcom::ImageScorer d_scorer;
    ::semcom::FrameMatcher d_matcher;
    mutable std::mutex d_mutex;
    long d_frames = 0, d_images = 0, d_missing = 0, d_labelled = 0, d_correct = 0;
    double d_psnr_sum = 0.0, d_ssim_sum = 0.0;
    std::vector<double> d_snr_sum; //!< per SNR value of snr_db_used, over the scored frames
    std::vector<float> d_snr_last;
    long d_snr_frames = 0;
};

metrics_sink::sptr metrics_sink::make(int channels, int height, int width, int num_classes,
                                      const std::string& task, const std::string& receiver,
                                      int report_every, const std::string& json_path,
                                      bool reconstructions)
{
    const auto parsed = build_or_explain("metrics_sink", [&] {
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
                                                         report_every, json_path, reconstructions);
}

} // namespace semcom
} // namespace gr
