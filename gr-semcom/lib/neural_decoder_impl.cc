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
#include <map>
#include <set>
#include <unordered_map>

namespace gr {
namespace semcom {

class neural_decoder_impl : public neural_decoder
{
public:
    //! One model of the bank and the SNR range its receiver was trained at.
    struct member {
        std::shared_ptr<nn::Model> model;
        double snr_lo, snr_hi;
    };

    neural_decoder_impl(std::vector<member> bank, std::vector<int> out_sizes, int logits_out, int image_out,
                        float snr_db, int max_wait_us, bool realtime, int capacity)
        : gr::block("neural_decoder",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::makev(int(out_sizes.size()), int(out_sizes.size()), out_sizes)),
          d_bank(std::move(bank)),
          d_n(int(d_bank.front().model->manifest().channel_uses)),
          d_logits_out(logits_out),
          d_image_out(image_out),
          d_realtime(realtime),
          d_capacity(std::size_t(capacity)),
          d_snr(snr_db),
          d_used(d_bank.size())
    {
        nn::BatchRunnerOptions o;
        // Simulation: each call submits every frame it has and waits for them, so waiting for
        // more frames to fill a batch would only idle.
        o.max_wait = std::chrono::microseconds(realtime ? max_wait_us : 0);
        o.capacity = std::size_t(capacity);
        for (const auto& m : d_bank)
            d_runners.push_back(std::make_unique<nn::BatchRunner>(m.model, o));
        for (auto& u : d_used)
            u = 0;
        set_relative_rate(1, uint64_t(d_n));
        set_tag_propagation_policy(TPP_DONT);
        message_port_register_in(pmt::mp("snr"));
        set_msg_handler(pmt::mp("snr"), [this](const pmt::pmt_t& m) { d_snr = snr_from_message(m, d_snr); });
    }

    bool stop() override
    {
        const auto lost = outstanding();
        for (auto& r : d_runners)
            r->stop();
        if (lost)
            d_logger->warn("{} frames still being decoded at stop were discarded", lost);
        d_dropped += long(lost);
        if (d_dropped)
            d_logger->info("{} frames decoded, {} dropped", d_decoded.load(), d_dropped.load());
        if (d_bank.size() > 1)
            for (std::size_t k = 0; k < d_bank.size(); ++k)
                d_logger->info("model {} ({}): {} frames", k, d_bank[k].model->manifest().name, d_used[k].load());
        return true;
    }

    void set_snr(float snr_db) override { d_snr = snr_db; }
    long frames_decoded() const override { return d_decoded; }
    long frames_dropped() const override { return d_dropped; }
    int channel_uses() const override { return d_n; }
    int num_classes() const override
    {
        return int(d_bank.front().model->manifest().outputs[d_logits_out].item_numel());
    }
    int image_size() const override
    {
        return d_image_out < 0 ? 0 : int(d_bank.front().model->manifest().outputs[d_image_out].item_numel());
    }
    std::string device_name() const override { return d_bank.front().model->device_name(); }
    std::vector<long> frames_per_model() const override
    {
        std::vector<long> v;
        for (const auto& u : d_used)
            v.push_back(u);
        return v;
    }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        // With results waiting to be written, run even without new input (end of stream).
        required[0] = (!d_ready.empty() || outstanding() > 0) ? 0 : noutput_items * d_n;
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
            if (!d_realtime && outstanding() + d_ready.size() >= d_capacity)
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
            const std::size_t k = nearest(meta.snr);
            // complex<float> is [re, im]: the frame is the model's [n, 2] float input as it is
            const auto* symbols = reinterpret_cast<const float*>(in + std::size_t(f) * d_n);
            if (d_runners[k]->submit(d_next_id, { symbols, &meta.snr })) {
                d_meta.emplace(d_next_id, std::move(meta));
                ++d_used[k];
            } else {
                ++d_dropped; // realtime: the decoder cannot keep up
                d_skip.insert(d_next_id);
            }
            ++d_next_id;
            ++submitted;
        }
        consume_each(submitted * d_n);
        if (!d_realtime && submitted > 0)
            for (auto& r : d_runners)
                r->drain();

