/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"
#include "neural_util.h"

#include <gnuradio/block_detail.h>
#include <gnuradio/buffer_reader.h>
#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <semcom/neural/batch_runner.h>
#include <semcom/channel.h>
#include <semcom/codebook.h>
#include <semcom/neural/model_bank.h>
#include <semcom/snr_feedback.h>

#include <ATen/ATen.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_map>

namespace gr {
namespace semcom {

class neural_decoder_impl : public neural_decoder
{
public:
    neural_decoder_impl(std::shared_ptr<nn::ModelBank> bank, float snr_db, int max_wait_us, bool realtime,
                        int capacity, float exit_threshold, bool hard_decisions)
        : gr::block("neural_decoder",
                    gr::io_signature::make(1, 1, sizeof(gr_complex)),
                    gr::io_signature::makev(int(output_sizes(bank->signature()).size()),
                                            int(output_sizes(bank->signature()).size()),
                                            output_sizes(bank->signature()))),
          d_bank(std::move(bank)),
          d_sig(d_bank->signature()),
          d_n(d_sig.channel_uses),
          d_realtime(realtime),
          d_capacity(std::size_t(capacity)),
          d_snr(snr_db),
          d_used(d_bank->size()),
          d_hard(hard_decisions),
          d_exits(d_sig.multi_exit() ? d_sig.codebook->decoder_layers : 0),
          d_exit_counts(std::size_t(d_exits))
    {
        for (auto& c : d_exit_counts)
            c = 0;
        if (d_exits > 0)
            d_exit_threshold = exit_threshold == 0.0f ? float(d_sig.codebook->exit_threshold)
                                                      : checked_threshold(exit_threshold);
        if (d_sig.kind == ::semcom::TransmitKind::codebook)
            d_cb.emplace(d_sig, d_bank->member(0).model->manifest());
        nn::BatchRunnerOptions o;
        // Simulation: each call submits every frame it has and waits for them, so waiting for
        // more frames to fill a batch would only idle.
        o.max_wait = std::chrono::microseconds(realtime ? max_wait_us : 0);
        o.capacity = std::size_t(capacity);
        for (std::size_t k = 0; k < d_bank->size(); ++k)
            d_runners.push_back(std::make_unique<nn::BatchRunner>(d_bank->member(k).model, o));
        for (auto& u : d_used)
            u = 0;
        set_relative_rate(1, uint64_t(d_n));
        set_tag_propagation_policy(TPP_DONT);
        message_port_register_in(pmt::mp("snr"));
        set_msg_handler(pmt::mp("snr"), [this](const pmt::pmt_t& m) { d_snr = snr_from_message(m, d_snr); });
        message_port_register_out(d_report_port);
    }

    //! The class scores when the model has logits, then the image when it has one.
    static std::vector<int> output_sizes(const nn::ReceiverSignature& s)
    {
        std::vector<int> sz;
        if (s.logits_output >= 0)
            sz.push_back(int(sizeof(float)) * s.classes);
        if (s.image_output >= 0)
            sz.push_back(int(sizeof(float) * s.image_numel));
        return sz;
    }

    bool stop() override
    {
        const auto lost = outstanding();
        for (auto& r : d_runners)
            r->stop();
        if (lost)
            d_logger->warn("{} frames still being decoded at stop were discarded", lost);
        d_dropped += long(lost);
        // symbols left at the end: a trailing partial frame (or frames never taken, when stopped)
        if (const auto d = detail(); d && d->ninputs() > 0) {
            const long left = d->input(0)->items_available();
            if (left > 0) {
                const long frames = (left + d_n - 1) / d_n;
                d_logger->warn("{} symbols left at stop ({} of a frame of {}): {} frame(s) dropped (counted)", left,
                               left % d_n, d_n, frames);
                d_dropped += frames;
            }
        }
        if (d_bad_snr)
            d_logger->warn("{} frames had an snr_db that is not a finite number: decoded at the set SNR {} dB",
                           d_bad_snr.load(), d_snr.load());
        if (d_dropped)
            d_logger->info("{} frames decoded, {} dropped ({} with side information that does not describe them)",
                           d_decoded.load(), d_dropped.load(), d_invalid.load());
        if (d_unknown_symbols)
            d_logger->info("{} received symbols were not finite: their posteriors are the prior", d_unknown_symbols.load());
        if (d_bank->size() > 1)
            for (std::size_t k = 0; k < d_bank->size(); ++k)
                d_logger->info("model {} ({}): {} frames", k, d_bank->member(k).model->manifest().name,
                               d_used[k].load());
        return true;
    }

