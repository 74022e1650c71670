/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/neural/batch_runner.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace semcom {
namespace neural {

BatchRunner::BatchRunner(std::shared_ptr<Model> model, BatchRunnerOptions options)
  : d_model(std::move(model))
  , d_max_batch(options.max_batch)
  , d_max_wait(options.max_wait)
  , d_capacity(options.capacity)
  , d_on_result(std::move(options.on_result))
  , d_log(std::move(options.log))
{
    if (!d_model)
        throw std::invalid_argument("BatchRunner: null model");
    const auto& m = d_model->manifest();
    if (d_max_batch == 0)
        d_max_batch = d_model->max_batch();
    if (d_max_batch < 1 || d_max_batch > d_model->max_batch())
        throw std::invalid_argument("BatchRunner: max_batch " + std::to_string(d_max_batch) +
                                    " outside 1.." + std::to_string(d_model->max_batch()) +
                                    " (the model's max_batch, " + m.path + ")");
    if (d_capacity < 1)
        throw std::invalid_argument("BatchRunner: capacity must be >= 1");
    if (d_max_wait.count() < 0)
        throw std::invalid_argument("BatchRunner: max_wait must not be negative");
    if (!d_log)
        d_log = [](const std::string& line) { std::cerr << line << std::endl; };
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        if (m.inputs[i].dtype != DType::float32)
            throw std::invalid_argument("BatchRunner: " + m.path + ": input " + std::to_string(i) +
                                        " '" + m.inputs[i].name +
                                        "' is int64; BatchRunner takes float32 frames");
        d_item_offset.push_back(d_slot_floats);
        d_item_numel.push_back(m.inputs[i].item_numel());
        d_slot_floats += static_cast<std::size_t>(m.inputs[i].item_numel());
    }
    d_slots.assign(d_capacity * d_slot_floats, 0.0f);
    for (std::size_t s = d_capacity; s-- > 0;)
        d_free_slots.push_back(s);
    d_thread = std::thread(&BatchRunner::worker, this);
}

BatchRunner::~BatchRunner()
{
    stop();
}

bool BatchRunner::submit(std::uint64_t id, const std::vector<const float*>& inputs)
{
    if (inputs.size() != d_item_numel.size())
        throw std::invalid_argument("BatchRunner::submit: " + std::to_string(inputs.size()) +
                                    " input buffer(s), the model (" + d_model->manifest().path +
                                    ") takes " + std::to_string(d_item_numel.size()));
    for (std::size_t i = 0; i < inputs.size(); ++i)
        if (!inputs[i])
            throw std::invalid_argument("BatchRunner::submit: input " + std::to_string(i) +
                                        " is a null pointer");
    std::lock_guard<std::mutex> lock(d_mutex);
    if (d_stopping || d_outstanding >= d_capacity) {
        ++d_dropped;
        return false;
    }
    const auto slot = d_free_slots.back();
    d_free_slots.pop_back();
    float* dst = d_slots.data() + slot * d_slot_floats;
    for (std::size_t i = 0; i < inputs.size(); ++i)
        std::memcpy(dst + d_item_offset[i], inputs[i], sizeof(float) * d_item_numel[i]);
    d_pending.push_back(Pending{ id, slot, std::chrono::steady_clock::now() });
    ++d_outstanding;
    ++d_accepted;
    d_work_cv.notify_one();
    return true;
}

void BatchRunner::worker()
{
    // With an OpenMP LibTorch the thread count is per thread: apply the model's to this one.
    if (d_model->intra_op_threads() > 0)
        at::set_num_threads(d_model->intra_op_threads());

    std::vector<Pending> batch;
    std::unique_lock<std::mutex> lock(d_mutex);
    for (;;) {
        d_work_cv.wait(lock, [this] { return d_stopping || !d_pending.empty(); });
        if (d_pending.empty())
            break; // stopping, nothing left
        // Wait for a full batch, at most until the oldest frame has waited max_wait.
        const auto deadline = d_pending.front().arrived + d_max_wait;
        while (!d_stopping && static_cast<std::int64_t>(d_pending.size()) < d_max_batch)
            if (d_work_cv.wait_until(lock, deadline) == std::cv_status::timeout)
                break;

        const auto n = std::min<std::size_t>(d_pending.size(), d_max_batch);
        batch.assign(d_pending.begin(), d_pending.begin() + n);
        d_pending.erase(d_pending.begin(), d_pending.begin() + n);
        d_in_flight = n;
        // Into the model's preallocated (pinned on CUDA) buffers; the slots are free again.
        for (std::size_t i = 0; i < d_item_numel.size(); ++i) {
            float* staged = d_model->staging(i).data_ptr<float>();
            for (std::size_t j = 0; j < n; ++j)
                std::memcpy(staged + j * d_item_numel[i],
                            d_slots.data() + batch[j].slot * d_slot_floats + d_item_offset[i],
                            sizeof(float) * d_item_numel[i]);
        }
        for (const auto& f : batch)
            d_free_slots.push_back(f.slot);
        lock.unlock();

        std::vector<BatchResult> results(n);
        std::vector<at::Tensor> outs;
        std::string error;
        try {
            outs = d_model->run_staged(static_cast<std::int64_t>(n));
        } catch (const std::exception& e) {
            error = e.what();
        }
        for (std::size_t j = 0; j < n; ++j) {
            results[j].id = batch[j].id;
            results[j].batch_size = static_cast<std::int64_t>(n);
            results[j].error = error;
            for (const auto& t : outs)
                results[j].outputs.push_back(t.narrow(0, static_cast<std::int64_t>(j), 1));
        }
        deliver(results);
        lock.lock();
    }
}

void BatchRunner::deliver(std::vector<BatchResult>& results)
{
    const auto n = results.size();
    if (d_on_result) {
        for (auto& r : results) {
            try {
                d_on_result(std::move(r));
            } catch (const std::exception& e) {
                d_log(std::string("semcom-neural: BatchRunner result callback threw: ") + e.what());
            } catch (...) {
                d_log("semcom-neural: BatchRunner result callback threw a non-std exception");
            }
        }
    }
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        if (d_on_result)
            d_outstanding -= n;
        else
            for (auto& r : results)
                d_results.push_back(std::move(r));
        d_in_flight = 0;
        d_delivered += n;
        ++d_batches;
    }
    d_done_cv.notify_all();
}

