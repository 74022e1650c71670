/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_NEURAL_MANIFEST_H
#define SEMCOM_NEURAL_MANIFEST_H

#include <semcom/scheme.h>

#include <complex>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace semcom {
namespace neural {

//! Element types a manifest may name (docs/model-manifest.md).
enum class DType { float32, int64 };

//! "float32" / "int64".
const char* dtype_name(DType t);

/*!
 * \brief One input or output of a model: name, shape with -1 for the batch, dtype.
 *
 * The batch dimension is always the first and the only free one, so a frame (one item of a
 * batch) has a fixed number of elements, item_numel(); that is what lets the runtime preallocate
 * its buffers and lets a GNU Radio block use fixed-size vectors.
 */
struct TensorSpec {
    std::string name;
    std::vector<std::int64_t> shape; //!< shape[0] == -1, every other entry > 0
    DType dtype = DType::float32;
    /*!
     * What the tensor is for (docs/model-manifest.md, "Roles"): inputs image, snr_db, symbols,
     * index_posteriors, keep_mask, exit_threshold; outputs layer, features, end_index, indices,
     * keep_mask, logits, image, exit_layer.
     */
    std::string role;
    std::string task; //!< logits outputs: the task they score ("coarse", "fine", ...)

    //! Elements per batch item: the product of shape[1:].
    std::int64_t item_numel() const;
    //! Shape with the batch dimension set to \p batch.
    std::vector<std::int64_t> batch_shape(std::int64_t batch) const;
    //! "[-1, 128, 2] float32".
    std::string describe() const;
};

//! One layer's constellation as training saw it: index s is points[s].
struct ConstellationSpec {
    std::string name;
    unsigned order = 0;
    std::vector<std::complex<double>> points;
};

//! Quantizer of the quantized schemes.
struct QuantizerSpec {
    unsigned bits = 0;
    std::string range_mode;             //!< "per_frame" or "calibrated"
    std::optional<double> z_min, z_max; //!< required when calibrated
};

//! Which SNRs the encoder takes (transmit.snr_inputs).
enum class SnrInputs { none, own, all_receivers };

//! The manifest's `transmit` section: what kind of transmission the model family needs.
struct TransmitSpec {
    TransmitKind kind = TransmitKind::superposition;
    int receivers = 1;
    SnrInputs snr_inputs = SnrInputs::none;
    std::vector<std::string> side_info; //!< "quantizer_range", "end_index", "keep_mask"

    bool has_side_info(const std::string& what) const;
};

//! A training SNR: one value (lo == hi) or a range drawn from during training.
struct SnrSpec {
    double lo = 0.0, hi = 0.0;
};

struct DatasetSpec {
    std::string name;
    std::vector<std::int64_t> image_shape;
    double range_lo = 0.0, range_hi = 1.0;
};

struct LabelSpec {
    int fine = 0;
    int coarse = 0;
    std::vector<int> coarse_of_fine;
};

//! Tokens a task keeps at each SNR (the manifest's codebook.rate_table; informative).
struct RateTableRow {
    std::string task;
    std::vector<double> snr_db;
    std::vector<std::int64_t> tokens; //!< one per snr_db entry
};

/*!
 * \brief The `codebook` object of a `codebook` transmitter (U-DeepSC, docs/model-manifest.md).
 *
 * Each image is `tokens` tokens; each receiver's task keeps some of them (its keep mask) and sends,
 * per kept token, task_groups[r] of its `groups` codebook indices, one point of constellations[0]
 * each (size = its order); the frame is the receivers' segments back to back (semcom/codebook.h).
 * The decoder runs `decoder_layers` layers with an exit after each.
 */
struct CodebookSpec {
    int size = 0;                   //!< K codewords = points of constellations[0]
    int dim = 0;                    //!< codeword dimension
    int groups = 0;                 //!< G indices per token (the decoder's posteriors: N x G rows)
    int tokens = 0;                 //!< N tokens per image (keep mask bits per receiver)
    /*!
     * Indices (symbols) each receiver's task sends per kept token, receiver order: the first
     * task_groups[r] of the token's G (U-DeepSC: recovery 4, the classes 1); each in 1..G. The
     * manifest's `task_groups`, or G for every receiver when it has none.
     */
    std::vector<int> task_groups;
    std::vector<int> labels;        //!< codeword k is sent as point labels[k] (a permutation of 0..K-1)
    std::vector<float> point_log_prior; //!< K natural-log priors, by point number (the soft demapper's)
    std::vector<std::string> tasks; //!< the receivers' tasks, receiver order ("image", "fine", "coarse")
    int decoder_layers = 0;         //!< L: layers, each with an exit
    double exit_threshold = 0.9;    //!< default δ_e in (0, 1]: a frame exits once its certainty exceeds it
    std::vector<RateTableRow> rate_table;
    std::int64_t parameters = 0;    //!< the unified model's parameter count (0: not given)
};

/*!
 * \brief The JSON manifest beside a TorchScript model, format `semcom-model/2`.
 *
 * load() reads and validates the whole document against docs/model-manifest.md: every required
 * field present with the right type, shapes with the batch first, known dtypes, constellation
 * point lists of the stated order, alphas positive and summing to one, a well-formed sha256.
 * Anything else is refused before a model is ever loaded, with an exception whose message starts
 * with the manifest's path and names the field: a model that does not match its description must
 * never reach a flowgraph (DESIGN §5).
 *
 * Errors: std::runtime_error when the file cannot be read; std::invalid_argument for malformed
 * JSON, a missing or wrongly typed field, an invalid value, or an unknown format version. A
 * `semcom-model/1` manifest is refused with the command that migrates it.
 *
 * Unknown extra fields are accepted (newer exporters may add some); `metrics` keeps the numeric
 * entries only.
 */
struct Manifest {
    static constexpr const char* format_version = "semcom-model/2";
    //! Limits checked before anything is allocated or narrowed: a manifest file's size, the values of
    //! one tensor item (its shape without the batch dimension), channel_uses, and class counts.
    static constexpr std::uint64_t max_bytes = 16u << 20;
    static constexpr std::int64_t max_item_values = std::int64_t(1) << 30;
    static constexpr std::int64_t max_channel_uses = std::int64_t(1) << 24;
    static constexpr std::int64_t max_classes = 1 << 20;

