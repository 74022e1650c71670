/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_TRANSCEIVER_H
#define INCLUDED_SEMCOM_TRANSCEIVER_H

#include <gnuradio/block.h>
#include <gnuradio/hier_block2.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief The whole transmitter of a model family, built from its encoder manifest.
 * \ingroup semcom
 *
 * image vectors (float, C*H*W) -> semantic_encoder -> the mapper of the manifest's transmit kind
 * -> complex symbols, unit average power; with sps > 0 also -> burst_transmitter (RRC bursts with
 * preamble, coded header carrying the scheme's header code, pilots) -> complex samples.
 * The chain is chosen through a table of builders by transmit kind (superposition, indices and
 * codebook: superposition_mapper; quantized and analog: quantized_mapper with per-frame range),
 * the gr-digital ofdm_tx / gr-satellites habit: a new kind of transmission adds one builder.
 * codebook (U-DeepSC): the frames stay channel_uses symbols long, the slots after the receivers'
 * segments unused; the keep masks travel in the frame info, and with sps > 0 in each burst's
 * side-information block (docs/frame-format.md), as do the SNRs an encoder that takes them used
 * and, several images per burst, each quantized image's range and gain: the burst_transmitter's
 * side_info_bytes is sized from the manifest, and images_per_burst cut to what fits.
 * Metadata tags of each image (frame info "semcom_frame") travel with its frame.
 *
 * Message port "snr" (in): the encoder's (semantic_encoder): a number or a vector sets the SNRs
 * it takes; a dict {receiver: SNR in dB} (keys a long, 1-based, or "rxK" / "K") is a report from
 * receivers, kept until the next, clamped to each receiver's trained range (train_snr_db), each
 * change logged; bad reports are logged and ignored. Connect the receivers' "snr_report" ports
 * here to close the feedback loop (DeepBroadcast).
 */
class SEMCOM_API transmitter : virtual public gr::hier_block2
{
public:
    typedef std::shared_ptr<transmitter> sptr;

    /*!
     * \param model the encoder manifest (PREFIX_encoder.json)
     * \param device auto | cpu | cuda | cuda:N
     * \param max_batch images per inference batch
     * \param sps 0: symbols out; > 0: bursts at sps samples per symbol
     * \param burst_gap idle samples after each burst (sps > 0)
     * \param images_per_burst images sent in one burst (sps > 0; burst_transmitter)
     * \param spreading 1, 2, 4, 8 or 16: preamble, header and pilots that many times longer, for
     *        receivers below ~5 dB (sps > 0; the receivers must use the same)
     */
    static sptr make(const std::string& model, const std::string& device = "auto", int max_batch = 32,
                     int sps = 0, int burst_gap = 200, int images_per_burst = 1, int spreading = 1);

    virtual std::string scheme() const = 0;
    virtual int header_code() const = 0;
    //! "superposition", "quantized", ...
    virtual std::string transmit_kind() const = 0;
    virtual int channel_uses() const = 0;
    //! Receivers the model family serves (one rxK model each).
    virtual int receivers() const = 0;
    //! Image shape C, H, W.
    virtual std::vector<int> image_shape() const = 0;
    //! SNR values per frame the encoder takes: 0, 1 (its receiver's) or receivers() (everyone's).
    virtual int snr_width() const = 0;
    virtual void set_snr(float snr_db) = 0;
    //! One SNR per receiver, in receiver order (snr_width() values).
    virtual void set_snrs(const std::vector<float>& snr_db) = 0;
    //! The SNR values the encoder uses now (receiver order; after reports, clamped).
    virtual std::vector<float> snrs() const = 0;
    //! The receivers' SNR reports used (on, the default) or ignored (semantic_encoder::set_feedback).
    virtual void set_feedback(bool on) = 0;
    virtual bool feedback() const = 0;
    virtual long reports_ignored() const = 0;
    /*!
     * Superposition schemes: the layers' power shares alpha from now on (superposition_mapper::
     * set_alphas; the receivers' decoders stay as trained); empty: the manifest's. ValueError for
     * shares given to a one-layer scheme.
     */
    virtual void set_alphas(const std::vector<float>& alphas) = 0;
    //! The power shares now (empty for a scheme without superposition).
    virtual std::vector<float> alphas() const = 0;
    //! Mean symbols sent per frame (fewer than channel_uses for variable-length schemes; codebook:
    //! every receiver's segment, semcom::codebook_symbols_sent).
    virtual double mean_symbols_sent() const = 0;
    //! Frames the encoder did not send: an index outside the constellation or a bad keep mask.
    virtual long frames_dropped() const = 0;
    virtual std::string device_name() const = 0;
    //! The blocks inside, name and block, for work-time accounting (--bench).
    virtual std::vector<std::pair<std::string, gr::block_sptr>> blocks() const = 0;
};

/*!
 * \brief The whole receiver of one model, built from its decoder manifest (or a bank of them).
 * \ingroup semcom
 *
 * sps = 0: equalised symbols in (channel_uses per frame, tags as the channel/equaliser left
 * them); sps > 0: complex samples in, burst_receiver first (detection, sync, header, equaliser,
 * SNR), refusing frames of another scheme or length (counted in frames_rejected). Then the
 * demapping of the transmit kind (quantized and analog: quantized_demapper with the per-frame side
 * information; codebook: none, the neural_decoder demaps its segment) and the neural_decoder.
 * Outputs: the class scores (num_classes floats) when the model has logits, then the
 * reconstructed image (image_size floats) when it has one: a decoder that only reconstructs
 * (num_classes 0, U-DeepSC's recovery) has the image as output 0 (image_port()).
 *
 * codebook (U-DeepSC): exit_threshold (0: the manifest's default) and hard_decisions are the
 * neural_decoder's; with sps > 0 the keep masks come from each burst's side information.
 *
 * models: one manifest, or several comma-separated: a bank of decoders for the same transmitter
 * trained at different SNRs; each frame goes to the one trained nearest its SNR.
 *
 * Message port "snr_report" (out): the neural decoder's SNR report, a dict {receiver number
 * (long): SNR in dB (double)} every report_every frames (0: none): the EWMA (weight
 * report_weight, over linear SNRs) of the SNR measured on each frame: at waveform level (sps > 0)
 * the burst receiver's pilot estimate; at symbol level |h|^2 / noise_var from the channel's frame
 * info. Connect it to a transmitter's "snr" port, in the same flowgraph or over gr-zeromq.
 */
class SEMCOM_API receiver : virtual public gr::hier_block2
{
public:
    typedef std::shared_ptr<receiver> sptr;

    static sptr make(const std::string& models, const std::string& device = "auto", float snr_db = 10.0f,
                     int max_batch = 32, bool realtime = false, int sps = 0, int report_every = 16,
                     double report_weight = 1.0 / 32.0, float exit_threshold = 0.0f, bool hard_decisions = false,
                     int spreading = 1);

    virtual std::string scheme() const = 0;
    virtual int header_code() const = 0;
    virtual std::string transmit_kind() const = 0;
    virtual int channel_uses() const = 0;
    virtual int receiver_number() const = 0;
    virtual std::string task() const = 0;
    virtual int num_classes() const = 0;
    virtual int image_size() const = 0;
    //! The output port of the image (0 without class scores, else 1); -1 without an image.
    virtual int image_port() const = 0;
    virtual void set_snr(float snr_db) = 0;
    virtual long frames_decoded() const = 0;
    virtual long frames_dropped() const = 0;
    //! Frames whose side information did not describe them (codebook: the keep mask): dropped.
    virtual long frames_invalid() const = 0;
    virtual std::vector<long> frames_per_model() const = 0;
    //! A bank (several models): each frame to the nearest-SNR model (on) or to the first (off).
    virtual void set_bank(bool on) = 0;
    virtual bool bank() const = 0;
    //! Multi-exit decoders (neural_decoder): δ_e, the exits, the mean exit layer, frames per exit.
    virtual void set_exit_threshold(float threshold) = 0;
    virtual float exit_threshold() const = 0;
    virtual int exit_layers() const = 0;
    virtual double mean_exit_layer() const = 0;
    virtual std::vector<long> frames_per_exit_layer() const = 0;
    //! Mean symbols of this receiver's part of each decoded frame (codebook: its segment).
    virtual double mean_symbols_received() const = 0;
    //! sps > 0: bursts detected, header errors, mean SNR (dB); frames_rejected: frames of another
    //! scheme (burst header or frame info) or payload length, refused.
    virtual std::uint64_t bursts_detected() const = 0;
    virtual std::uint64_t header_errors() const = 0;
    virtual std::uint64_t frames_rejected() const = 0;
    virtual double mean_snr_db() const = 0;
    //! The SNR this receiver reports now (EWMA, dB; NaN before the first measured frame).
    virtual double reported_snr_db() const = 0;
    virtual std::string device_name() const = 0;
    virtual std::vector<std::pair<std::string, gr::block_sptr>> blocks() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