std::optional<BatchResult> BatchRunner::try_pop()
{
    return pop(std::chrono::milliseconds(0));
}

std::optional<BatchResult> BatchRunner::pop(std::chrono::milliseconds timeout)
{
    std::unique_lock<std::mutex> lock(d_mutex);
    if (!d_done_cv.wait_for(lock, timeout, [this] { return !d_results.empty(); }))
        return std::nullopt;
    BatchResult r = std::move(d_results.front());
    d_results.pop_front();
    --d_outstanding;
    return r;
}

void BatchRunner::drain()
{
    std::unique_lock<std::mutex> lock(d_mutex);
    d_done_cv.wait(lock, [this] { return d_pending.empty() && d_in_flight == 0; });
}

void BatchRunner::stop()
{
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        d_stopping = true;
    }
    d_work_cv.notify_all();
    if (d_thread.joinable() && d_thread.get_id() != std::this_thread::get_id())
        d_thread.join();
}

std::uint64_t BatchRunner::frames_accepted() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_accepted;
}
std::uint64_t BatchRunner::frames_dropped() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_dropped;
}
std::uint64_t BatchRunner::frames_delivered() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_delivered;
}
std::uint64_t BatchRunner::batches_run() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_batches;
}
std::size_t BatchRunner::outstanding() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_outstanding;
}

} // namespace neural
} // namespace semcom
