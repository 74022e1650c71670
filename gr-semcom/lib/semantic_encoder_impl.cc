/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "semantic_encoder_impl.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>

namespace gr {
namespace semcom {

namespace {

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
      d_snr(std::size_t(std::max(1, d_sig.snr_width)), 10.0f)
{
    if (d_sig.indices_output >= 0)
        d_index_outputs = { d_sig.indices_output };
    else
        d_index_outputs = d_sig.layer_outputs;
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
    std::lock_guard<std::mutex> lock(d_snr_lock);
    std::fill(d_snr.begin(), d_snr.end(), snr_db);
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
    d_snr = snr_db;
}

std::vector<float> semantic_encoder_impl::snrs() const
{
    std::lock_guard<std::mutex> lock(d_snr_lock);
    return d_snr;
}

void semantic_encoder_impl::handle_snr_message(const pmt::pmt_t& m)
{
    // a number: every receiver's SNR; a vector or list: one per receiver; a dict: its snr_db
    if (pmt::is_f32vector(m) || pmt::is_pair(m) || pmt::is_vector(m)) {
        std::vector<float> v;
        if (pmt::is_f32vector(m))
            v = pmt::f32vector_elements(m);
        else if (pmt::is_vector(m))
            for (std::size_t i = 0; i < pmt::length(m); ++i)
                v.push_back(float(pmt::to_double(pmt::vector_ref(m, i))));
        else
            for (std::size_t i = 0; i < pmt::length(m); ++i)
                v.push_back(float(pmt::to_double(pmt::nth(i, m))));
        try {
            set_snrs(v);
        } catch (const std::invalid_argument& e) {
            d_logger->error("snr message ignored: {}", e.what());
        }
        return;
    }
    const float fallback = std::numeric_limits<float>::quiet_NaN();
    const float v = snr_from_message(m, fallback);
    if (std::isfinite(v))
        set_snr(v);
    else
        d_logger->error("snr message ignored: expected a number, a vector of {} numbers or a dict with snr_db",
                        d_snr.size());
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
    const int n = d_sig.channel_uses;
    const int capacity = features() ? noutput_items : noutput_items / n;
    const int frames = std::min<int>({ capacity, ninput_items[0], int(d_model->max_batch()) });
    if (frames <= 0)
        return 0;
    // every model input in manifest order: the images, and snr_width SNRs per frame
    std::vector<const float*> inputs(d_model->manifest().inputs.size());
    inputs[d_sig.image_input] = static_cast<const float*>(input_items[0]);
    std::vector<float> snr;
    if (d_sig.snr_input >= 0) {
        const auto now = snrs();
        snr.reserve(std::size_t(frames) * now.size());
        for (int f = 0; f < frames; ++f)
            snr.insert(snr.end(), now.begin(), now.end());
        inputs[d_sig.snr_input] = snr.data();
    }
    const auto out = d_model->run(frames, inputs);
    if (features()) {
        const auto& z = out[d_sig.features_output];
        std::memcpy(output_items[0], z.data_ptr<float>(), sizeof(float) * z.numel());
    } else {
        for (std::size_t k = 0; k < d_index_outputs.size(); ++k) {
            const auto* idx = out[d_index_outputs[k]].data_ptr<int64_t>();
            auto* o = static_cast<std::uint8_t*>(output_items[k]);
            for (std::size_t i = 0; i < std::size_t(frames) * std::size_t(n); ++i)
                o[i] = static_cast<std::uint8_t>(idx[i]);
        }
    }
    // Each image's tags move to its frame's first item on every output; its frame info gains the
    // scheme's header code and, for variable-length schemes, the symbols to send.
    std::vector<gr::tag_t> tags;
    get_tags_in_window(tags, 0, 0, frames);
    const std::size_t per = features() ? 1 : std::size_t(n);
    std::vector<pmt::pmt_t> info(std::size_t(frames), pmt::PMT_NIL);
    for (const auto& t : tags) {
        const uint64_t f = t.offset - nitems_read(0);
        if (pmt::eqv(t.key, frame_info::key())) {
            info[f] = t.value;
            continue;
        }
        for (std::size_t k = 0; k < output_items.size(); ++k)
            add_item_tag(unsigned(k), nitems_written(k) + f * per, t.key, t.value, alias_pmt());
    }
    const auto* end = d_sig.end_index_output >= 0 ? out[d_sig.end_index_output].data_ptr<int64_t>() : nullptr;
    for (int f = 0; f < frames; ++f) {
        auto v = frame_info::with(info[f], "scheme", pmt::from_long(d_sig.header_code));
        if (end)
            v = frame_info::with(v, "end_index", pmt::from_long(long(end[f])));
        for (std::size_t k = 0; k < output_items.size(); ++k)
            add_item_tag(unsigned(k), nitems_written(k) + f * per, frame_info::key(), v, alias_pmt());
    }
    consume_each(frames);
    return features() ? frames : frames * n;
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