        // results leave in frame order, whichever model of the bank decoded them
        collect(submitted == 0);
        int produced = 0;
        while (produced < noutput_items) {
            while (d_skip.count(d_next_out)) {
                d_skip.erase(d_next_out);
                ++d_next_out;
            }
            auto it = d_ready.find(d_next_out);
            if (it == d_ready.end())
                break;
            auto r = std::move(it->second);
            d_ready.erase(it);
            ++d_next_out;
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

    std::size_t outstanding() const
    {
        std::size_t n = 0;
        for (const auto& r : d_runners)
            n += r->outstanding();
        return n;
    }

    //! The member whose training SNR range is nearest the frame's SNR (the first on a tie).
    std::size_t nearest(float snr) const
    {
        std::size_t best = 0;
        double best_d = 1e300;
        for (std::size_t k = 0; k < d_bank.size(); ++k) {
            const double d = snr < d_bank[k].snr_lo ? d_bank[k].snr_lo - snr
                             : snr > d_bank[k].snr_hi ? snr - d_bank[k].snr_hi
                                                      : 0.0;
            if (d < best_d) {
                best_d = d;
                best = k;
            }
        }
        return best;
    }

    void collect(bool idle)
    {
        for (auto& runner : d_runners)
            while (auto r = runner->try_pop())
                d_ready.emplace(r->id, std::move(*r));
        if (idle && d_ready.find(d_next_out) == d_ready.end())
            for (auto& runner : d_runners)
                if (runner->outstanding() > 0) {
                    if (auto r = runner->pop(std::chrono::milliseconds(20))) // idle: wait a little
                        d_ready.emplace(r->id, std::move(*r));
                    break;
                }
    }

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

    const std::vector<member> d_bank;
    const int d_n, d_logits_out, d_image_out;
    const bool d_realtime;
    const std::size_t d_capacity;
    std::atomic<float> d_snr;
    std::vector<std::unique_ptr<nn::BatchRunner>> d_runners;
    std::vector<std::atomic<long>> d_used;
    std::unordered_map<std::uint64_t, frame_meta> d_meta;
    std::map<std::uint64_t, nn::BatchResult> d_ready;
    std::set<std::uint64_t> d_skip; //!< frames dropped at submission
    std::uint64_t d_next_id = 0, d_next_out = 0;
    std::atomic<long> d_decoded{ 0 }, d_dropped{ 0 };
};

neural_decoder::sptr neural_decoder::make(const std::string& model, const std::string& device, float snr_db,
                                          int max_batch, int max_wait_us, bool realtime, int queue_capacity)
{
    if (max_wait_us < 0 || queue_capacity < 1)
        throw std::invalid_argument("neural_decoder: max_wait_us must be >= 0 and queue_capacity >= 1");
    // "a.json,b.json,...": a bank of decoders for the same transmitter; each frame goes to the
    // one trained nearest its SNR
    std::vector<std::string> paths;
    std::size_t from = 0;
    for (;;) {
        const auto comma = model.find(',', from);
        paths.push_back(model.substr(from, comma == std::string::npos ? std::string::npos : comma - from));
        if (comma == std::string::npos)
            break;
        from = comma + 1;
    }
    std::vector<neural_decoder_impl::member> bank;
    int logits = -1, image = -1;
    std::vector<int> sizes;
    for (const auto& path : paths) {
        auto m = load_model("neural_decoder", path, device, max_batch);
        const auto& man = m->manifest();
        const std::string where = "neural_decoder: '" + man.path + "': ";
        if (man.role != "decoder")
            throw std::invalid_argument(where + "is a " + man.role + ", not a decoder");
        if (man.inputs.size() != 2 || man.inputs[0].item_numel() != 2 * man.channel_uses ||
            man.inputs[1].item_numel() != 1)
            throw std::invalid_argument(where + "inputs must be symbols [-1, channel_uses, 2] and snr_db [-1, 1]");
        int lg = -1, im = -1;
        for (std::size_t k = 0; k < man.outputs.size(); ++k) {
            if (man.outputs[k].name == "logits")
                lg = int(k);
            else if (man.outputs[k].name == "image")
                im = int(k);
        }
        if (lg < 0)
            throw std::invalid_argument(where + "has no 'logits' output");
        std::vector<int> sz{ int(sizeof(float) * man.outputs[lg].item_numel()) };
        if (im >= 0)
            sz.push_back(int(sizeof(float) * man.outputs[im].item_numel()));
        if (!bank.empty()) {
            const auto& first = bank.front().model->manifest();
            if (sz != sizes || lg != logits || im != image || man.channel_uses != first.channel_uses ||
                man.tasks != first.tasks)
                throw std::invalid_argument(where + "does not match '" + first.path +
                                            "' (channel uses, tasks or outputs): a bank shares one transmitter");
        }
        logits = lg;
        image = im;
        sizes = sz;
        // the SNR this receiver was trained at: its own entry of train_snr_db
        double lo = snr_db, hi = snr_db;
        const std::size_t r = man.receiver && *man.receiver >= 1 ? std::size_t(*man.receiver - 1) : 0;
        if (r < man.train_snr_db.size()) {
            lo = man.train_snr_db[r].lo;
            hi = man.train_snr_db[r].hi;
        } else if (paths.size() > 1) {
            throw std::invalid_argument(where + "has no train_snr_db for its receiver: cannot be in a bank");
        }
        bank.push_back({ std::move(m), lo, hi });
    }
    return gnuradio::make_block_sptr<neural_decoder_impl>(std::move(bank), sizes, logits, image, snr_db, max_wait_us,
                                                          realtime, queue_capacity);
}

} // namespace semcom
} // namespace gr