    void set_snr(float snr_db) override { d_snr = snr_db; }
    long frames_decoded() const override { return d_decoded; }
    long frames_dropped() const override { return d_dropped; }
    long frames_invalid() const override { return d_invalid; }
    long frames_rejected() const override { return d_rejected; }
    long frames_bad_snr() const override { return d_bad_snr; }
    int channel_uses() const override { return d_n; }
    int num_classes() const override { return d_sig.classes; }
    int image_size() const override { return int(d_sig.image_numel); }
    std::string task() const override { return d_sig.task; }
    int receiver() const override { return d_sig.receiver; }
    std::string device_name() const override { return d_bank->member(0).model->device_name(); }
    void set_snr_report(int report_every, double weight) override
    {
        if (report_every < 0)
            throw std::invalid_argument("neural_decoder: report_every must be >= 0");
        ::semcom::SnrTracker tracker(weight); // std::invalid_argument for a bad weight
        std::lock_guard<std::mutex> lock(d_report_lock);
        d_report_every = report_every;
        d_tracker = tracker;
        d_reported = std::nan("");
    }
    double reported_snr_db() const override { return d_reported; }
    void set_bank(bool on) override
    {
        if (d_bank_on.exchange(on) != on && d_bank->size() > 1)
            d_logger->info("decoder bank {}", on ? "on: each frame to the model nearest its SNR"
                                                   : "off: every frame to the first model");
    }
    bool bank() const override { return d_bank_on; }
    std::vector<long> frames_per_model() const override
    {
        std::vector<long> v;
        for (const auto& u : d_used)
            v.push_back(u);
        return v;
    }

