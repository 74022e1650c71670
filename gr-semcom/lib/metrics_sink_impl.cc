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

#include <algorithm>
#include <cmath>
#include <fstream>
#include <mutex>

namespace gr {
namespace semcom {

class metrics_sink_impl : public metrics_sink
{
public:
    metrics_sink_impl(int c, int h, int w, int classes, bool coarse, std::string receiver,
                      int report_every, std::string json_path)
        : gr::block("metrics_sink",
                    gr::io_signature::makev(3, 3, { int(sizeof(float)) * c * h * w,
                                                    int(sizeof(float)) * c * h * w,
                                                    int(sizeof(float)) * classes }),
                    gr::io_signature::make(0, 0, 0)),
          d_c(c), d_h(h), d_w(w), d_classes(classes), d_coarse(coarse),
          d_receiver(std::move(receiver)), d_report_every(report_every),
          d_json_path(std::move(json_path)), d_hwc_a(std::size_t(c) * h * w),
          d_hwc_b(std::size_t(c) * h * w)
    {
        message_port_register_out(d_port);
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
        const auto* orig = static_cast<const float*>(input_items[0]);
        const auto* recon = static_cast<const float*>(input_items[1]);
        const auto* scores = static_cast<const float*>(input_items[2]);
        const int n0 = ninput_items[0], n1 = std::min(ninput_items[1], ninput_items[2]);
        const auto info0 = frame_info(0, n0), info1 = frame_info(1, n1);
        const std::size_t per = std::size_t(d_c) * d_h * d_w;
        int i0 = 0, i1 = 0;
        while (i1 < n1) {
            const long long seq = info1[i1].seq;
            if (seq >= 0) {
                while (i0 < n0 && info0[i0].seq >= 0 && info0[i0].seq < seq) {
                    ++i0; // an original whose decoded frame never came
                    ++d_missing;
                }
                if (i0 == n0)
                    break; // wait for more originals
                if (info0[i0].seq != seq) { // decoded frame without its original: skip it
                    ++i1;
                    continue;
                }
            } else if (i0 == n0) {
                break;
            }
            score(orig + i0 * per, recon + i1 * per, scores + std::size_t(i1) * d_classes,
                  d_coarse ? info0[i0].coarse : info0[i0].fine);
            ++i0;
            ++i1;
        }
        consume(0, i0);
        consume(1, i1);
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
        return d_frames ? d_psnr_sum / d_frames : std::nan("");
    }
    double ssim() const override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        return d_frames ? d_ssim_sum / d_frames : std::nan("");
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
        j["task"] = d_coarse ? "coarse" : "fine";
        j["frames"] = frames();
        j["missing"] = frames_missing();
        const double a = accuracy(), p = psnr_db(), s = ssim();
        j["accuracy"] = std::isnan(a) ? nlohmann::json() : nlohmann::json(a);
        j["psnr_db"] = std::isnan(p) ? nlohmann::json() : nlohmann::json(p);
        j["ssim"] = std::isnan(s) ? nlohmann::json() : nlohmann::json(s);
        return j.dump();
    }

private:
    struct info {
        long long seq = -1;
        int fine = -1, coarse = -1;
    };

    std::vector<info> frame_info(int port, int n)
    {
        std::vector<info> out(n);
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, port, 0, n, image_tag_key());
        const uint64_t start = nitems_read(port);
        for (const auto& t : tags) {
            auto& i = out[t.offset - start];
            i.seq = static_cast<long long>(pmt::to_uint64(pmt::dict_ref(t.value, pmt::mp("seq"), pmt::from_uint64(0))));
            i.fine = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("fine"), pmt::from_long(-1))));
            i.coarse = int(pmt::to_long(pmt::dict_ref(t.value, pmt::mp("coarse"), pmt::from_long(-1))));
        }
        return out;
    }

    void score(const float* a, const float* b, const float* s, int label)
    {
        const std::size_t hw = std::size_t(d_h) * d_w;
        for (int c = 0; c < d_c; ++c)
            for (std::size_t p = 0; p < hw; ++p) {
                d_hwc_a[p * d_c + c] = a[c * hw + p];
                d_hwc_b[p * d_c + c] = b[c * hw + p];
            }
        const double p = ::semcom::psnr(a, b, hw * d_c);
        const double q = ::semcom::ssim(d_hwc_a.data(), d_hwc_b.data(), d_h, d_w, d_c);
        const int decision = int(std::max_element(s, s + d_classes) - s);
        {
            std::lock_guard<std::mutex> l(d_mutex);
            ++d_frames;
            d_psnr_sum += std::min(p, 100.0); // identical images: cap +inf
            d_ssim_sum += q;
            if (label >= 0) {
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
    const bool d_coarse;
    const std::string d_receiver;
    const int d_report_every;
    const std::string d_json_path;
    const pmt::pmt_t d_port = pmt::mp("metrics");
    std::vector<float> d_hwc_a, d_hwc_b;
    mutable std::mutex d_mutex;
    long d_frames = 0, d_missing = 0, d_labelled = 0, d_correct = 0;
    double d_psnr_sum = 0.0, d_ssim_sum = 0.0;
};

metrics_sink::sptr metrics_sink::make(int channels, int height, int width, int num_classes,
                                      const std::string& task, const std::string& receiver,
                                      int report_every, const std::string& json_path)
{
    build_or_explain("metrics_sink", [&] {
        if (channels < 1 || height < 11 || width < 11)
            throw std::invalid_argument("image shape must be at least 1x11x11 (SSIM window), got " +
                                        std::to_string(channels) + "x" + std::to_string(height) +
                                        "x" + std::to_string(width));
        if (num_classes < 1)
            throw std::invalid_argument("num_classes must be >= 1");
        if (task != "fine" && task != "coarse")
            throw std::invalid_argument("task must be fine or coarse, got '" + task + "'");
        return 0;
    });
    return gnuradio::make_block_sptr<metrics_sink_impl>(channels, height, width, num_classes,
                                                         task == "coarse", receiver,
                                                         report_every, json_path);
}

} // namespace semcom
} // namespace gr
