/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "block_util.h"
#include "frame_tags.h"

#include <gnuradio/io_signature.h>
#include <gnuradio/semcom/image_sink.h>
#include <gnuradio/sync_block.h>
#include <semcom/images.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <mutex>

namespace gr {
namespace semcom {

namespace {

/*
 * The grid of one image_sink, filled by one sink per input. One sink per input, not one block
 * with N inputs, because GNU Radio calls a block's work only when every input has an item and
 * ends a sink when any input is finished and empty: an input that never gets a frame (a receiver
 * that decodes nothing) must hold up no other, nor the source upstream.
 */
struct grid_state {
    grid_state(int c, int h, int w, int inputs, std::string dir, int max_images, int columns, std::string prefix)
        : c(c), h(h), w(w), dir(std::move(dir)), max_images(max_images), columns(columns),
          prefix(std::move(prefix)), first(inputs), running(inputs)
    {
    }

    const int c, h, w;
    const std::string dir;
    const int max_images, columns;
    const std::string prefix;
    std::mutex mutex;
    //! per input, its first `columns` frames as they came: (seq, image)
    std::vector<std::vector<std::pair<long, std::vector<float>>>> first;
    int running; //!< inputs' sinks not stopped yet

    std::size_t image_size() const { return std::size_t(c) * h * w; }

    // The grid's columns are the first frames of input 0; below each, every other input's frame of
    // the same seq (frames come in order, so those it got are among its first `columns`), black
    // where it never came.
    std::string write()
    {
        std::lock_guard<std::mutex> l(mutex);
        const std::vector<float> lost(image_size(), 0.0f);
        std::vector<std::vector<const float*>> rows(first.size());
        for (const auto& column : first[0]) {
            for (std::size_t k = 0; k < first.size(); ++k) {
                const auto it = std::find_if(first[k].begin(), first[k].end(),
                                             [&](const auto& f) { return f.first == column.first; });
                rows[k].push_back(it == first[k].end() ? lost.data() : it->second.data());
            }
        }
        const std::string path = dir + "/" + prefix + "_grid.png";
        if (!first[0].empty())
            ::semcom::write_png_grid(path, rows, c, h, w);
        return path;
    }
};

//! One input of image_sink: its PNG files and its frames of the grid.
class image_sink_input : public gr::sync_block
{
public:
    image_sink_input(std::shared_ptr<grid_state> grid, int input)
        : gr::sync_block("image_sink_input",
                         gr::io_signature::make(1, 1, int(sizeof(float) * grid->image_size())),
                         gr::io_signature::make(0, 0, 0)),
          d_grid(std::move(grid)), d_input(input)
    {
    }

    bool stop() override
    {
        bool last;
        {
            std::lock_guard<std::mutex> l(d_grid->mutex);
            last = --d_grid->running == 0;
        }
        if (last) {
            try {
                d_grid->write();
            } catch (const std::exception& e) {
                d_logger->error("{}", e.what());
            }
        }
        return true;
    }

    int work(int n, gr_vector_const_void_star& input_items, gr_vector_void_star&) override
    {
        return guarded_work(name(), d_logger, [&]() -> int {
            auto& g = *d_grid;
            const std::size_t per = g.image_size();
            const auto* in = static_cast<const float*>(input_items[0]);
            std::vector<gr::tag_t> tags;
            for (int i = 0; i < n; ++i) {
                const long count = d_count++;
                if (count >= g.max_images && count >= g.columns)
                    continue;
                get_tags_in_range(tags, 0, nitems_read(0) + i, nitems_read(0) + i + 1, frame_info::key());
                const long seq = tags.empty() ? count
                                              : long(pmt::to_uint64(pmt::dict_ref(tags[0].value, pmt::mp("seq"),
                                                                                  pmt::from_uint64(count))));
                const float* img = in + std::size_t(i) * per;
                if (count < g.columns) {
                    std::lock_guard<std::mutex> l(g.mutex);
                    g.first[d_input].emplace_back(seq, std::vector<float>(img, img + per));
                }
                if (count < g.max_images)
                    ::semcom::write_png(g.dir + "/" + g.prefix + "_" + std::to_string(d_input) + "_" +
                                            std::to_string(seq) + ".png",
                                        img, g.c, g.h, g.w);
            }
            return n;
        });
    }

private:
    const std::shared_ptr<grid_state> d_grid;
    const int d_input;
    long d_count = 0;
};

} // namespace

class image_sink_impl : public image_sink
{
public:
    image_sink_impl(int c, int h, int w, int inputs, std::string dir, int max_images, int columns,
                    std::string prefix)
        : gr::hier_block2("image_sink",
                          gr::io_signature::make(inputs, inputs, sizeof(float) * c * h * w),
                          gr::io_signature::make(0, 0, 0)),
          d_grid(std::make_shared<grid_state>(c, h, w, inputs, std::move(dir), max_images, columns,
                                              std::move(prefix)))
    {
        for (int k = 0; k < inputs; ++k)
            connect(self(), k, gnuradio::make_block_sptr<image_sink_input>(d_grid, k), 0);
    }

    std::string write_grid() override { return d_grid->write(); }

private:
    const std::shared_ptr<grid_state> d_grid;
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
