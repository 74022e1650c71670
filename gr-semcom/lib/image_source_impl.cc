/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/image_source.h>
#include <semcom/images.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>

namespace gr {
namespace semcom {

class image_source_impl : public image_source
{
public:
    image_source_impl(::semcom::ImageSet images, bool shuffle, bool repeat, int seed)
        : gr::sync_block("image_source",
                         gr::io_signature::make(0, 0, 0),
                         gr::io_signature::make(1, 1, sizeof(float) * images.image_size())),
          d_images(std::move(images)),
          d_shuffle(shuffle),
          d_repeat(repeat),
          d_rng(static_cast<unsigned>(seed)),
          d_order(d_images.size())
    {
        std::iota(d_order.begin(), d_order.end(), 0);
        if (d_shuffle)
            std::shuffle(d_order.begin(), d_order.end(), d_rng);
    }

    int image_size() const override { return static_cast<int>(d_images.image_size()); }
    std::vector<int> image_shape() const override
    {
        return { int(d_images.channels), int(d_images.height), int(d_images.width) };
    }
    int num_images() const override { return static_cast<int>(d_images.size()); }

    int work(int noutput_items,
             gr_vector_const_void_star&,
             gr_vector_void_star& output_items) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            auto* out = static_cast<float*>(output_items[0]);
            const std::size_t per = d_images.image_size();
            int produced = 0;
            while (produced < noutput_items) {
                if (d_pos == d_order.size()) {
                    if (!d_repeat)
                        break;
                    d_pos = 0;
                    if (d_shuffle) // a new order every pass
                        std::shuffle(d_order.begin(), d_order.end(), d_rng);
                }
                const std::size_t i = d_order[d_pos++];
                std::memcpy(out + produced * per, d_images.image(i), per * sizeof(float));
                pmt::pmt_t info = pmt::make_dict();
                info = pmt::dict_add(info, pmt::mp("seq"), pmt::from_uint64(d_seq++));
                info = pmt::dict_add(info, pmt::mp("fine"), pmt::from_long(d_images.fine[i]));
                info = pmt::dict_add(info, pmt::mp("coarse"), pmt::from_long(d_images.coarse[i]));
                info = pmt::dict_add(info, pmt::mp("index"), pmt::from_long(static_cast<long>(i)));
                add_item_tag(0, nitems_written(0) + produced, frame_info::key(), info, alias_pmt());
                ++produced;
            }
            return produced == 0 ? WORK_DONE : produced;
        });
    }

private:
    ::semcom::ImageSet d_images;
    const bool d_shuffle, d_repeat;
    std::mt19937 d_rng;
    std::vector<std::size_t> d_order;
    std::size_t d_pos = 0;
    std::uint64_t d_seq = 0;
};

image_source::sptr image_source::make(const std::string& dataset,
                                      const std::string& path,
                                      const std::string& split,
                                      int limit,
                                      bool shuffle,
                                      bool repeat,
                                      int seed)
{
    ::semcom::ImageSet images;
    try {
        if (dataset == "fashion-mnist")
            images = path.empty() ? ::semcom::load_fashion_mnist(split)
                                  : ::semcom::load_fashion_mnist(split, path);
        else if (dataset == "cifar10" || dataset == "cifar100")
            images = ::semcom::load_cifar(path, dataset == "cifar10" ? 10 : 100, split);
        else if (dataset == "png")
            images = ::semcom::load_png_folder(path);
        else if (dataset == "idx") {
            const auto comma = path.find(',');
            if (comma == std::string::npos)
                throw std::invalid_argument("dataset 'idx' needs path 'IMAGES_FILE,LABELS_FILE'");
            images = ::semcom::load_idx(path.substr(0, comma), path.substr(comma + 1));
        } else
            throw std::invalid_argument("dataset '" + dataset +
                                        "' is not one of fashion-mnist, cifar10, cifar100, png, idx");
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(std::string("image_source: ") + e.what());
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("image_source: ") + e.what());
    }
    if (limit < 0)
        throw std::invalid_argument("image_source: limit must be >= 0 (0: all images)");
    if (limit > 0 && std::size_t(limit) < images.size()) {
        // the first `limit` images of the (seeded) order, so shuffled limits differ by seed
        std::vector<std::size_t> idx(images.size());
        std::iota(idx.begin(), idx.end(), 0);
        if (shuffle) {
            std::mt19937 rng(static_cast<unsigned>(seed) ^ 0x9e3779b9u);
            std::shuffle(idx.begin(), idx.end(), rng);
        }
        ::semcom::ImageSet cut = images;
        cut.pixels.clear();
        cut.fine.clear();
        cut.coarse.clear();
        for (int k = 0; k < limit; ++k) {
            const float* p = images.image(idx[k]);
            cut.pixels.insert(cut.pixels.end(), p, p + images.image_size());
            cut.fine.push_back(images.fine[idx[k]]);
            cut.coarse.push_back(images.coarse[idx[k]]);
        }
        images = std::move(cut);
    }
    return gnuradio::make_block_sptr<image_source_impl>(std::move(images), shuffle, repeat, seed);
}

} // namespace semcom
} // namespace gr
