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
 *   "end_index" (symbols to send);
 * - codebook (U-DeepSC): one byte output like indices, the frame packed as the model returns it
 *   (each receiver's segment of kept tokens, back to back; the slots after the last one carry 0
 *   and are not part of the transmission), and every receiver's keep mask in the frame info
 *   ("keep_mask", u8vector of receivers x tokens bytes, receiver-major): semcom/codebook.h finds
 *   each receiver's segment from it.
 * An index a model returns outside its constellation (0..order-1), or a keep mask byte other than
 * 0/1, is never mapped: the frame is dropped and counted (frames_dropped), with one warning.
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
    /*!
     * Whether the receivers' SNR reports (port "snr", dicts) are used (the default). Off: reports
     * are ignored (counted) and the encoder goes back to the SNRs last set by set_snr(s) or the
     * port's plain numbers; on again: the next reports apply. A live control; thread-safe.
     */
    virtual void set_feedback(bool on) = 0;
    virtual bool feedback() const = 0;
    //! Reports ignored while the feedback was off.
    virtual long reports_ignored() const = 0;
    //! SNR values per frame the model takes: 0 (none), 1 (own) or the receivers (all_receivers).
    virtual int snr_width() const = 0;
    virtual int channel_uses() const = 0;
    virtual int num_outputs() const = 0;
    virtual std::string device_name() const = 0;
    //! Frames not sent: the model returned an index outside its constellation or a bad keep mask.
    virtual long frames_dropped() const = 0;
    //! Mean symbols per frame that carry the frame (codebook: the kept tokens' indices of every
    //! receiver; end_index: the end index; otherwise channel_uses); NaN before the first frame.
    virtual double mean_symbols_sent() const = 0;
};

/*!
 * \brief Neural decoder of one receiver (LibTorch): symbols of one frame in, scores and image out.
 * \ingroup semcom
 *
 * Input: the receiver's equalised symbols, channel_uses per frame (frames back to back, the first
 * carrying the frame info, gnuradio/semcom/frame_info.h). SNR input of the model: the frame
 * info's snr_db, else the block's snr_db (set_snr, message port "snr"). A frame whose info names
 * another scheme than the model's is refused and counted (frames_rejected). Outputs, in this
 * order: the class scores (vector of the manifest's classes) when the model has logits, the
 * reconstructed image (vector) when it has one; a decoder that only reconstructs (U-DeepSC's
 * recovery) has the image alone, as output 0. Each item keeps its frame's frame info.
 *
 * codebook decoders (U-DeepSC, docs/model-manifest.md): the frame info's keep_mask (every
 * receiver's, u8vector) gives this receiver's segment of the frame (semcom/codebook.h); each of
 * its symbols becomes the posterior over the constellation's points (IndexDemapper with the
 * manifest's point prior and noise_var = 10^(-snr/10), the frame's SNR as above; hard_decisions:
 * one-hot decisions instead), scattered to its token. A frame whose keep mask is missing, of the
 * wrong length, has a byte other than 0/1 or puts the segment beyond the frame is dropped and
 * counted (frames_invalid, frames_dropped), with one warning. The multi-exit decoder runs layer by
 * layer and a frame leaves at the first exit whose certainty exceeds exit_threshold (0: the
 * manifest's codebook.exit_threshold; else in (0, 1]); its exit layer (1-based) goes into the
 * frame info passed on ("exit_layer") and into mean_exit_layer / frames_per_exit_layer.
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
                     int queue_capacity = 64,
                     float exit_threshold = 0.0f,
                     bool hard_decisions = false);

    virtual void set_snr(float snr_db) = 0;
    virtual long frames_decoded() const = 0;
    //! Frames not decoded: dropped in real time, failed, or invalid (below).
    virtual long frames_dropped() const = 0;
    //! Frames whose side information does not describe them (codebook: the keep mask): not decoded.
    virtual long frames_invalid() const = 0;
    //! Frames whose frame info names another scheme (header code) than the model's: not decoded.
    virtual long frames_rejected() const = 0;
    //! Frames whose frame info's snr_db was NaN or infinite: decoded at the set SNR instead.
    virtual long frames_bad_snr() const = 0;
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
     * A bank of decoders: on (the default), each frame goes to the model trained nearest its SNR;
     * off, every frame goes to the first model listed. A live control; thread-safe.
     */
    virtual void set_bank(bool on) = 0;
    virtual bool bank() const = 0;
    /*!
     * Publish the SNR report every \p report_every frames (0: never) with EWMA weight \p weight
     * in (0, 1] (ValueError otherwise); resets the average.
     */
    virtual void set_snr_report(int report_every, double weight) = 0;
    //! The EWMA of the measured SNR in dB now (NaN before the first frame with a measurement).
    virtual double reported_snr_db() const = 0;

    //! Multi-exit decoders: δ_e in (0, 1] for the frames from now on (ValueError otherwise, or for
    //! a decoder without exits).
    virtual void set_exit_threshold(float threshold) = 0;
    //! δ_e now; NaN for a decoder without exits.
    virtual float exit_threshold() const = 0;
    //! The exits (decoder layers) of a multi-exit decoder; 0 otherwise.
    virtual int exit_layers() const = 0;
    //! Mean exit layer (1-based) over the decoded frames; NaN before the first or without exits.
    virtual double mean_exit_layer() const = 0;
    //! Decoded frames per exit layer: entry i = frames that left after layer i + 1.
    virtual std::vector<long> frames_per_exit_layer() const = 0;
    //! Mean symbols of this receiver's part of a decoded frame (codebook: its segment), else channel_uses.
    virtual double mean_symbols_received() const = 0;
    //! codebook: hard decisions instead of posteriors (the block's hard_decisions).
    virtual bool hard_decisions() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
