/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_IMAGE_SINK_H
#define INCLUDED_SEMCOM_IMAGE_SINK_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/hier_block2.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief Writes images as PNG: the first max_images frames of every input, and a grid.
 * \ingroup semcom
 *
 * Input k is a stream of CHW image vectors (input 0 usually the originals, the others one
 * receiver's reconstructions each). Frame i of input k goes to directory/NAME_k_SEQ.png (SEQ from
 * the frame-info ("semcom_frame") tag, else the frame count) and, when the flowgraph stops,
 * directory/PREFIX_grid.png shows the first grid_columns frames of input 0, one row per input, each
 * input's frame of the same seq below them (black where that input never got it).
 *
 * The inputs are read independently: an input that gets nothing (a receiver that decodes no frame)
 * never holds up the others, nor the source upstream.
 */
class SEMCOM_API image_sink : virtual public gr::hier_block2
{
public:
    typedef std::shared_ptr<image_sink> sptr;

    static sptr make(int channels,
                     int height,
                     int width,
                     int num_inputs,
                     const std::string& directory,
                     int max_images = 16,
                     int grid_columns = 8,
                     const std::string& prefix = "image");

    //! Writes grid.png now (also done at stop()); returns its path.
    virtual std::string write_grid() = 0;
};

} // namespace semcom
} // namespace gr

#endif
