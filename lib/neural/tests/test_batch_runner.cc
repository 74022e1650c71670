/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test_util.h"

#include <semcom/neural/batch_runner.h>

#include <torch/torch.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace semcom_test;
using namespace std::chrono_literals;
using semcom::neural::BatchResult;
using semcom::neural::BatchRunner;
using semcom::neural::BatchRunnerOptions;
using semcom::neural::Model;
using semcom::neural::ModelOptions;

namespace {

std::shared_ptr<Model> decoder(std::int64_t max_batch = 8)
{
    ModelOptions o;
    o.device = "cpu";
    o.max_batch = max_batch;
    o.log = [](const std::string&) {};
    return std::make_shared<Model>(model_json("decoder"), o);
}

//! The decoder's inputs for frame \p id: distinct for every id.
struct Frame {
    std::vector<float> symbols = std::vector<float>(16);
    float snr = 0.0f;
    explicit Frame(std::uint64_t id)
    {
        for (int j = 0; j < 16; ++j)
            symbols[j] = static_cast<float>(std::sin(0.37 * static_cast<double>(id) + j));
        snr = static_cast<float>(id % 25) - 5.0f;
    }
    std::vector<const float*> ptrs() const { return { symbols.data(), &snr }; }
};

//! What the model gives for frame \p id run alone (batch 1).
std::vector<at::Tensor> alone(Model& m, std::uint64_t id)
{
    Frame f(id);
    return m.run(1, f.ptrs());
}

void expect_result_is_frame(const BatchResult& r, Model& reference)
{
    ASSERT_TRUE(r.ok()) << r.error;
    const auto want = alone(reference, r.id);
    ASSERT_EQ(r.outputs.size(), want.size());
    for (std::size_t k = 0; k < want.size(); ++k) {
        EXPECT_EQ(r.outputs[k].sizes(), want[k].sizes());
        // (batched and alone: other row blocking in BLAS, float rounding; 1e-5 relative and absolute)
        EXPECT_TRUE(torch::allclose(r.outputs[k], want[k], 1e-5, 1e-5))
          << "frame " << r.id << " output " << k << " (batch of " << r.batch_size << ")";
    }
}

//! A gate the result callback waits at, to hold the worker deterministically.
struct Gate {
    std::mutex m;
    std::condition_variable cv;
    bool open = false;
    int waiting = 0;
    void wait()
    {
        std::unique_lock<std::mutex> l(m);
        ++waiting;
        cv.notify_all();
        cv.wait(l, [&] { return open; });
    }
    void wait_for_waiter()
    {
        std::unique_lock<std::mutex> l(m);
        cv.wait(l, [&] { return waiting > 0; });
    }
    void release()
    {
        std::lock_guard<std::mutex> l(m);
        open = true;
        cv.notify_all();
    }
};

} // namespace

TEST(BatchRunner, EveryFrameOnceInOrderWithTheRightOutputs)
{
    auto ref = decoder(1);
    BatchRunnerOptions o;
    o.capacity = 256;
    o.max_wait = 2ms;
    BatchRunner runner(decoder(8), o);
    const std::uint64_t n = 200;
    for (std::uint64_t id = 0; id < n; ++id) {
        Frame f(id);
        ASSERT_TRUE(runner.submit(id, f.ptrs()));
    }
    std::vector<std::uint64_t> ids;
    while (ids.size() < n) {
        auto r = runner.pop(5s);
        ASSERT_TRUE(r.has_value()) << "only " << ids.size() << " of " << n << " results";
        ASSERT_GE(r->batch_size, 1);
        ASSERT_LE(r->batch_size, 8);
        expect_result_is_frame(*r, *ref);
        ids.push_back(r->id);
    }
    for (std::uint64_t id = 0; id < n; ++id)
        EXPECT_EQ(ids[id], id);                 // submission order, each once
    EXPECT_FALSE(runner.pop(50ms).has_value()); // nothing more
    EXPECT_EQ(runner.frames_accepted(), n);
    EXPECT_EQ(runner.frames_delivered(), n);
    EXPECT_EQ(runner.frames_dropped(), 0u);
    EXPECT_EQ(runner.outstanding(), 0u);
    EXPECT_LE(runner.batches_run(), n);
}

TEST(BatchRunner, BatchesWhatWaitsWhileTheModelIsBusy)
{
    auto ref = decoder(1);
    Gate gate;
    std::mutex m;
    std::vector<BatchResult> results;
    BatchRunnerOptions o;
    o.capacity = 64;
    o.max_wait = 0us;
    o.on_result = [&](BatchResult&& r) {
        if (r.id == 0)
            gate.wait(); // hold the worker while frames 1..20 arrive
        std::lock_guard<std::mutex> l(m);
        results.push_back(std::move(r));
    };
    BatchRunner runner(decoder(8), o);
    ASSERT_TRUE(runner.submit(0, Frame(0).ptrs()));
    gate.wait_for_waiter();
    for (std::uint64_t id = 1; id <= 20; ++id)
        ASSERT_TRUE(runner.submit(id, Frame(id).ptrs()));
    gate.release();
    runner.drain();
    ASSERT_EQ(results.size(), 21u);
    EXPECT_EQ(results[0].batch_size, 1);
    // 20 frames were waiting: batches of 8, 8, 4.
    for (std::size_t i = 1; i <= 20; ++i) {
        EXPECT_EQ(results[i].id, i);
        EXPECT_EQ(results[i].batch_size, i <= 16 ? 8 : 4) << i;
        expect_result_is_frame(results[i], *ref);
    }
    EXPECT_EQ(runner.batches_run(), 4u);
}