    void set_exit_threshold(float threshold) override
    {
        if (d_exits == 0)
            throw std::invalid_argument("neural_decoder: '" + d_sig.path + "' has no exits (not a multi-exit decoder)");
        d_exit_threshold = checked_threshold(threshold);
    }
    float exit_threshold() const override { return d_exits > 0 ? d_exit_threshold.load() : std::nanf(""); }
    int exit_layers() const override { return d_exits; }
    double mean_exit_layer() const override
    {
        long frames = 0, sum = 0;
        for (std::size_t i = 0; i < d_exit_counts.size(); ++i) {
            frames += d_exit_counts[i];
            sum += long(i + 1) * d_exit_counts[i];
        }
        return frames ? double(sum) / double(frames) : std::nan("");
    }
    std::vector<long> frames_per_exit_layer() const override
    {
        std::vector<long> v;
        for (const auto& c : d_exit_counts)
            v.push_back(c);
        return v;
    }
    double mean_symbols_received() const override
    {
        const long f = d_decoded;
        return f ? d_symbols_received / double(f) : std::nan("");
    }
    bool hard_decisions() const override { return d_hard; }

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
        return guarded_work(name(), d_logger, [&]() -> int {
            const auto* in = static_cast<const gr_complex*>(input_items[0]);
            const int avail = ninput_items[0] / d_n;
            int submitted = 0;
            std::vector<gr::tag_t> tags;
            for (int f = 0; f < avail; ++f) {
                if (outstanding() + d_ready.size() >= d_capacity) {
                    if (!d_realtime)
                        break; // simulation: never drop, decode what was queued first
                    // realtime: frames decoding or decoded but not yet taken downstream fill the
                    // queue; a new frame is dropped (counted) rather than kept (memory bounded
                    // whoever falls behind: the model or the blocks after it)
                    ++d_dropped;
                    d_skip.insert(d_next_id++);
                    ++submitted;
                    continue;
                }
                const uint64_t first = nitems_read(0) + uint64_t(f) * d_n;
                get_tags_in_range(tags, 0, first, first + d_n);
                frame_meta meta;
                meta.info = frame_info::find(tags);
                track_snr(meta.info);
                const auto snr = frame_info::number(meta.info, "snr_db");
                meta.snr = snr && std::isfinite(*snr) ? float(*snr) : d_snr.load();
                if (snr && !std::isfinite(*snr) && d_bad_snr++ == 0)
                    d_logger->warn("a frame info's snr_db is {}: decoded at the set SNR (counted, later ones silently)",
                                   *snr);
                // a frame of another scheme is refused, never decoded with the wrong model
                const auto scheme = frame_info::number(meta.info, "scheme");
                if (scheme && int(*scheme) != d_sig.header_code) {
                    if (d_rejected++ == 0)
                        d_logger->warn("frames of scheme code {} refused: this decoder is for '{}' (code {})",
                                       int(*scheme), d_sig.scheme, d_sig.header_code);
                    ++submitted;
                    continue;
                }
                const std::size_t k = d_bank_on ? d_bank->nearest(meta.snr) : 0;
                const auto* frame = in + std::size_t(f) * d_n;
                std::vector<const float*> inputs(d_bank->member(k).model->manifest().inputs.size());
                const float threshold = d_exit_threshold;
                if (d_cb) {
                    std::string why;
                    if (!d_cb->prepare(meta.info, frame, meta.snr, d_hard, why, d_unknown_symbols)) {
                        ++d_invalid;
                        ++d_dropped;
                        if (d_invalid == 1)
                            d_logger->warn("frame dropped (and counted; later ones silently): {}", why);
                        ++submitted;
                        continue;
                    }
                    meta.symbols = long(d_cb->segment.length);
                    inputs[d_sig.posteriors_input] = d_cb->posteriors.data();
                    inputs[d_sig.keep_mask_input] = d_cb->keep.data();
                } else {
                    // complex<float> is [re, im]: the frame is the model's [n, 2] float input as it is
                    inputs[d_sig.symbols_input] = reinterpret_cast<const float*>(frame);
                    meta.symbols = d_n;
                }
                if (d_sig.snr_input >= 0)
                    inputs[d_sig.snr_input] = &meta.snr;
                if (d_sig.threshold_input >= 0)
                    inputs[d_sig.threshold_input] = &threshold;
                if (d_runners[k]->submit(d_next_id, inputs)) {
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
                pmt::pmt_t info = meta != d_meta.end() ? meta->second.info : pmt::PMT_NIL;
                if (d_sig.exit_layer_output >= 0) {
                    const auto layer = r.outputs[d_sig.exit_layer_output].item<std::int64_t>();
                    if (layer >= 1 && layer <= d_exits)
                        ++d_exit_counts[std::size_t(layer - 1)];
                    info = frame_info::with(info, "exit_layer", pmt::from_long(long(layer)));
                }
                if (meta != d_meta.end()) {
                    d_symbols_received = d_symbols_received + double(meta->second.symbols);
                    d_meta.erase(meta);
                }
                if (!pmt::is_null(info))
                    for (std::size_t k = 0; k < output_items.size(); ++k)
                        add_item_tag(unsigned(k), nitems_written(k) + produced, frame_info::key(), info, alias_pmt());
                ++produced;
                ++d_decoded;
            }
            return produced;
        });
    }

private:
    struct frame_meta {
        float snr = 0.0f;
        long symbols = 0;               //!< this receiver's symbols of the frame
        pmt::pmt_t info = pmt::PMT_NIL; //!< the frame info, passed on with the decoded outputs
    };

    /*!
     * A codebook receiver's front end (semcom/codebook.h): its segment of the frame from the keep
     * masks, the posteriors of its symbols, scattered to the decoder's token rows.
     */
    struct codebook_front {
        ::semcom::CodebookLayout layout;
        std::size_t r, tokens, groups, sent_groups, order, frame;
        ::semcom::IndexDemapper demapper;
        ::semcom::Segment segment{ 0, 0 };
        std::vector<float> sent;       //!< posteriors of the segment's symbols
        std::vector<float> posteriors; //!< the decoder's input: tokens x groups rows of order
        std::vector<float> keep;       //!< the decoder's keep mask input

        static std::vector<std::complex<float>> points(const nn::Manifest& m)
        {
            std::vector<std::complex<float>> p;
            for (const auto& c : m.constellations.front().points)
                p.emplace_back(float(c.real()), float(c.imag()));
            return p;
        }

