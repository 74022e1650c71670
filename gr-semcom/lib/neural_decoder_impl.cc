/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"
#include "neural_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <semcom/neural/batch_runner.h>

#include <ATen/ATen.h>

#include <atomic>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace gr {
namespace semcom {

class neural_decoder_impl : public neural_decoder
{
public:
    neural_decoder_impl(std::shared_ptr<nn::Model> model, std::vector<int> out_sizes, int logits_out,
                        int image_out, float snr_db, int max_wait_us, bool realtime, int capacity)
        : gr::block("neural_decoder",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::makev(int(out_sizes.size()), int(out_sizes.size()), out_sizes)),
          d_model(model),
          d_n(int(model->manifest().channel_uses)),
          d_logits_out(logits_out),
          d_image_out(image_out),
          d_realtime(realtime),
          d_capacity(std::size_t(capacity)),
          d_snr(snr_db),
          d_runner(model, [&] {
              nn::BatchRunnerOptions o;
              // Simulation: each call submits every frame it has and waits for them, so waiting
              // for more frames to fill a batch would only idle.
              o.max_wait = std::chrono::microseconds(realtime ? max_wait_us : 0);
              o.capacity = std::size_t(capacity);
              return o;
          }())
    {
        set_relative_rate(1, uint64_t(d_n));
        set_tag_propagation_policy(TPP_DONT);
        message_port_register_in(pmt::mp("snr"));
        set_msg_handler(pmt::mp("snr"), [this](const pmt::pmt_t& m) { d_snr = snr_from_message(m, d_snr); });
    }

    bool stop() override
    {
        const auto lost = d_runner.outstanding();
        d_runner.stop();
        if (lost)
            d_logger->warn("{} frames still being decoded at stop were discarded", lost);
        d_dropped += long(lost);
        if (d_dropped)
            d_logger->info("{} frames decoded, {} dropped", d_decoded.load(), d_dropped.load());
        return true;
    }

    void set_snr(float snr_db) override { d_snr = snr_db; }
    long frames_decoded() const override { return d_decoded; }
    long frames_dropped() const override { return d_dropped; }
    int channel_uses() const override { return d_n; }
    int num_classes() const override
    {
        return int(d_model->manifest().outputs[d_logits_out].item_numel());
    }
    int image_size() const override
    {
        return d_image_out < 0 ? 0 : int(d_model->manifest().outputs[d_image_out].item_numel());
    }
    std::string device_name() const override { return d_model->device_name(); }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        // With results waiting to be written, run even without new input (end of stream).
        required[0] = (!d_ready.empty() || d_runner.outstanding() > 0) ? 0 : noutput_items * d_n;
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const auto* in = static_cast<const gr_complex*>(input_items[0]);
        const int avail = ninput_items[0] / d_n;
        int submitted = 0;
        std::vector<gr::tag_t> tags;
        for (int f = 0; f < avail; ++f) {
            if (!d_realtime && d_runner.outstanding() + d_ready.size() >= d_capacity)
                break; // simulation: never drop, decode what was queued first
            const uint64_t first = nitems_read(0) + uint64_t(f) * d_n;
            get_tags_in_range(tags, 0, first, first + d_n);
            frame_meta meta;
            meta.snr = d_snr;
            for (const auto& t : tags) {
                if (pmt::eqv(t.key, image_tag_key()))
                    meta.image_tag = t;
                else if (pmt::eqv(t.key, pmt::mp("snr_db")) && pmt::is_number(t.value))
                    meta.snr = float(pmt::to_double(t.value));
                else if (pmt::eqv(t.key, csi_tag_key()))
                    meta.snr = snr_from_message(t.value, meta.snr);
            }
            // complex<float> is [re, im]: the frame is the model's [n, 2] float input as it is
            const auto* symbols = reinterpret_cast<const float*>(in + std::size_t(f) * d_n);
            if (d_runner.submit(d_next_id, { symbols, &meta.snr }))
                d_meta.emplace(d_next_id, std::move(meta));
            else
                ++d_dropped; // realtime: the decoder cannot keep up
            ++d_next_id;
            ++submitted;
        }
        consume_each(submitted * d_n);
        if (!d_realtime && submitted > 0)
            d_runner.drain();

