/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "semantic_encoder_impl.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <semcom/constellation.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace gr {
namespace semcom {

namespace {

//! The trained SNR range of each value the encoder takes (none: no clamping).
std::vector<::semcom::SnrTable::Range> trained_ranges(const nn::Signature& s)
{
    std::vector<::semcom::SnrTable::Range> r;
    if (s.snr_width < 1 || s.train_snr.size() < std::size_t(s.snr_width))
        return r;
    for (int k = 0; k < s.snr_width; ++k)
        r.push_back({ s.train_snr[std::size_t(k)].lo, s.train_snr[std::size_t(k)].hi });
    return r;
}

std::vector<int> output_sizes(const nn::Signature& s)
{
    if (s.features_output >= 0)
        return { int(sizeof(float)) * 2 * s.channel_uses };
    const std::size_t streams = s.indices_output >= 0 ? 1 : s.layer_outputs.size();
    return std::vector<int>(streams, 1);
}

} // namespace

semantic_encoder_impl::semantic_encoder_impl(std::shared_ptr<nn::Model> model, nn::Signature signature)
    : gr::block("semantic_encoder",
                gr::io_signature::make(1, 1, sizeof(float) * signature.image_numel()),
                gr::io_signature::makev(int(output_sizes(signature).size()), int(output_sizes(signature).size()),
                                        output_sizes(signature))),
      d_model(std::move(model)),
      d_sig(std::move(signature)),
      d_snr(std::size_t(std::max(1, d_sig.snr_width)), 10.0f, trained_ranges(d_sig)),
      d_configured(d_snr.values())
{
    if (d_sig.indices_output >= 0)
        d_index_outputs = { d_sig.indices_output };
    else
        d_index_outputs = d_sig.layer_outputs;
    for (const auto& name : d_sig.layers)
        d_orders.push_back(::semcom::Constellation::from_name(name).order());
    if (d_sig.codebook) {
        const auto& c = *d_sig.codebook;
        d_layout = ::semcom::CodebookLayout{ std::size_t(d_sig.receivers), std::size_t(c.tokens),
                                             std::size_t(c.groups),
                                             std::vector<std::size_t>(c.task_groups.begin(), c.task_groups.end()) };
    }
    // indices: n bytes per image; features: one vector per image
    if (!features()) {
        set_relative_rate(uint64_t(d_sig.channel_uses), 1);
        set_output_multiple(d_sig.channel_uses);
    }
    set_tag_propagation_policy(TPP_DONT);
    message_port_register_in(pmt::mp("snr"));
    set_msg_handler(pmt::mp("snr"), [this](const pmt::pmt_t& m) { handle_snr_message(m); });
}

semantic_encoder::sptr semantic_encoder_impl::make_from(std::shared_ptr<nn::Model> model,
                                                        const nn::Signature& signature)
{
    return gnuradio::make_block_sptr<semantic_encoder_impl>(std::move(model), signature);
}

void semantic_encoder_impl::set_snr(float snr_db)
{
    if (!std::isfinite(snr_db))
        throw std::invalid_argument("semantic_encoder: SNR values must be finite");
    std::lock_guard<std::mutex> lock(d_snr_lock);
    d_configured.assign(d_snr.size(), snr_db);
    d_snr.set_all(d_configured);
}

void semantic_encoder_impl::set_snrs(const std::vector<float>& snr_db)
{
    if (snr_db.size() != d_snr.size())
        throw std::invalid_argument("semantic_encoder: '" + d_sig.path + "' takes " +
                                    std::to_string(d_snr.size()) + " SNR value(s) per frame, got " +
                                    std::to_string(snr_db.size()));
    for (float v : snr_db)
        if (!std::isfinite(v))
            throw std::invalid_argument("semantic_encoder: SNR values must be finite");
    std::lock_guard<std::mutex> lock(d_snr_lock);
    d_configured = snr_db;
    d_snr.set_all(snr_db);
}

void semantic_encoder_impl::set_feedback(bool on)
{
    std::lock_guard<std::mutex> lock(d_snr_lock);
    if (on == d_feedback)
        return;
    d_feedback = on;
    if (!on)
        d_snr.set_all(d_configured);
    d_logger->info("SNR feedback {}", on ? "on: receivers' reports used" : "off: reports ignored, the set SNRs used");
}

bool semantic_encoder_impl::feedback() const
{
    std::lock_guard<std::mutex> lock(d_snr_lock);
    return d_feedback;
}

std::vector<float> semantic_encoder_impl::snrs() const
{
    std::lock_guard<std::mutex> lock(d_snr_lock);
    return d_snr.values();
}

void semantic_encoder_impl::handle_snr_message(const pmt::pmt_t& m)
{
    // a number: every receiver's SNR; a vector or list of numbers: one per receiver; a dict with
    // snr_db: that SNR for all; any other dict: receiver -> SNR reports (parse_snr_message). Nothing
    // a message holds may stop the flowgraph: whatever cannot be used is logged and ignored.
    const SnrMessage msg = parse_snr_message(m);
    try {
        switch (msg.kind) {
        case SnrMessage::Kind::invalid:
            d_logger->error("snr message ignored: {}", msg.errors.empty() ? std::string("?") : msg.errors.front());
            return;
        case SnrMessage::Kind::all:
            set_snr(msg.all_db);
            return;
        case SnrMessage::Kind::per_receiver:
            set_snrs(msg.values);
            return;
        case SnrMessage::Kind::reports:
            break;
        }
    } catch (const std::exception& e) {
        d_logger->error("snr message ignored: {}", e.what());
        return;
    }
    if (d_sig.snr_width == 0) {
        d_logger->error("snr report ignored: '{}' takes no SNR", d_sig.path);
        return;
    }
    for (const auto& why : msg.errors)
        d_logger->error("snr report ignored: {}", why);
    for (const auto& [receiver, snr_db] : msg.reports) {
        ::semcom::SnrTable::Update u;
        {
            std::lock_guard<std::mutex> lock(d_snr_lock);
            if (!d_feedback) {
                ++d_reports_ignored; // the feedback is switched off: counted, not an error
                continue;
            }
            u = d_snr.report(receiver, snr_db);
        }
        if (!u.accepted)
            d_logger->error("snr report ignored: {}", u.reason);
        else if (u.changed())
            d_logger->info("SNR used for {}", u.describe());
    }
}

void semantic_encoder_impl::forecast(int noutput_items, gr_vector_int& required)
{
    required[0] = features() ? noutput_items : std::max(1, noutput_items / d_sig.channel_uses);
}

int semantic_encoder_impl::general_work(int noutput_items,
                                        gr_vector_int& ninput_items,
                                        gr_vector_const_void_star& input_items,
                                        gr_vector_void_star& output_items)
{
    return guarded_work(name(), d_logger, [&]() -> int {
        const int n = d_sig.channel_uses;
        const int capacity = features() ? noutput_items : noutput_items / n;
        const int frames = std::min<int>({ capacity, ninput_items[0], int(d_model->max_batch()) });
        if (frames <= 0)
            return 0;
        // every model input in manifest order: the images, and snr_width SNRs per frame
        std::vector<const float*> inputs(d_model->manifest().inputs.size());
        inputs[d_sig.image_input] = static_cast<const float*>(input_items[0]);
        std::vector<float> snr;
        const auto now = snrs();
        if (d_sig.snr_input >= 0) {
            snr.reserve(std::size_t(frames) * now.size());
            for (int f = 0; f < frames; ++f)
                snr.insert(snr.end(), now.begin(), now.end());
            inputs[d_sig.snr_input] = snr.data();
        }
        const auto out = d_model->run(frames, inputs);
        const std::size_t n_items = std::size_t(n);
        const auto* end = d_sig.end_index_output >= 0 ? out[d_sig.end_index_output].data_ptr<int64_t>() : nullptr;
        const std::size_t mask_len = d_layout ? d_layout->receivers * d_layout->tokens : 0;
        const auto* masks = d_sig.keep_mask_output >= 0 ? out[d_sig.keep_mask_output].data_ptr<int64_t>() : nullptr;

        // Each frame checked before anything is written: its indices within their constellations
        // (the mapper would fold any other value onto a wrong point), a codebook frame's keep masks
        // 0/1; a frame that fails is dropped and counted.
        std::vector<int> sent_frames;         // model rows that go out, in order
        std::vector<std::size_t> symbols;     // symbols each of them sends
        std::vector<std::vector<std::uint8_t>> keep(static_cast<std::size_t>(frames));
        for (int f = 0; f < frames; ++f) {
            std::string why;
            std::size_t sent = n_items;
            if (masks) {
                auto& m = keep[std::size_t(f)];
                m.resize(mask_len);
                for (std::size_t i = 0; i < mask_len && why.empty(); ++i) {
                    const auto v = masks[std::size_t(f) * mask_len + i];
                    if (v != 0 && v != 1)
                        why = "keep mask entry " + std::to_string(i) + " = " + std::to_string(v) + ", not 0 or 1";
                    m[i] = std::uint8_t(v);
                }
                if (why.empty())
                    sent = ::semcom::codebook_symbols_sent(*d_layout, m.data());
            } else if (end) {
                sent = std::size_t(std::clamp<int64_t>(end[f], 0, n));
            }
            // a codebook frame is checked where it is sent; its slots after that are zeroed below
            const std::size_t checked = masks ? sent : n_items;
            for (std::size_t k = 0; k < d_index_outputs.size() && why.empty(); ++k) {
                const auto* idx = out[d_index_outputs[k]].data_ptr<int64_t>() + std::size_t(f) * n_items;
                for (std::size_t i = 0; i < checked; ++i)
                    if (idx[i] < 0 || idx[i] >= std::int64_t(d_orders[k])) {
                        why = "index " + std::to_string(idx[i]) + " at symbol " + std::to_string(i) +
                              (d_index_outputs.size() > 1 ? " of layer " + std::to_string(k + 1) : std::string()) +
                              ", outside the " + d_sig.layers[k] + " constellation (0.." +
                              std::to_string(d_orders[k] - 1) + ")";
                        break;
                    }
            }
            if (!why.empty()) {
                if (d_dropped++ == 0)
                    d_logger->warn("frame dropped (and counted; later ones silently): the model '{}' returned {}",
                                   d_sig.path, why);
                continue;
            }
            sent_frames.push_back(f);
            symbols.push_back(sent);
        }
        const int produced = int(sent_frames.size());
        if (features()) {
            const auto& z = out[d_sig.features_output];
            const std::size_t per = std::size_t(z.numel()) / std::size_t(frames);
            for (int j = 0; j < produced; ++j)
                std::memcpy(static_cast<float*>(output_items[0]) + std::size_t(j) * per,
                            z.data_ptr<float>() + std::size_t(sent_frames[std::size_t(j)]) * per, sizeof(float) * per);
        } else {
            for (std::size_t k = 0; k < d_index_outputs.size(); ++k) {
                const auto* idx = out[d_index_outputs[k]].data_ptr<int64_t>();
                auto* o = static_cast<std::uint8_t*>(output_items[k]);
                for (int j = 0; j < produced; ++j) {
                    const auto* from = idx + std::size_t(sent_frames[std::size_t(j)]) * n_items;
                    auto* to = o + std::size_t(j) * n_items;
                    const std::size_t used = masks ? symbols[std::size_t(j)] : n_items;
                    for (std::size_t i = 0; i < used; ++i)
                        to[i] = static_cast<std::uint8_t>(from[i]);
                    std::fill(to + used, to + n_items, std::uint8_t(0));
                }
            }
        }
        // Each image's tags move to its frame's first item on every output; its frame info gains the
        // scheme's header code and, for variable-length schemes, the symbols to send or the keep masks.
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, frames);
        const std::size_t per = features() ? 1 : std::size_t(n);
        std::vector<pmt::pmt_t> info(std::size_t(frames), pmt::PMT_NIL);
        std::vector<int> slot(std::size_t(frames), -1); // model row -> output frame
        for (int j = 0; j < produced; ++j)
            slot[std::size_t(sent_frames[std::size_t(j)])] = j;
        for (const auto& t : tags) {
            const uint64_t f = t.offset - nitems_read(0);
            if (pmt::eqv(t.key, frame_info::key())) {
                info[f] = t.value;
                continue;
            }
            if (slot[f] < 0)
                continue; // the frame was dropped
            for (std::size_t k = 0; k < output_items.size(); ++k)
                add_item_tag(unsigned(k), nitems_written(k) + std::size_t(slot[f]) * per, t.key, t.value, alias_pmt());
        }
        for (int j = 0; j < produced; ++j) {
            const int f = sent_frames[std::size_t(j)];
            auto v = frame_info::with(info[std::size_t(f)], "scheme", pmt::from_long(d_sig.header_code));
            if (end)
                v = frame_info::with(v, "end_index", pmt::from_long(long(end[f])));
            if (masks)
                v = frame_info::with(v, "keep_mask", pmt::init_u8vector(mask_len, keep[std::size_t(f)]));
            if (d_sig.snr_input >= 0)
                v = frame_info::with(v, "snr_db_used", pmt::init_f32vector(now.size(), now));
            for (std::size_t k = 0; k < output_items.size(); ++k)
                add_item_tag(unsigned(k), nitems_written(k) + std::size_t(j) * per, frame_info::key(), v, alias_pmt());
            d_symbols_sent = d_symbols_sent + double(symbols[std::size_t(j)]);
            ++d_frames_sent;
        }
        consume_each(frames);
        return features() ? produced : produced * n;
    });
}

double semantic_encoder_impl::mean_symbols_sent() const
{
    const long f = d_frames_sent;
    return f ? d_symbols_sent / double(f) : std::nan("");
}

semantic_encoder::sptr semantic_encoder::make(const std::string& model, const std::string& device, int max_batch)
{
    auto m = load_model("semantic_encoder", model, device, max_batch);
    nn::Signature sig;
    try {
        sig = nn::Signature::from_encoder(m->manifest());
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("semantic_encoder: ") + e.what());
    }
    return semantic_encoder_impl::make_from(std::move(m), sig);
}

} // namespace semcom
} // namespace gr
