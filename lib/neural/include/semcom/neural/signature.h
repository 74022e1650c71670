/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_NEURAL_SIGNATURE_H
#define SEMCOM_NEURAL_SIGNATURE_H

#include <semcom/neural/manifest.h>
#include <semcom/scheme.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom {
namespace neural {

/*!
 * \brief What a transmitter's model means for the radio, derived from its encoder manifest.
 *
 * The only place that turns a manifest into radio parameters (DESIGN §3): the blocks, the chain
 * builders and the apps read a Signature and never the manifest's shapes. from_encoder() checks
 * the manifest against its `transmit` section and the scheme table, and throws
 * std::invalid_argument naming the manifest and the mismatch:
 *  - the scheme is a row of the scheme table and the row's kind is the manifest's kind;
 *  - the input roles: one `image`; an `snr_db` of width 1 for `own`, `receivers` for
 *    `all_receivers`, none for `none`;
 *  - the output roles of the kind: one `layer` per constellation of channel_uses indices
 *    (superposition), one `features` of 2 * channel_uses values (quantized, analog), one
 *    `indices` (indices, codebook); an `end_index` output iff side_info has `end_index`;
 *  - codebook: one constellation, the `codebook` object (Manifest checks it), side_info
 *    `keep_mask` and an int64 `keep_mask` output of receivers x tokens values.
 */
struct Signature {
    std::string path;             //!< the encoder manifest
    std::string scheme;           //!< scheme-table name
    std::uint8_t header_code = 0; //!< the scheme's burst-header code
    TransmitKind kind = TransmitKind::superposition;
    int channel_uses = 0;
    int receivers = 1;
    SnrInputs snr_inputs = SnrInputs::none;
    int snr_width = 0;            //!< SNR values per frame the encoder takes: 0, 1 or receivers
    bool variable_length = false; //!< frames carry an end index (side_info end_index)
    bool per_frame_range = false; //!< frames carry their quantizer range (side_info quantizer_range)
    bool keep_masks = false;      //!< frames carry every receiver's keep mask (side_info keep_mask; codebook)

    std::vector<std::string> layers; //!< superposition / indices / codebook: constellation names, layer order
    std::vector<float> alphas;       //!< superposition power shares
    unsigned quantizer_bits = 0;     //!< quantized: the manifest's bits; analog: 8 (see the manifest doc)
    std::vector<std::int64_t> image_shape; //!< C, H, W of the encoder's image input
    /*!
     * The SNR range each receiver was trained at (receivers entries, receiver order): the
     * manifest's train_snr_db per receiver, or its single entry for every receiver; empty when the
     * manifest has none (or not one per receiver). SNR reports are clamped to these.
     */
    std::vector<SnrSpec> train_snr;
    //! The channel each receiver was trained on (the manifest's `channels`); empty: not recorded.
    std::vector<std::string> channels;
    /*!
     * codebook: the manifest's codebook (a frame is `receivers` segments of kept tokens x groups
     * indices back to back, semcom/codebook.h; channel_uses = receivers x tokens x groups).
     */
    std::optional<CodebookSpec> codebook;

    // Where each role sits among the encoder's inputs and outputs (-1: absent).
    int image_input = -1, snr_input = -1;
    std::vector<int> layer_outputs;
    int features_output = -1, end_index_output = -1, indices_output = -1;
    int keep_mask_output = -1; //!< codebook: int64 [-1, receivers * tokens], receiver-major, 0/1

    static Signature from_encoder(const Manifest& encoder);

    //! Elements of one image: C * H * W.
    std::int64_t image_numel() const;
};

/*!
 * \brief What one receiver's decoder takes and gives, derived from its manifest.
 *
 * from_decoder() requires a `symbols` input of channel_uses x 2 values (or, for `separate`, an
 * `image` input; for `codebook`, an `index_posteriors` input [-1, tokens x groups, size] and a
 * float `keep_mask` input [-1, tokens]), an optional `snr_db` input [-1, 1], a `logits` or an
 * `image` output or both. A multi-exit decoder (codebook) has an `exit_threshold` input [-1, 1]
 * and an int64 `exit_layer` output [-1], both or neither, and needs the `snr_db` input.
 * matches() checks a receiver against its transmitter: the same scheme, kind and channel uses,
 * and a receiver number within the transmitter's receivers.
 */
struct ReceiverSignature {
    std::string path;
    std::string scheme;
    std::uint8_t header_code = 0;
    TransmitKind kind = TransmitKind::superposition;
    int channel_uses = 0;
    int receiver = 1;              //!< 1-based
    int receivers = 1;             //!< the transmitter's (transmit.receivers)
    int symbols_input = -1, snr_input = -1;
    int logits_output = -1, image_output = -1;
    // codebook: where the decoder's inputs and outputs sit (-1: absent)
    int posteriors_input = -1, keep_mask_input = -1, threshold_input = -1, exit_layer_output = -1;
    std::optional<CodebookSpec> codebook; //!< codebook: the manifest's
    std::string task;              //!< of the logits output (tasks[0] when it names none; "image" without logits)
    int classes = 0;               //!< 0 without a logits output (a decoder that only reconstructs)
    std::int64_t image_numel = 0;  //!< 0 without an image output
    std::vector<std::int64_t> image_shape; //!< C, H, W of the image output
    SnrSpec train_snr;             //!< the SNR this receiver was trained at (bank choice)
    bool has_train_snr = false;
    std::string channel;           //!< the channel it was trained on (manifest `channels`); "" unknown

    static ReceiverSignature from_decoder(const Manifest& decoder);
    //! A multi-exit decoder: exit_threshold input and exit_layer output.
    bool multi_exit() const { return threshold_input >= 0; }
    //! std::invalid_argument naming both files if this receiver cannot decode \p tx's frames.
    void check_matches(const Signature& tx) const;
};

} // namespace neural
} // namespace semcom

#endif