        codebook_front(const nn::ReceiverSignature& s, const nn::Manifest& m)
            : layout{ std::size_t(s.receivers), std::size_t(s.codebook->tokens), std::size_t(s.codebook->groups),
                      std::vector<std::size_t>(s.codebook->task_groups.begin(), s.codebook->task_groups.end()) },
              r(std::size_t(s.receiver - 1)),
              tokens(layout.tokens),
              groups(layout.groups),
              sent_groups(layout.sent(r)),
              order(std::size_t(s.codebook->size)),
              frame(std::size_t(s.channel_uses)),
              demapper(points(m), s.codebook->point_log_prior),
              sent(tokens * sent_groups * order),
              posteriors(tokens * groups * order),
              keep(tokens)
        {
        }

        //! The decoder's inputs for one frame; false (and why) when its side information does not fit.
        bool prepare(const pmt::pmt_t& info, const gr_complex* y, float snr_db, bool hard, std::string& why,
                     std::atomic<long>& unknown)
        {
            const auto mask = frame_info::get(info, "keep_mask");
            const std::size_t want = layout.receivers * tokens;
            if (!pmt::is_u8vector(mask)) {
                why = pmt::is_null(mask) ? "its frame info has no keep_mask (every receiver's keep mask, u8vector)"
                                         : "its frame info's keep_mask is not a u8vector";
                return false;
            }
            std::size_t len = 0;
            const std::uint8_t* m = pmt::u8vector_elements(mask, len);
            if (len != want) {
                why = "its keep_mask has " + std::to_string(len) + " bytes, expected " + std::to_string(want) +
                      " (receivers x tokens)";
                return false;
            }
            try {
                segment = ::semcom::codebook_segment(layout, m, r);
            } catch (const std::invalid_argument& e) {
                why = e.what();
                return false;
            }
            if (segment.offset + segment.length > frame) {
                why = "its segment [" + std::to_string(segment.offset) + ", " +
                      std::to_string(segment.offset + segment.length) + ") overruns the frame of " + std::to_string(frame) +
                      " symbols";
                return false;
            }
            const double nv = ::semcom::noise_variance_from_snr_db(double(snr_db));
            if (!(nv > 0.0) || !std::isfinite(float(nv)) || float(nv) <= 0.0f) {
                why = "its SNR " + std::to_string(snr_db) + " dB gives no usable noise variance";
                return false;
            }
            const auto* first = reinterpret_cast<const std::complex<float>*>(y) + segment.offset;
            unknown += long(hard ? demapper.hard_decisions(first, segment.length, float(nv), sent.data())
                                 : demapper.posteriors(first, segment.length, float(nv), sent.data()));
            const std::uint8_t* mine = m + r * tokens;
            ::semcom::scatter_posteriors(sent.data(), mine, tokens, groups, sent_groups, order, posteriors.data());
            for (std::size_t t = 0; t < tokens; ++t)
                keep[t] = float(mine[t]);
            return true;
        }
    };

    static float checked_threshold(float t)
    {
        if (!(t > 0.0f && t <= 1.0f))
            throw std::invalid_argument("neural_decoder: exit_threshold must be in (0, 1], got " + std::to_string(t));
        return t;
    }

    //! The frame's measured SNR into the average; every report_every frames, the report out.
    void track_snr(const pmt::pmt_t& info)
    {
        const auto snr = frame_info::measured_snr_db(info);
        if (!snr)
            return;
        std::lock_guard<std::mutex> lock(d_report_lock);
        if (!d_tracker.add(*snr))
            return;
        d_reported = d_tracker.snr_db();
        if (d_report_every > 0 && d_tracker.frames() % std::uint64_t(d_report_every) == 0)
            message_port_pub(d_report_port, pmt::dict_add(pmt::make_dict(), pmt::from_long(d_sig.receiver),
                                                          pmt::from_double(d_reported)));
    }

    std::size_t outstanding() const
    {
        std::size_t n = 0;
        for (const auto& r : d_runners)
            n += r->outstanding();
        return n;
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
        std::size_t port = 0;
        if (d_sig.logits_output >= 0) {
            const auto& logits = r.outputs[d_sig.logits_output];
            std::memcpy(static_cast<float*>(out[port++]) + std::size_t(at) * logits.numel(),
                        logits.data_ptr<float>(), sizeof(float) * logits.numel());
        }
        if (d_sig.image_output >= 0) {
            const auto& img = r.outputs[d_sig.image_output];
            std::memcpy(static_cast<float*>(out[port]) + std::size_t(at) * img.numel(), img.data_ptr<float>(),
                        sizeof(float) * img.numel());
        }
    }

