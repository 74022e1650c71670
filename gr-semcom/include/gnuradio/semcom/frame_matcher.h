/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_FRAME_MATCHER_H
#define INCLUDED_SEMCOM_FRAME_MATCHER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>

namespace gr {
namespace semcom {

/*!
 * \brief Pairs each decoded frame with the image that was sent, by sequence number.
 * \ingroup semcom
 *
 * Inputs: 0 = the originals (image_source, with frame-info ("semcom_frame") tags {seq, ...}), 1 = the decoded
 * frames (neural_decoder's images, with their frame-info ("semcom_frame") tags); both vectors of item_size
 * floats. Outputs: 0 = the original, 1 = the decoded frame, one pair per item, each tagged
 * with its frame info. Lost bursts leave holes in input 1: the originals without a decoded
 * frame are dropped (counted by missing()), so that an image_sink grid shows originals above the
 * right reconstructions. The matching is semcom::FrameMatcher's, the same as metrics_sink's:
 * untagged frames pair one to one; a decoded frame whose original has passed is dropped.
 */
class SEMCOM_API frame_matcher : virtual public gr::block
{
public:
    typedef std::shared_ptr<frame_matcher> sptr;

    //! item_size: floats per frame (> 0), e.g. channels * height * width of an image
    static sptr make(int item_size);

    virtual std::uint64_t matched() const = 0;
    virtual std::uint64_t missing() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
