/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"
#include "neural_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/semantic_encoder.h>
#include <semcom/neural/model.h>

#include <ATen/ATen.h>

#include <atomic>
#include <cstring>

namespace gr {
namespace semcom {


class semantic_encoder_impl : public semantic_encoder
{
public:
    explicit semantic_encoder_impl(std::shared_ptr<nn::Model> model, std::vector<int> out_sizes,
                                   bool features, bool adaptive)
        : gr::block("semantic_encoder",
                    gr::io_signature::make(1, 1, sizeof(float) * model->manifest().inputs[0].item_numel()),
                    gr::io_signature::makev(int(out_sizes.size()), int(out_sizes.size()), out_sizes)),
          d_model(std::move(model)),
          d_n(int(d_model->manifest().channel_uses)),
          d_features(features),
          d_adaptive(adaptive)
    {
        // superposition: n index bytes per image; features: one vector per image
        if (!d_features) {
            set_relative_rate(uint64_t(d_n), 1);
            set_output_multiple(d_n);
        }
        set_tag_propagation_policy(TPP_DONT);
        message_port_register_in(pmt::mp("snr"));
        set_msg_handler(pmt::mp("snr"), [this](const pmt::pmt_t& m) { d_snr = snr_from_message(m, d_snr); });
    }

    void set_snr(float snr_db) override { d_snr = snr_db; }
    int channel_uses() const override { return d_n; }
    int num_outputs() const override { return int(d_model->manifest().outputs.size()) - (d_adaptive ? 1 : 0); }
    std::string device_name() const override { return d_model->device_name(); }

    void forecast(int noutput_items, gr_vector_int& required) override
    {
        required[0] = d_features ? noutput_items : std::max(1, noutput_items / d_n);
    }

    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override
    {
        const int capacity = d_features ? noutput_items : noutput_items / d_n;
        const int frames = std::min<int>({ capacity, ninput_items[0], int(d_model->max_batch()) });
        if (frames <= 0)
            return 0;
        const auto* in = static_cast<const float*>(input_items[0]);
        std::vector<const float*> inputs{ in };
        std::vector<float> snr(frames, d_snr.load());
        if (d_adaptive)
            inputs.push_back(snr.data());
        const auto out = d_model->run(frames, inputs);
        const std::size_t n = std::size_t(d_n);
        if (d_features) {
            std::memcpy(output_items[0], out[0].data_ptr<float>(), sizeof(float) * out[0].numel());
        } else {
            for (std::size_t k = 0; k < out.size(); ++k) {
                const auto* idx = out[k].data_ptr<int64_t>();
                auto* o = static_cast<std::uint8_t*>(output_items[k]);
                for (std::size_t i = 0; i < std::size_t(frames) * n; ++i)
                    o[i] = static_cast<std::uint8_t>(idx[i]);
            }
        }
        // each image's tag moves to its frame's first item on every output
        std::vector<gr::tag_t> tags;
        get_tags_in_window(tags, 0, 0, frames);
        const std::size_t per = d_features ? 1 : n;
        for (const auto& t : tags) {
            const uint64_t f = t.offset - nitems_read(0);
            for (std::size_t k = 0; k < output_items.size(); ++k)
                add_item_tag(unsigned(k), nitems_written(k) + f * per, t.key, t.value, alias_pmt());
        }
        if (d_adaptive) {
            const auto* end = out.back().data_ptr<int64_t>();
            for (int f = 0; f < frames; ++f)
                add_item_tag(0, nitems_written(0) + f, pmt::mp("end_index"), pmt::from_long(long(end[f])), alias_pmt());
        }
        consume_each(frames);
        return d_features ? frames : frames * d_n;
    }

private:
    std::shared_ptr<nn::Model> d_model;
    const int d_n;
    const bool d_features, d_adaptive;
    std::atomic<float> d_snr{ 10.0f };
};

semantic_encoder::sptr semantic_encoder::make(const std::string& model, const std::string& device, int max_batch)
{
    auto m = load_model("semantic_encoder", model, device, max_batch);
    const auto& man = m->manifest();
    if (man.role != "encoder")
        throw std::invalid_argument("semantic_encoder: '" + man.path + "' is a " + man.role + ", not an encoder");
    if (man.inputs.empty() || man.inputs[0].dtype != nn::DType::float32)
        throw std::invalid_argument("semantic_encoder: '" + man.path + "': first input must be the float32 image");
    const bool adaptive = man.inputs.size() == 2;
    bool features = false;
    std::vector<int> sizes;
    for (std::size_t k = 0; k < man.outputs.size(); ++k) {
        const auto& o = man.outputs[k];
        if (o.dtype == nn::DType::int64 && o.name != "end_index") {
            if (o.item_numel() != man.channel_uses)
                throw std::invalid_argument("semantic_encoder: '" + man.path + "': output " + o.name +
                                            " has " + std::to_string(o.item_numel()) + " indices, channel_uses is " +
                                            std::to_string(man.channel_uses));
            sizes.push_back(1);
        } else if (o.dtype == nn::DType::float32) {
            features = true;
            sizes.push_back(int(sizeof(float) * o.item_numel()));
        }
    }
    if (sizes.empty() || (features && sizes.size() != 1))
        throw std::invalid_argument("semantic_encoder: '" + man.path +
                                    "': outputs are neither K index tensors nor one feature tensor");
    return gnuradio::make_block_sptr<semantic_encoder_impl>(m, sizes, features, adaptive);
}

} // namespace semcom
} // namespace gr