TEST(BatchRunner, MaxWaitRunsAPartialBatch)
{
    BatchRunnerOptions o;
    o.max_wait = 20ms;
    BatchRunner runner(decoder(8), o);
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(runner.submit(7, Frame(7).ptrs()));
    auto r = runner.pop(5s);
    const auto waited = std::chrono::steady_clock::now() - t0;
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->id, 7u);
    EXPECT_EQ(r->batch_size, 1);
    EXPECT_GE(waited, 20ms); // it did wait for company
}

TEST(BatchRunner, FullQueueDropsWholeFramesAndCountsThem)
{
    // Results not popped count against the capacity: with 4, the 5th frame on is dropped.
    BatchRunnerOptions o;
    o.capacity = 4;
    BatchRunner runner(decoder(8), o);
    int accepted = 0;
    for (std::uint64_t id = 0; id < 50; ++id)
        accepted += runner.submit(id, Frame(id).ptrs()) ? 1 : 0;
    EXPECT_EQ(accepted, 4);
    EXPECT_EQ(runner.frames_accepted(), 4u);
    EXPECT_EQ(runner.frames_dropped(), 46u);
    runner.drain();
    EXPECT_EQ(runner.outstanding(), 4u);
    for (std::uint64_t id = 0; id < 4; ++id) {
        auto r = runner.pop(1s);
        ASSERT_TRUE(r.has_value());
        EXPECT_EQ(r->id, id); // the first four, the later ones were dropped whole
    }
    EXPECT_FALSE(runner.try_pop().has_value());
    // Room again.
    EXPECT_TRUE(runner.submit(100, Frame(100).ptrs()));
    auto r = runner.pop(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->id, 100u);
    EXPECT_EQ(runner.frames_dropped(), 46u);
}

TEST(BatchRunner, SlowConsumerInCallbackModeDrops)
{
    Gate gate;
    std::atomic<int> delivered{ 0 };
    BatchRunnerOptions o;
    o.capacity = 3;
    o.max_wait = 0us;
    o.on_result = [&](BatchResult&& r) {
        if (r.id == 0)
            gate.wait();
        ++delivered;
    };
    BatchRunner runner(decoder(8), o);
    ASSERT_TRUE(runner.submit(0, Frame(0).ptrs()));
    gate.wait_for_waiter(); // frame 0 is in the callback: 1 outstanding
    int accepted = 1;
    for (std::uint64_t id = 1; id < 30; ++id)
        accepted += runner.submit(id, Frame(id).ptrs()) ? 1 : 0;
    EXPECT_EQ(accepted, 3);
    EXPECT_EQ(runner.frames_dropped(), 27u);
    gate.release();
    runner.drain();
    EXPECT_EQ(delivered.load(), 3);
    EXPECT_EQ(runner.frames_delivered(), 3u);
    EXPECT_EQ(runner.outstanding(), 0u);
}

TEST(BatchRunner, SeveralSubmittingThreads)
{
    auto ref = decoder(1);
    std::mutex m;
    std::map<std::uint64_t, int> seen;
    std::vector<BatchResult> results;
    BatchRunnerOptions o;
    o.capacity = 1000;
    o.max_wait = 500us;
    o.on_result = [&](BatchResult&& r) {
        std::lock_guard<std::mutex> l(m);
        ++seen[r.id];
        results.push_back(std::move(r));
    };
    BatchRunner runner(decoder(8), o);
    const int threads = 4, per_thread = 150;
    std::vector<std::thread> pool;
    std::atomic<int> refused{ 0 };
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                const std::uint64_t id = static_cast<std::uint64_t>(t) * 1000 + i;
                if (!runner.submit(id, Frame(id).ptrs()))
                    ++refused;
            }
        });
    for (auto& th : pool)
        th.join();
    runner.drain();
    EXPECT_EQ(refused.load(), 0);
    ASSERT_EQ(seen.size(), static_cast<std::size_t>(threads * per_thread));
    for (const auto& [id, count] : seen)
        EXPECT_EQ(count, 1) << id;
    // Per thread, results keep that thread's submission order.
    std::map<int, std::uint64_t> last;
    for (const auto& r : results) {
        const int t = static_cast<int>(r.id / 1000);
        if (last.count(t)) {
            EXPECT_GT(r.id, last[t]);
        }
        last[t] = r.id;
    }
    for (std::size_t i = 0; i < results.size(); i += 37) // a sample against batch-1 runs
        expect_result_is_frame(results[i], *ref);
    EXPECT_EQ(runner.frames_delivered(), static_cast<std::uint64_t>(threads * per_thread));
}

