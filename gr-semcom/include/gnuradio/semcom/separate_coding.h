/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SEPARATE_CODING_H
#define INCLUDED_SEMCOM_SEPARATE_CODING_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief The separate source-channel coding baseline's transmitter: each image -> JPEG at the
 * highest quality that fits the frame -> CRC-32 + LDPC (gr-fec) + Gray QAM on exactly
 * channel_uses symbols (semcom::separate::SeparateLink, the link of `semcom simulate --scheme
 * separate`).
 * \ingroup semcom
 *
 * The image's frame info ("semcom_frame") goes on its frame's first symbol with jpeg_quality
 * added (0: not even quality 1 fits; the receiver then shows its fallback image, counted here in
 * images_too_large).
 */
class SEMCOM_API separate_transmitter : virtual public gr::block
{
public:
    typedef std::shared_ptr<separate_transmitter> sptr;

    /*!
     * \param channels, height, width the image shape (1 or 3 channels)
     * \param mcs one of the MCS table's names, e.g. "16qam-1/2", "64qam-2/3" (ValueError otherwise)
     * \param channel_uses symbols per image (the semantic schemes': 128 for the shipped DeepSCM)
     */
    static sptr make(int channels, int height, int width, const std::string& mcs, int channel_uses);

    //! Bytes of JPEG payload a frame carries.
    virtual int payload_bytes() const = 0;
    //! "16qam-1/2: 2 codewords of (271, 144), ...".
    virtual std::string link() const = 0;
    virtual long images_sent() const = 0;
    //! Images that did not fit at JPEG quality 1 (sent as an empty payload).
    virtual long images_too_large() const = 0;
    //! Mean JPEG quality of the images that fitted; NaN before the first.
    virtual double mean_jpeg_quality() const = 0;
};

/*!
 * \brief The separate coding baseline's receiver: channel_uses equalised symbols per frame ->
 * exact bit LLRs -> LDPC decoding -> CRC check -> JPEG decoding -> the image.
 * \ingroup semcom
 *
 * The noise variance of each frame's symbols after equalisation comes from its frame info
 * (frame_info::measured_snr_db: |h|^2 / noise_var of the channel, or the burst receiver's
 * estimate), else from snr_db. A frame whose CRC fails or whose JPEG does not decode shows the
 * fallback image ("fashion-mnist": the training set's mean image, what `semcom simulate --scheme
 * separate` shows; "zeros": a black image), counted in frames_failed: the cliff of separate
 * coding. The frame info goes on with link_ok (long 0/1) added.
 */
class SEMCOM_API separate_receiver : virtual public gr::block
{
public:
    typedef std::shared_ptr<separate_receiver> sptr;

    static sptr make(int channels, int height, int width, const std::string& mcs, int channel_uses,
                     const std::string& fallback = "fashion-mnist", float snr_db = 10.0f);

    virtual long frames_decoded() const = 0;
    //! Frames shown as the fallback image: CRC failed, no image fitted, or the JPEG did not decode.
    virtual long frames_failed() const = 0;
    //! Frames whose frame info gave no usable SNR: decoded at snr_db.
    virtual long frames_without_snr() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
