/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_NEURAL_BATCH_RUNNER_H
#define SEMCOM_NEURAL_BATCH_RUNNER_H

#include <semcom/neural/model.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace semcom {
namespace neural {

//! What comes back for one submitted frame.
struct BatchResult {
    std::uint64_t id = 0; //!< as given to submit() (a sequence number, a user id, ...)
    //! One CPU tensor per manifest output, [1, ...] (this frame's row of the batch output).
    std::vector<at::Tensor> outputs;
    //! Empty on success; otherwise why the batch holding this frame failed (outputs empty).
    std::string error;
    std::int64_t batch_size = 0; //!< how many frames ran together with this one
    bool ok() const { return error.empty(); }
};

using ResultCallback = std::function<void(BatchResult&&)>;

struct BatchRunnerOptions {
    //! Most frames per model call; 0 takes the model's max_batch (it may not exceed it).
    std::int64_t max_batch = 0;
    //! How long the first frame of a batch may wait for more frames before the batch runs.
    std::chrono::microseconds max_wait{ 1000 };
    /*!
     * Most frames accepted and not yet delivered (waiting, running, or waiting in the result
     * queue to be popped). A submit() beyond it drops the frame and counts it: memory and
     * latency stay bounded when inference cannot keep up (DESIGN §6).
     */
    std::size_t capacity = 64;
    /*!
     * Called on the worker thread with each frame's result, in submission order. While it runs
     * the worker does not infer, so keep it short (copy out, notify). Empty: results go to a
     * queue read with pop() / try_pop().
     */
    ResultCallback on_result;
    //! Where problems (an exception from on_result) are reported; empty: stderr.
    LogFunction log;
};

/*!
 * \brief Thread-safe batching front end over a Model: frames in, results out, bounded.
 *
 * Callers on any threads submit() frames (one image, or one received frame, with an id);
 * a worker thread gathers up to max_batch frames, or fewer once the oldest has waited max_wait,
 * copies them into the model's preallocated input buffers and runs the model once for the batch.
 * Every accepted frame gets exactly one BatchResult, through the callback or the result queue,
 * in the order frames were accepted; a failing batch yields results with `error` set, so nothing
 * is lost silently. Inference thus runs off the GNU Radio scheduler thread and batches when
 * frames arrive faster than one model call (DESIGN §6).
 *
 * Backpressure: at most `capacity` frames are accepted and undelivered; beyond that submit()
 * returns false and the frame is dropped whole and counted (frames_dropped()). Frame memory is
 * allocated once (capacity slots), never per frame.
 *
 * Inputs are given as float32 buffers, one per manifest input, each item_numel() values of one
 * frame (e.g. symbols [channel_uses, 2] and snr_db [1] for a decoder); all model inputs must be
 * float32.
 *
 * The runner owns the model while it runs: do not call model->run() concurrently with it.
 * stop() (also in the destructor) runs the frames already accepted, delivers their results and
 * joins the worker; submit() after stop() drops.
 */
class BatchRunner
{
public:
    //! Throws std::invalid_argument for a null model, int64 inputs or bad options.
    explicit BatchRunner(std::shared_ptr<Model> model,
                         BatchRunnerOptions options = BatchRunnerOptions());
    ~BatchRunner();
    BatchRunner(const BatchRunner&) = delete;
    BatchRunner& operator=(const BatchRunner&) = delete;

    /*!
     * Submits one frame: inputs[i] points to manifest.inputs[i].item_numel() floats, copied
     * before submit() returns. Returns false (and counts a drop) when `capacity` frames are
     * outstanding or the runner is stopped. Throws std::invalid_argument for a wrong number of
     * inputs or a null pointer.
     */
    bool submit(std::uint64_t id, const std::vector<const float*>& inputs);

    //! Next result from the queue, if any (queue mode: no on_result callback).
    std::optional<BatchResult> try_pop();
    //! Waits up to \p timeout for the next result.
    std::optional<BatchResult> pop(std::chrono::milliseconds timeout);

    //! Blocks until every accepted frame has been delivered (callback returned, or queued).
    void drain();
    //! Runs what was accepted, delivers it, joins the worker. Idempotent.
    void stop();

    const Model& model() const { return *d_model; }
    std::int64_t max_batch() const { return d_max_batch; }
    std::size_t capacity() const { return d_capacity; }

    std::uint64_t frames_accepted() const;
    std::uint64_t frames_dropped() const;
    std::uint64_t frames_delivered() const;
    std::uint64_t batches_run() const;
    //! Frames accepted and not yet delivered, plus results waiting in the queue.
    std::size_t outstanding() const;

private:
    struct Pending {
        std::uint64_t id;
        std::size_t slot;
        std::chrono::steady_clock::time_point arrived;
    };

    void worker();
    void deliver(std::vector<BatchResult>& results);

    std::shared_ptr<Model> d_model;
    std::int64_t d_max_batch;
    std::chrono::microseconds d_max_wait;
    std::size_t d_capacity;
    ResultCallback d_on_result;
    LogFunction d_log;

    std::vector<std::int64_t> d_item_numel; //!< floats per frame, per input
    std::vector<std::size_t> d_item_offset; //!< offset of input i within a slot
    std::size_t d_slot_floats = 0;
    std::vector<float> d_slots; //!< capacity * d_slot_floats, allocated once

    mutable std::mutex d_mutex;
    std::condition_variable d_work_cv; //!< worker: frames arrived / stop
    std::condition_variable d_done_cv; //!< drain() and pop(): results delivered
    std::deque<Pending> d_pending;
    std::vector<std::size_t> d_free_slots;
    std::deque<BatchResult> d_results;
    std::size_t d_outstanding = 0;
    std::size_t d_in_flight = 0; //!< taken by the worker, not yet delivered
    bool d_stopping = false;
    std::uint64_t d_accepted = 0, d_dropped = 0, d_delivered = 0, d_batches = 0;

    std::thread d_thread; //!< last: started when everything above exists
};

} // namespace neural
} // namespace semcom

#endif