        int produced = 0;
        while (produced < noutput_items) {
            if (d_ready.empty()) {
                auto r = d_runner.try_pop();
                if (!r && submitted == 0 && d_runner.outstanding() > 0)
                    r = d_runner.pop(std::chrono::milliseconds(20)); // idle: wait a little
                if (!r)
                    break;
                d_ready.push_back(std::move(*r));
            }
            auto r = std::move(d_ready.front());
            d_ready.pop_front();
            auto meta = d_meta.find(r.id);
            if (!r.ok()) {
                ++d_dropped;
                d_logger->error("frame {} not decoded: {}", r.id, r.error);
                if (meta != d_meta.end())
                    d_meta.erase(meta);
                continue;
            }
            write(r, produced, output_items);
            if (meta != d_meta.end()) {
                if (!pmt::is_null(meta->second.image_tag.key))
                    for (std::size_t k = 0; k < output_items.size(); ++k)
                        add_item_tag(unsigned(k), nitems_written(k) + produced, meta->second.image_tag.key,
                                     meta->second.image_tag.value, alias_pmt());
                d_meta.erase(meta);
            }
            ++produced;
            ++d_decoded;
        }
        return produced;
    }

private:
    struct frame_meta {
        float snr = 0.0f;
        gr::tag_t image_tag;
    };

    void write(const nn::BatchResult& r, int at, gr_vector_void_star& out)
    {
        const auto& logits = r.outputs[d_logits_out];
        std::memcpy(static_cast<float*>(out[0]) + std::size_t(at) * logits.numel(),
                    logits.data_ptr<float>(), sizeof(float) * logits.numel());
        if (d_image_out >= 0) {
            const auto& img = r.outputs[d_image_out];
            std::memcpy(static_cast<float*>(out[1]) + std::size_t(at) * img.numel(), img.data_ptr<float>(),
                        sizeof(float) * img.numel());
        }
    }

    std::shared_ptr<nn::Model> d_model;
    const int d_n, d_logits_out, d_image_out;
    const bool d_realtime;
    const std::size_t d_capacity;
    std::atomic<float> d_snr;
    nn::BatchRunner d_runner;
    std::unordered_map<std::uint64_t, frame_meta> d_meta;
    std::deque<nn::BatchResult> d_ready;
    std::uint64_t d_next_id = 0;
    std::atomic<long> d_decoded{ 0 }, d_dropped{ 0 };
};

neural_decoder::sptr neural_decoder::make(const std::string& model, const std::string& device, float snr_db,
                                          int max_batch, int max_wait_us, bool realtime, int queue_capacity)
{
    if (max_wait_us < 0 || queue_capacity < 1)
        throw std::invalid_argument("neural_decoder: max_wait_us must be >= 0 and queue_capacity >= 1");
    auto m = load_model("neural_decoder", model, device, max_batch);
    const auto& man = m->manifest();
    const std::string where = "neural_decoder: '" + man.path + "': ";
    if (man.role != "decoder")
        throw std::invalid_argument(where + "is a " + man.role + ", not a decoder");
    if (man.inputs.size() != 2 || man.inputs[0].item_numel() != 2 * man.channel_uses ||
        man.inputs[1].item_numel() != 1)
        throw std::invalid_argument(where + "inputs must be symbols [-1, channel_uses, 2] and snr_db [-1, 1]");
    int logits = -1, image = -1;
    for (std::size_t k = 0; k < man.outputs.size(); ++k) {
        if (man.outputs[k].name == "logits")
            logits = int(k);
        else if (man.outputs[k].name == "image")
            image = int(k);
    }
    if (logits < 0)
        throw std::invalid_argument(where + "has no 'logits' output");
    std::vector<int> sizes{ int(sizeof(float) * man.outputs[logits].item_numel()) };
    if (image >= 0)
        sizes.push_back(int(sizeof(float) * man.outputs[image].item_numel()));
    return gnuradio::make_block_sptr<neural_decoder_impl>(m, sizes, logits, image, snr_db, max_wait_us,
                                                          realtime, queue_capacity);
}

} // namespace semcom
} // namespace gr
