/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SEMANTIC_ENCODER_H
#define INCLUDED_SEMCOM_SEMANTIC_ENCODER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief Neural semantic encoder (LibTorch): one image vector in, what its manifest says out.
 * \ingroup semcom
 *
 * The model is a TorchScript file with its manifest (docs/model-manifest.md); the block refuses a
 * missing, corrupt or mismatched model when it is built, with a message naming the file. What it
 * outputs is what the manifest's `transmit` section says (semcom::neural::Signature):
 * - superposition (DeepSCM, CM): K byte outputs, channel_uses indices per image each, ready for
 *   superposition_mapper; indices (codebook): one such output;
 * - quantized / analog (MIJSCC): one float output, a vector of 2 * channel_uses per image, ready
 *   for quantized_mapper; with end_index side information (A-MIJSCC) each frame is tagged
 *   "end_index" (symbols to send).
 * SNR inputs (transmit.snr_inputs): none; own (one value: set_snr); all_receivers (one value per
 * receiver, in receiver order: set_snrs). The message port "snr" takes a number (every value),
 * a vector or list of snr_width numbers, or a dict holding "snr_db".
 * The frame-info ("semcom_frame") tag of every image moves to the first output item of its frame.
 * Images are encoded in batches of up to max_batch per call, on `device` (auto | cpu | cuda |
 * cuda:N).
 */
class SEMCOM_API semantic_encoder : virtual public gr::block
{
public:
    typedef std::shared_ptr<semantic_encoder> sptr;

    static sptr make(const std::string& model, const std::string& device = "auto", int max_batch = 16);

    //! Every SNR value the encoder takes (one, or each receiver's) set to \p snr_db.
    virtual void set_snr(float snr_db) = 0;
    //! One SNR per value the encoder takes (snr_width(), receiver order); ValueError otherwise.
    virtual void set_snrs(const std::vector<float>& snr_db) = 0;
    virtual std::vector<float> snrs() const = 0;
    //! SNR values per frame the model takes: 0 (none), 1 (own) or the receivers (all_receivers).
    virtual int snr_width() const = 0;
    virtual int channel_uses() const = 0;
    virtual int num_outputs() const = 0;
    virtual std::string device_name() const = 0;
};

/*!
 * \brief Neural decoder of one receiver (LibTorch): symbols of one frame in, scores and image out.
 * \ingroup semcom
 *
 * Input: the receiver's equalised symbols, channel_uses per frame (frames back to back, the first
 * carrying the frame info, gnuradio/semcom/frame_info.h). SNR input of the model: the frame
 * info's snr_db, else the block's snr_db (set_snr, message port "snr"). A frame whose info names
 * another scheme than the model's is refused and counted (frames_rejected). Outputs: 0 = class
 * scores (vector of the manifest's classes), 1 = reconstructed image (vector) when the model has
 * one; each item keeps its frame's frame info.
 *
 * Decoding runs on a worker thread in batches (max_batch frames or max_wait_us). realtime = false
 * (simulation): every frame is decoded; the block waits for the batch of each call. realtime =
 * true (over the air): frames are queued up to queue_capacity and dropped (counted,
 * frames_dropped) when the decoder cannot keep up, so the radio is never held up.
 *
 * SNR report (DeepBroadcast's feedback): the decoder averages the SNR measured on each frame
 * (frame_info::measured_snr_db: |h|^2 / noise_var with the channel's CSI, else the burst
 * receiver's estimate) in an EWMA over linear SNRs (semcom/snr_feedback.h, SnrTracker) and every
 * report_every frames publishes a dict {receiver number (long): SNR in dB (double)} on the
 * message port "snr_report", for a transmitter's "snr" port (set_snr_report; default every 16
 * frames, weight 1/32).
 */
class SEMCOM_API neural_decoder : virtual public gr::block
{
public:
    typedef std::shared_ptr<neural_decoder> sptr;

    static sptr make(const std::string& model,
                     const std::string& device = "auto",
                     float snr_db = 10.0f,
                     int max_batch = 16,
                     int max_wait_us = 2000,
                     bool realtime = false,
                     int queue_capacity = 64);

    virtual void set_snr(float snr_db) = 0;
    virtual long frames_decoded() const = 0;
    virtual long frames_dropped() const = 0;
    //! Frames whose frame info names another scheme (header code) than the model's: not decoded.
    virtual long frames_rejected() const = 0;
    virtual int channel_uses() const = 0;
    virtual int num_classes() const = 0;
    virtual int image_size() const = 0;
    //! The task the class scores are for ("coarse", "fine", ...), from the manifest.
    virtual std::string task() const = 0;
    //! The receiver number (1-based) the model was trained as.
    virtual int receiver() const = 0;
    virtual std::string device_name() const = 0;
    //! Frames given to each model of the bank, in the order of the model list.
    virtual std::vector<long> frames_per_model() const = 0;
    /*!
     * Publish the SNR report every \p report_every frames (0: never) with EWMA weight \p weight
     * in (0, 1] (ValueError otherwise); resets the average.
     */
    virtual void set_snr_report(int report_every, double weight) = 0;
    //! The EWMA of the measured SNR in dB now (NaN before the first frame with a measurement).
    virtual double reported_snr_db() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
