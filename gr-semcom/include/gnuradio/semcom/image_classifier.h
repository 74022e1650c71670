/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_IMAGE_CLASSIFIER_H
#define INCLUDED_SEMCOM_IMAGE_CLASSIFIER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief A classifier of clean images (TorchScript, its manifest: one image input, logits
 * outputs), e.g. models/separate_classifier.json: the task decisions of the separate coding
 * baseline's receivers, made on the images they decoded.
 * \ingroup semcom
 *
 * One output per logits output of the manifest (separate_classifier: fine, then coarse), vlen
 * its classes. Images go through in batches of up to max_batch per work call; tags (the frame
 * info) pass from each image to its scores.
 */
class SEMCOM_API image_classifier : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<image_classifier> sptr;

    static sptr make(const std::string& model, const std::string& device = "auto", int max_batch = 32);

    //! The classes of each output, in output order.
    virtual std::vector<int> classes() const = 0;
    //! The task of each output ("fine", "coarse"), from the manifest.
    virtual std::vector<std::string> tasks() const = 0;
    virtual std::string device_name() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
