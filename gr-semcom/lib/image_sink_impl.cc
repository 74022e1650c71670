/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/image_sink.h>
#include <semcom/images.h>

#include <filesystem>
#include <mutex>

namespace gr {
namespace semcom {

class image_sink_impl : public image_sink
{
public:
    image_sink_impl(int c, int h, int w, int inputs, std::string dir, int max_images, int columns,
                    std::string prefix)
        : gr::sync_block("image_sink",
                         gr::io_signature::make(inputs, inputs, sizeof(float) * c * h * w),
                         gr::io_signature::make(0, 0, 0)),
          d_c(c), d_h(h), d_w(w), d_dir(std::move(dir)), d_max(max_images), d_columns(columns),
          d_prefix(std::move(prefix)), d_grid(inputs), d_count(inputs, 0)
    {
    }

    bool stop() override
    {
        try {
            write_grid();
        } catch (const std::exception& e) {
            d_logger->error("{}", e.what());
        }
        return true;
    }

    std::string write_grid() override
    {
        std::lock_guard<std::mutex> l(d_mutex);
        std::vector<std::vector<const float*>> rows;
        for (const auto& r : d_grid) {
            rows.emplace_back();
            for (const auto& img : r)
                rows.back().push_back(img.data());
        }
        const std::string path = d_dir + "/" + d_prefix + "_grid.png";
        bool any = false;
        for (const auto& r : rows)
            any = any || !r.empty();
        if (any)
            ::semcom::write_png_grid(path, rows, d_c, d_h, d_w);
        return path;
    }

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star&) override
    {
        const std::size_t per = std::size_t(d_c) * d_h * d_w;
        std::vector<gr::tag_t> tags;
        for (std::size_t k = 0; k < input_items.size(); ++k) {
            const auto* in = static_cast<const float*>(input_items[k]);
            for (int i = 0; i < noutput_items; ++i) {
                const long n = d_count[k]++;
                if (n >= d_max && n >= d_columns)
                    continue;
                const float* img = in + i * per;
                if (n < d_columns) {
                    std::lock_guard<std::mutex> l(d_mutex);
                    d_grid[k].emplace_back(img, img + per);
                }
                if (n < d_max) {
                    get_tags_in_range(tags, k, nitems_read(k) + i, nitems_read(k) + i + 1, frame_info::key());
                    const long seq = tags.empty() ? n
                                                  : long(pmt::to_uint64(pmt::dict_ref(tags[0].value, pmt::mp("seq"), pmt::from_uint64(n))));
                    ::semcom::write_png(d_dir + "/" + d_prefix + "_" + std::to_string(k) + "_" +
                                            std::to_string(seq) + ".png",
                                        img, d_c, d_h, d_w);
                }
            }
        }
        return noutput_items;
    }

private:
    const int d_c, d_h, d_w;
    const std::string d_dir;
    const int d_max, d_columns;
    const std::string d_prefix;
    std::mutex d_mutex;
    std::vector<std::vector<std::vector<float>>> d_grid;
    std::vector<long> d_count;
};

image_sink::sptr image_sink::make(int channels, int height, int width, int num_inputs,
                                  const std::string& directory, int max_images, int grid_columns,
                                  const std::string& prefix)
{
    build_or_explain("image_sink", [&] {
        if (channels != 1 && channels != 3)
            throw std::invalid_argument("channels must be 1 or 3 for PNG, got " + std::to_string(channels));
        if (height < 1 || width < 1 || num_inputs < 1)
            throw std::invalid_argument("height, width and num_inputs must be >= 1");
        if (max_images < 0 || grid_columns < 0)
            throw std::invalid_argument("max_images and grid_columns must be >= 0");
        std::error_code ec;
        std::filesystem::create_directories(directory, ec);
        if (ec || !std::filesystem::is_directory(directory))
            throw std::invalid_argument("directory '" + directory + "' cannot be created: " + ec.message());
        return 0;
    });
    return gnuradio::make_block_sptr<image_sink_impl>(channels, height, width, num_inputs,
                                                      directory, max_images, grid_columns, prefix);
}

} // namespace semcom
} // namespace gr
