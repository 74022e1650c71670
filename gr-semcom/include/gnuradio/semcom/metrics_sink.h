/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_METRICS_SINK_H
#define INCLUDED_SEMCOM_METRICS_SINK_H

#include <gnuradio/hier_block2.h>
#include <gnuradio/semcom/api.h>

#include <string>
#include <utility>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Per-receiver metrics: accuracy of its task, PSNR and SSIM of its reconstructions.
 * \ingroup semcom
 *
 * Inputs: 0 = original images (from image_source, with frame-info ("semcom_frame") tags), 1 = reconstructed
 * images, 2 = class scores (num_classes floats; the arg-max is the decision). Frames are matched
 * by the seq of their frame-info ("semcom_frame") tags, so frames a receiver dropped are skipped and counted
 * (frames_missing); untagged streams are matched one to one. Publishes a dict {receiver, frames,
 * missing, accuracy, psnr_db, ssim, ...} on the message port "metrics" every report_every frames, and
 * writes the same as JSON to json_path (if not empty) when the flowgraph stops.
 *
 * Nothing is lost silently and nothing waits for a receiver: the inputs are read independently
 * (a receiver that decodes nothing never holds up the originals, hence never the source), each
 * original is kept (at most max_pending of them) until its decoded frame comes, and every original
 * ends in one count: frames (scored), frames_nonfinite (decoded with a NaN or infinite score or
 * pixel: not scored), or frames_missing: passed by a later decoded frame, pushed out of the
 * max_pending window, or still waiting when the flowgraph stops (the frames lost at the end).
 * frames_sent = frames + frames_nonfinite + frames_missing + frames_pending at any time.
 * Accuracy, PSNR and SSIM are over the scored frames.
 *
 * When the decoded frames' info carries the encoder's SNRs (snr_db_used, models that take SNRs),
 * the summary also has snr_db_used_mean (per value, over the scored frames), snr_db_used_last and
 * snr_db_used_frames.
 *
 * task: fine, coarse or binary (semcom/tasks.h: Fashion-MNIST long-sleeve tops against the rest,
 * num_classes 2); the frame's fine and coarse labels give the task's label.
 *
 * With reconstructions false (a receiver that only classifies), there are two inputs: 0 = the
 * originals, 1 = the class scores; PSNR and SSIM are then absent (NaN, null in the JSON).
 * With num_classes 0 (a receiver that only reconstructs, task "image"), there are two inputs:
 * 0 = the originals, 1 = the reconstructions; the accuracy is then absent (NaN, null).
 */
class SEMCOM_API metrics_sink : virtual public gr::hier_block2
{
public:
    typedef std::shared_ptr<metrics_sink> sptr;

    static sptr make(int channels,
                     int height,
                     int width,
                     int num_classes,
                     const std::string& task = "fine",
                     const std::string& receiver = "rx1",
                     int report_every = 100,
                     const std::string& json_path = "",
                     bool reconstructions = true,
                     int max_pending = 4096);

    virtual double accuracy() const = 0;
    virtual double psnr_db() const = 0;
    virtual double ssim() const = 0;
    virtual long frames() const = 0;
    virtual long frames_missing() const = 0;
    //! Originals seen on input 0 (the frames sent).
    virtual long frames_sent() const = 0;
    //! Originals whose decoded frame has not come yet (in flight); 0 after stop.
    virtual long frames_pending() const = 0;
    //! Decoded frames with a NaN or infinite class score or pixel: counted, not scored.
    virtual long frames_nonfinite() const = 0;
    //! Decoded frames whose original was not found (already counted missing, or an unknown seq).
    virtual long frames_unmatched() const = 0;
    virtual std::string summary_json() const = 0;
    //! The two sinks inside (originals; decoded frames), e.g. for their performance counters.
    virtual std::vector<std::pair<std::string, gr::block_sptr>> blocks() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