    // Where it came from (set by load/parse).
    std::string path; //!< path of the .json, as given

    // Required.
    std::string format;
    std::string name;
    std::string scheme;
    std::string role;   //!< "encoder" or "decoder"
    std::string file;   //!< the .pt, relative to the manifest's directory
    std::string sha256; //!< 64 lower-case hex digits
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    std::int64_t channel_uses = 0;
    TransmitSpec transmit;

    // Optional (absent or null: empty / nullopt).
    std::optional<int> receiver;
    std::vector<std::string> tasks;
    std::vector<ConstellationSpec> constellations;
    std::vector<double> alphas;
    std::optional<QuantizerSpec> quantizer;
    std::vector<SnrSpec> train_snr_db; //!< per receiver; a single number gives one entry
    /*!
     * The channel each receiver was trained on ("awgn", "rayleigh", "rician:2"), one per receiver
     * (transmit.receivers entries, each a spec semcom::ChannelConfig::parse accepts); empty: none.
     */
    std::vector<std::string> channels;
    std::optional<DatasetSpec> dataset;
    std::optional<LabelSpec> labels;
    /*!
     * transmit.kind codebook: the codebook (required then). Checked against the rest at load:
     * size = constellations[0].order (one constellation), receivers x tokens x groups =
     * channel_uses, a decoder's index_posteriors input [-1, tokens x groups, size], labels a
     * permutation, point_log_prior K finite values, task_groups one entry in 1..groups per
     * receiver, 0 < exit_threshold <= 1.
     */
    std::optional<CodebookSpec> codebook;
    std::map<std::string, double> metrics;
    std::string torch_version;
    std::string created_by;

    //! Reads and validates \p json_path.
    static Manifest load(const std::string& json_path);
    //! Validates JSON text; \p origin names it in error messages.
    static Manifest parse(const std::string& json_text, const std::string& origin);

    //! The .pt path: `file` resolved against the manifest's directory.
    std::string model_path() const;

    //! Index of the first input / output with \p role, or -1.
    int input_with_role(const std::string& role) const;
    int output_with_role(const std::string& role) const;
};

/*!
 * \brief Checks each manifest constellation against semcom-core's table of the same name.
 *
 * The index -> point mapping is part of the model contract (DESIGN §4): an encoder trained with
 * another labelling would send the wrong points. Every point must lie within \p tolerance
 * (Euclidean distance) of semcom::Constellation::from_name(name).point(index).
 * Throws std::invalid_argument naming the manifest, the constellation and the first bad point.
 */
void verify_constellations(const Manifest& manifest, double tolerance = 1e-6);

//! Hex sha256 of a file's contents (OpenSSL EVP). Throws std::runtime_error if unreadable.
std::string sha256_file(const std::string& path);

} // namespace neural
} // namespace semcom

#endif