    const std::shared_ptr<nn::ModelBank> d_bank;
    const nn::ReceiverSignature d_sig;
    const int d_n;
    const bool d_realtime;
    const std::size_t d_capacity;
    std::atomic<float> d_snr;
    std::atomic<bool> d_bank_on{ true };
    std::vector<std::unique_ptr<nn::BatchRunner>> d_runners;
    std::vector<std::atomic<long>> d_used;
    std::unordered_map<std::uint64_t, frame_meta> d_meta;
    std::map<std::uint64_t, nn::BatchResult> d_ready;
    std::set<std::uint64_t> d_skip; //!< frames dropped at submission
    std::uint64_t d_next_id = 0, d_next_out = 0;
    std::atomic<long> d_decoded{ 0 }, d_dropped{ 0 }, d_rejected{ 0 }, d_invalid{ 0 }, d_unknown_symbols{ 0 };
    std::atomic<long> d_bad_snr{ 0 }; //!< frames whose snr_db was NaN or infinite
    const bool d_hard;                          //!< codebook: hard decisions instead of posteriors
    const int d_exits;                          //!< multi-exit decoders: the exits; 0 otherwise
    std::atomic<float> d_exit_threshold{ std::nanf("") };
    std::vector<std::atomic<long>> d_exit_counts; //!< decoded frames per exit layer
    std::atomic<double> d_symbols_received{ 0.0 };
    std::optional<codebook_front> d_cb;
    const pmt::pmt_t d_report_port = pmt::mp("snr_report");
    std::mutex d_report_lock;
    int d_report_every = 16;
    ::semcom::SnrTracker d_tracker;
    std::atomic<double> d_reported{ std::nan("") };
};

neural_decoder::sptr neural_decoder_make_from(std::shared_ptr<nn::ModelBank> bank, float snr_db, int max_wait_us,
                                              bool realtime, int queue_capacity, float exit_threshold,
                                              bool hard_decisions)
{
    if (max_wait_us < 0 || queue_capacity < 1)
        throw std::invalid_argument("neural_decoder: max_wait_us must be >= 0 and queue_capacity >= 1");
    if (bank->signature().kind == ::semcom::TransmitKind::separate)
        throw std::invalid_argument("neural_decoder: '" + bank->signature().path +
                                    "' decodes images, not symbols (the separate-coding classifier)");
    const auto& sig = bank->signature();
    if (exit_threshold != 0.0f && !sig.multi_exit())
        throw std::invalid_argument("neural_decoder: exit_threshold " + std::to_string(exit_threshold) + ": '" + sig.path +
                                    "' has no exits (not a multi-exit decoder); leave it 0");
    if (hard_decisions && sig.kind != ::semcom::TransmitKind::codebook)
        throw std::invalid_argument("neural_decoder: hard_decisions: '" + sig.path +
                                    "' does not decode codebook indices (transmit kind " +
                                    ::semcom::transmit_kind_name(sig.kind) + ")");
    if (exit_threshold != 0.0f && !(exit_threshold > 0.0f && exit_threshold <= 1.0f))
        throw std::invalid_argument("neural_decoder: exit_threshold must be in (0, 1] (0: the manifest's), got " +
                                    std::to_string(exit_threshold));
    return gnuradio::make_block_sptr<neural_decoder_impl>(std::move(bank), snr_db, max_wait_us, realtime,
                                                          queue_capacity, exit_threshold, hard_decisions);
}

std::shared_ptr<nn::ModelBank> load_model_bank(const char* block, const std::vector<std::string>& paths,
                                               const std::string& device, int max_batch)
{
    std::vector<std::shared_ptr<nn::Model>> models;
    for (const auto& p : paths)
        models.push_back(load_model(block, p, device, max_batch));
    try {
        return std::make_shared<nn::ModelBank>(std::move(models));
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string(block) + ": " + e.what());
    }
}

neural_decoder::sptr neural_decoder::make(const std::string& model, const std::string& device, float snr_db,
                                          int max_batch, int max_wait_us, bool realtime, int queue_capacity,
                                          float exit_threshold, bool hard_decisions)
{
    // "a.json,b.json,...": a bank of decoders for the same transmitter (one string for GRC)
    return neural_decoder_make_from(load_model_bank("neural_decoder", split_list(model), device, max_batch), snr_db,
                                    max_wait_us, realtime, queue_capacity, exit_threshold, hard_decisions);
}

} // namespace semcom
} // namespace gr
