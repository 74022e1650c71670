/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_IMAGE_SOURCE_H
#define INCLUDED_SEMCOM_IMAGE_SOURCE_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief Images from a dataset, one output vector (C*H*W floats in [0, 1], CHW) per image.
 * \ingroup semcom
 *
 * Every image carries a stream frame-info tag "semcom_frame" = dict {seq, fine, coarse}: its sequence
 * number from 0 and its labels (-1 where the dataset has none). Downstream blocks keep the tag
 * with the frame.
 *
 * dataset: "fashion-mnist" (path: the folder, empty for Debian's), "cifar10" / "cifar100"
 * (path: the folder with the binary batches), "png" (path: a folder of same-sized PNGs),
 * "idx" (path: "IMAGES,LABELS" file names).
 */
class SEMCOM_API image_source : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<image_source> sptr;

    static sptr make(const std::string& dataset,
                     const std::string& path = "",
                     const std::string& split = "test",
                     int limit = 0,
                     bool shuffle = false,
                     bool repeat = false,
                     int seed = 0);

    //! Floats per image (C*H*W), and the shape.
    virtual int image_size() const = 0;
    virtual std::vector<int> image_shape() const = 0;
    //! Images per pass (after limit).
    virtual int num_images() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