TEST(BatchRunner, SeveralThreadsAgainstATinyQueue)
{
    std::mutex m;
    std::multiset<std::uint64_t> delivered;
    BatchRunnerOptions o;
    o.capacity = 2;
    o.max_wait = 0us;
    o.on_result = [&](BatchResult&& r) {
        std::lock_guard<std::mutex> l(m);
        delivered.insert(r.id);
    };
    std::set<std::uint64_t> accepted;
    std::mutex am;
    {
        BatchRunner runner(decoder(2), o);
        std::vector<std::thread> pool;
        for (int t = 0; t < 4; ++t)
            pool.emplace_back([&, t] {
                for (int i = 0; i < 300; ++i) {
                    const std::uint64_t id = static_cast<std::uint64_t>(t) * 1000 + i;
                    if (runner.submit(id, Frame(id).ptrs())) {
                        std::lock_guard<std::mutex> l(am);
                        accepted.insert(id);
                    }
                }
            });
        for (auto& th : pool)
            th.join();
        runner.stop();
        EXPECT_EQ(runner.frames_accepted() + runner.frames_dropped(), 1200u);
        EXPECT_EQ(runner.frames_accepted(), accepted.size());
        EXPECT_GT(runner.frames_dropped(), 0u);
        EXPECT_EQ(runner.frames_delivered(), accepted.size());
    }
    // Exactly the accepted frames, each once.
    EXPECT_EQ(std::set<std::uint64_t>(delivered.begin(), delivered.end()), accepted);
    EXPECT_EQ(delivered.size(), accepted.size());
}

TEST(BatchRunner, StopDeliversWhatWasAcceptedThenRefuses)
{
    std::atomic<int> delivered{ 0 };
    BatchRunnerOptions o;
    o.capacity = 100;
    o.max_wait = 1s; // stop() must not wait for it
    o.on_result = [&](BatchResult&&) { ++delivered; };
    BatchRunner runner(decoder(8), o);
    for (std::uint64_t id = 0; id < 30; ++id)
        ASSERT_TRUE(runner.submit(id, Frame(id).ptrs()));
    const auto t0 = std::chrono::steady_clock::now();
    runner.stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms);
    EXPECT_EQ(delivered.load(), 30);
    EXPECT_FALSE(runner.submit(99, Frame(99).ptrs()));
    EXPECT_EQ(runner.frames_dropped(), 1u);
    runner.stop(); // idempotent
}

TEST(BatchRunner, DestructorWithPendingFramesJoins)
{
    std::atomic<int> delivered{ 0 };
    {
        BatchRunnerOptions o;
        o.max_wait = 10s;
        o.on_result = [&](BatchResult&&) { ++delivered; };
        BatchRunner runner(decoder(8), o);
        for (std::uint64_t id = 0; id < 5; ++id)
            ASSERT_TRUE(runner.submit(id, Frame(id).ptrs()));
    }
    EXPECT_EQ(delivered.load(), 5);
}

TEST(BatchRunner, AFailingBatchGivesEveryFrameAnError)
{
    ModelOptions mo;
    mo.device = "cpu";
    mo.max_batch = 4;
    mo.log = [](const std::string&) {};
    BatchRunner runner(std::make_shared<Model>(model_json("echo"), mo));
    std::vector<float> sym(16, 0.0f);
    const float good = 1.0f, bad = 5000.0f;
    ASSERT_TRUE(runner.submit(1, { sym.data(), &bad }));
    runner.drain();
    auto r = runner.pop(1s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->id, 1u);
    EXPECT_FALSE(r->ok());
    EXPECT_TRUE(r->outputs.empty());
    EXPECT_NE(r->error.find("snr_db above 1000"), std::string::npos) << r->error;
    // The runner goes on.
    ASSERT_TRUE(runner.submit(2, { sym.data(), &good }));
    r = runner.pop(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->ok()) << r->error;
    EXPECT_EQ(r->outputs[1].item<float>(), 1.0f);
}

TEST(BatchRunner, BadArguments)
{
    auto model = decoder(4);
    BatchRunnerOptions o;
    o.max_batch = 5;
    expect_error<std::invalid_argument>([&] { BatchRunner(model, o); },
                                        { "max_batch 5 outside 1..4" });
    expect_error<std::invalid_argument>([&] { BatchRunner(nullptr); }, { "null model" });
    o = BatchRunnerOptions();
    o.capacity = 0;
    expect_error<std::invalid_argument>([&] { BatchRunner(model, o); }, { "capacity" });
    BatchRunner runner(model);
    std::vector<float> sym(16);
    expect_error<std::invalid_argument>([&] { runner.submit(0, { sym.data() }); },
                                        { "1 input buffer(s)", "takes 2" });
    expect_error<std::invalid_argument>(
      [&] {
          runner.submit(0, { sym.data(), nullptr });
      },
      { "input 1 is a null pointer" });
}
