/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_NEURAL_MODEL_H
#define SEMCOM_NEURAL_MODEL_H

#include <semcom/neural/manifest.h>

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace semcom {
namespace neural {

//! Receives the runtime's log lines (one line each, no trailing newline).
using LogFunction = std::function<void(const std::string&)>;

struct ModelOptions {
    /*!
     * "auto": CUDA device 0 when LibTorch sees a GPU, else the CPU; the choice is logged.
     * "cpu", "cuda" (= "cuda:0"), "cuda:N". An explicit CUDA request on a machine (or a LibTorch
     * build) without CUDA is an error, never a silent fallback to the CPU (DESIGN §6).
     */
    std::string device = "auto";
    /*!
     * Intra-op threads for LibTorch's CPU kernels. Default 1, so that the GNU Radio scheduler
     * owns the cores and blocks run in parallel instead (DESIGN §10: more threads per model
     * oversubscribed the cores and ran 24x slower). NOTE: at::set_num_threads is process-wide:
     * the last model constructed (or BatchRunner started) sets it for every model in the process.
     * 0 leaves LibTorch's setting as it is.
     */
    int intra_op_threads = 1;
    /*!
     * Freeze the module and run torch::jit::optimize_for_inference on it at load (what
     * torch.jit.optimize_for_inference does in Python). Outputs agree with the unoptimised module
     * to float rounding; off gives the file exactly as it was traced.
     */
    bool optimize = true;
    /*!
     * glibc only: keep freed blocks of up to 128 MiB on the heap (mallopt M_MMAP_THRESHOLD /
     * M_TRIM_THRESHOLD) so that each batch reuses the previous batch's activation memory instead
     * of mapping fresh pages (+25-30 % frames/s at batch 64 on this machine). Process-wide, set
     * once by the first model that asks.
     */
    bool keep_freed_memory = true;
    /*!
     * Run batches rounded up to a power of two (at most max_batch), all compiled at load, so that
     * the TorchScript executor never stops to compile a new batch size while running.
     */
    bool pad_batches = true;
    //! Largest batch run() accepts; input buffers are preallocated for it.
    std::int64_t max_batch = 32;
    /*!
     * Multi-exit decoders (an `exit_threshold` input and an `exit_layer` output; U-DeepSC): run
     * them layer by layer through their exported methods, frames leaving the batch at their exit
     * (see Model). false: the scripted forward(), every layer for every frame; the outputs are the
     * same (to float rounding), only the work differs. No effect on other models.
     */
    bool early_exit = true;
    //! Where the device choice and other notices go; empty: one line to stderr.
    LogFunction log;
};

/*!
 * \brief A TorchScript model with its manifest, checked at load, ready to run batches.
 *
 * The constructor refuses (std::invalid_argument or std::runtime_error, the message naming the
 * file and the mismatch) a model that does not match its manifest, so that no block is ever built
 * without a working model (DESIGN §5). In order:
 *  1. the manifest parses and validates (Manifest::load);
 *  2. its constellation tables equal semcom-core's (verify_constellations, 1e-6);
 *  3. the .pt exists and its sha256 equals the manifest's;
 *  4. LibTorch loads it (a corrupt or non-TorchScript file is refused here);
 *  5. forward() takes as many arguments as the manifest lists inputs;
 *  6. warm-up: one forward() on zero inputs of the manifest shapes at max_batch; every output
 *     must have the manifest's shape and dtype. This also touches every kernel and, on CUDA,
 *     fills the caching allocator, so the first real frame is not slow.
 *
 * Buffers: one host tensor per input with room for max_batch items is allocated at load (pinned
 * on CUDA, for asynchronous copies) and, on CUDA, one device tensor per input; run() copies into
 * them instead of allocating per call (gr-deepwive's per-frame GPU allocation is the fault to
 * avoid). Outputs come back as CPU tensors owned by the caller.
 *
 * Multi-exit decoders (docs/model-manifest.md, "Multi-exit decoders"): a decoder with an
 * `exit_threshold` input and an `exit_layer` output is scripted with the exported methods
 * memory(inputs but snr_db and exit_threshold, in manifest order) -> mem, start(batch) -> x,
 * layer(i, x, mem) -> x, exit_head(i, x, snr_db) -> (output, certainty [B]), for i in
 * 0 .. codebook.decoder_layers - 1 (checked at load). With ModelOptions::early_exit every run
 * goes layer by layer: after layer i each remaining frame's exit head runs, the frames whose
 * certainty exceeds their threshold (every frame at the last layer) take that output and exit
 * layer i + 1 and leave the batch (index_select of the remaining rows), so a frame costs only the
 * layers it uses: what the scripted forward() computes for every frame through every layer.
 * Thresholds must lie in (0, 1] (std::invalid_argument naming the frame). Batches are not padded
 * (the batch shrinks anyway); the intra-op thread setting applies as for forward().
 *
 * Not thread-safe: one Model belongs to one thread (one block). BatchRunner is the thread-safe
 * front end.
 */
class Model
{
public:
    /*!
     * \p path is NAME.json (the manifest) or NAME.pt (the manifest is then NAME.json beside it);
     * the .pt loaded is the one the manifest's `file` names.
     */
    explicit Model(const std::string& path, ModelOptions options = ModelOptions());
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const Manifest& manifest() const;
    const c10::Device& device() const;
    //! "cpu", "cuda:0", ...
    std::string device_name() const;
    std::int64_t max_batch() const;
    int intra_op_threads() const;
    //! A multi-exit decoder run layer by layer (its manifest's roles and ModelOptions::early_exit).
    bool early_exit() const;
    //! Exits of a multi-exit decoder (codebook.decoder_layers); 0 for other models.
    int exit_layers() const;

    /*!
     * Runs a batch given as tensors, one per manifest input, each [B, ...] with the manifest's
     * item shape and dtype, on any device, 1 <= B <= max_batch(). Returns one CPU tensor per
     * manifest output, [B, ...]. Throws std::invalid_argument for inputs that do not match the
     * manifest, std::runtime_error if the model fails or returns other shapes.
     */
    std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs);

    /*!
     * Runs a batch of \p batch items given as raw float32 buffers, one per manifest input, each
     * holding batch * item_numel() values, items back to back (row-major, batch first). Only for
     * models whose inputs are all float32.
     */
    std::vector<at::Tensor> run(std::int64_t batch, const std::vector<const float*>& inputs);

    /*!
     * Staging API (what BatchRunner uses): staging(i) is the preallocated host tensor of input
     * i, [max_batch, ...]; fill its first \p batch rows, then run_staged(batch).
     */
    at::Tensor& staging(std::size_t input);
    std::vector<at::Tensor> run_staged(std::int64_t batch);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

/*!
 * Parses a device string (see ModelOptions::device) and checks that LibTorch can use it.
 * \p reason receives why "auto" chose what it chose (may be null).
 * Throws std::invalid_argument for a malformed string, std::runtime_error when CUDA is requested
 * but not available or the index is out of range.
 */
c10::Device resolve_device(const std::string& spec, std::string* reason = nullptr);

} // namespace neural
} // namespace semcom

#endif
