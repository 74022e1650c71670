/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "neural_util.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/image_classifier.h>

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>

namespace gr {
namespace semcom {
namespace {

struct classifier_shape {
    int image = 0;
    std::vector<int> classes, sizes; //!< classes per logits output; their item sizes in bytes
    std::vector<std::string> tasks;
};

classifier_shape shape_of(const nn::Model& m)
{
    const auto& man = m.manifest();
    if (man.inputs.size() != 1 || man.inputs[0].role != "image")
        throw std::invalid_argument("image_classifier: '" + man.name + "' must take one input, an image");
    classifier_shape s;
    s.image = int(man.inputs[0].item_numel());
    for (const auto& o : man.outputs) {
        if (o.role != "logits")
            throw std::invalid_argument("image_classifier: '" + man.name + "' output '" + o.name +
                                        "' is not logits: not a classifier");
        s.classes.push_back(int(o.item_numel()));
        s.sizes.push_back(int(sizeof(float)) * int(o.item_numel()));
        s.tasks.push_back(o.task);
    }
    if (s.classes.empty())
        throw std::invalid_argument("image_classifier: '" + man.name + "' has no outputs");
    return s;
}

class image_classifier_impl : public image_classifier
{
public:
    image_classifier_impl(std::shared_ptr<nn::Model> model, classifier_shape shape)
        : gr::sync_block("image_classifier", gr::io_signature::make(1, 1, int(sizeof(float)) * shape.image),
                         gr::io_signature::makev(int(shape.sizes.size()), int(shape.sizes.size()), shape.sizes)),
          d_model(std::move(model)), d_shape(std::move(shape))
    {
        // the frame info of each image goes to its scores on every output (the default policy)
    }

    std::vector<int> classes() const override { return d_shape.classes; }
    std::vector<std::string> tasks() const override { return d_shape.tasks; }
    std::string device_name() const override { return d_model->device_name(); }

    int work(int noutput_items, gr_vector_const_void_star& input_items, gr_vector_void_star& output_items) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            const auto* in = static_cast<const float*>(input_items[0]);
            const int batch = int(std::min<std::int64_t>(noutput_items, d_model->max_batch()));
            const auto outputs = d_model->run(batch, { in });
            for (std::size_t k = 0; k < outputs.size(); ++k) {
                const auto t = outputs[k].contiguous();
                std::memcpy(output_items[k], t.data_ptr<float>(), std::size_t(batch) * d_shape.sizes[k]);
            }
            return batch;
        });
    }

private:
    const std::shared_ptr<nn::Model> d_model;
    const classifier_shape d_shape;
};

} // namespace

image_classifier::sptr image_classifier::make(const std::string& model, const std::string& device, int max_batch)
{
    auto m = load_model("image_classifier", model, device, max_batch);
    auto shape = shape_of(*m);
    return gnuradio::make_block_sptr<image_classifier_impl>(std::move(m), std::move(shape));
}

} // namespace semcom
} // namespace gr
