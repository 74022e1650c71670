/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// U-DeepSC (transmit kind codebook): the codebook object of the manifest, the Signatures, and the
// multi-exit decoders run layer by layer against their scripted forward(). The models are
// tests/make_test_models.py --udeepsc (udeepsc_test_*: the scheme's own modules, small, untrained).
#include "test_util.h"

#include <semcom/neural/batch_runner.h>
#include <semcom/neural/model.h>
#include <semcom/neural/signature.h>

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <cmath>
#include <set>
#include <stdexcept>

using namespace semcom_test;
using semcom::TransmitKind;
using semcom::neural::BatchRunner;
using semcom::neural::BatchRunnerOptions;
using semcom::neural::Manifest;
using semcom::neural::Model;
using semcom::neural::ModelOptions;
using semcom::neural::ReceiverSignature;
using semcom::neural::Signature;

namespace {

const std::string family = "udeepsc_test";
constexpr int batch = 24; // make_test_models.py: write_exit_references
const int thresholds[] = { 50, 90, 100 };

ModelOptions quiet(bool early_exit = true, bool optimize = true)
{
    ModelOptions o;
    o.device = "cpu";
    o.max_batch = 32;
    o.early_exit = early_exit;
    o.optimize = optimize;
    o.log = [](const std::string&) {};
    return o;
}

fs::path exit_ref(const std::string& name, int t, const std::string& what)
{
    return models_dir() / (name + ".t" + std::to_string(t) + "." + what);
}

//! The reference inputs of decoder \p name at threshold \p t (percent), as tensors.
std::vector<at::Tensor> exit_inputs(const Model& model, const std::string& name, int t,
                                    std::vector<std::vector<float>>& storage)
{
    const auto& m = model.manifest();
    storage.clear();
    std::vector<at::Tensor> ts;
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        storage.push_back(read_raw<float>(exit_ref(name, t, "in" + std::to_string(i) + ".f32")));
        EXPECT_EQ(storage.back().size(), std::size_t(batch * m.inputs[i].item_numel())) << name << " input " << i;
    }
    for (std::size_t i = 0; i < m.inputs.size(); ++i)
        ts.push_back(torch::from_blob(storage[i].data(), m.inputs[i].batch_shape(batch)));
    return ts;
}

void expect_same(const std::vector<at::Tensor>& got, const std::vector<float>& output,
                 const std::vector<std::int64_t>& layers, const std::string& what)
{
    ASSERT_EQ(got.size(), 2u) << what;
    ASSERT_EQ(std::size_t(got[0].numel()), output.size()) << what;
    ASSERT_EQ(std::size_t(got[1].numel()), layers.size()) << what;
    // Exit decisions compare float certainties with the threshold: on other BLAS kernels (another
    // CPU, another batch blocking) a certainty within rounding of it may leave one layer earlier
    // or later. Tolerance: at most one frame of the batch exits elsewhere (its output is then
    // another layer's and is not compared); every other frame's output within 1e-4.
    const float* y = got[0].data_ptr<float>();
    const auto* l = got[1].data_ptr<std::int64_t>();
    const std::size_t per = output.size() / layers.size();
    std::size_t moved = 0;
    for (std::size_t f = 0; f < layers.size(); ++f) {
        if (l[f] != layers[f]) {
            ++moved;
            continue;
        }
        for (std::size_t j = f * per; j < (f + 1) * per; ++j)
            ASSERT_NEAR(y[j], output[j], 1e-4) << what << " output element " << j;
    }
    EXPECT_LE(moved, 1u) << what << ": " << moved << " frames exit at another layer";
}

} // namespace

TEST(Codebook, ManifestObjectIsReadAndCheckedAgainstTheRest)
{
    const auto enc = Manifest::load(model_json(family + "_encoder"));
    EXPECT_EQ(enc.transmit.kind, TransmitKind::codebook);
    EXPECT_TRUE(enc.transmit.has_side_info("keep_mask"));
    ASSERT_TRUE(enc.codebook);
    const auto& c = *enc.codebook;
    EXPECT_EQ(c.size, 16);
    EXPECT_EQ(c.groups, 4);
    EXPECT_EQ(c.tokens, 49);
    EXPECT_EQ(c.dim, 2);
    EXPECT_EQ(c.decoder_layers, 6);
    EXPECT_EQ(c.task_groups, (std::vector<int>{ 4, 1, 1 })); // recovery sends every group, the classes one
    EXPECT_EQ(c.labels.size(), 16u);
    EXPECT_EQ(std::set<int>(c.labels.begin(), c.labels.end()).size(), 16u);
    EXPECT_EQ(c.point_log_prior.size(), 16u);
    EXPECT_DOUBLE_EQ(c.exit_threshold, 0.9);
    EXPECT_EQ(c.tasks, (std::vector<std::string>{ "image", "fine", "coarse" }));
    ASSERT_EQ(c.rate_table.size(), 3u);
    EXPECT_EQ(c.rate_table[0].task, "image");
    EXPECT_EQ(c.rate_table[0].snr_db.size(), c.rate_table[0].tokens.size());
    EXPECT_GT(c.parameters, 0);
    EXPECT_EQ(enc.channel_uses, 3 * 49 * 4);

    Scratch s;
    const auto refused = [&](const std::string& name, const std::function<void(json&)>& edit,
                             std::initializer_list<std::string> parts) {
        expect_error<std::invalid_argument>([&] { Manifest::load(s.copy(name, edit)); }, parts);
    };
    const auto enc_name = family + "_encoder", rx_name = family + "_rx2";
    refused(enc_name,
            [](json& j) {
                j["constellations"][0] = { { "name", "4qam" }, { "order", 4 },
                                           { "points", { { -0.7071068, -0.7071068 }, { -0.7071068, 0.7071068 },
                                                         { 0.7071068, -0.7071068 }, { 0.7071068, 0.7071068 } } } };
            },
            { enc_name + ".json", "'codebook.size' is 16 but constellations[0] '4qam' has 4 points" });
    refused(enc_name, [](json& j) { j["channel_uses"] = 580; },
            { "'channel_uses' is 580 but transmit.receivers x codebook.tokens x codebook.groups = 3 x 49 x 4 = 588" });
    refused(enc_name,
            [](json& j) {
                j["codebook"]["groups"] = 2;
                j["codebook"]["task_groups"] = { 2, 1, 1 };
            },
            { "'channel_uses' is 588", "= 294" });
    refused(enc_name, [](json& j) { j["codebook"]["point_log_prior"].erase(0); },
            { "'codebook.point_log_prior' has 15 entries for codebook.size 16" });
    refused(enc_name, [](json& j) { j["codebook"]["point_log_prior"][3] = 1e39; },
            { "'codebook.point_log_prior[3]' must be finite" });
    refused(enc_name, [](json& j) { j["codebook"]["labels"][1] = j["codebook"]["labels"][0]; },
            { "'codebook.labels' must be a permutation of 0..15: entry 1" });
    refused(enc_name, [](json& j) { j["codebook"]["task_groups"] = { 4, 1 }; },
            { "'codebook.task_groups' has 2 entries for 3 receivers" });
    refused(enc_name, [](json& j) { j["codebook"]["task_groups"] = { 5, 1, 1 }; },
            { "'codebook.task_groups[0]' is 5: a receiver sends 1..4 (codebook.groups) indices per kept token" });
    EXPECT_EQ(Manifest::load(s.copy(enc_name, [](json& j) { j["codebook"].erase("task_groups"); }))
                .codebook->task_groups,
              (std::vector<int>{ 4, 4, 4 })); // absent: every group
    refused(enc_name, [](json& j) { j["codebook"]["exit_threshold"] = 0.0; },
            { "'codebook.exit_threshold' must be in (0, 1], got 0" });
    refused(enc_name, [](json& j) { j["codebook"]["exit_threshold"] = 1.5; }, { "must be in (0, 1], got 1.5" });
    refused(enc_name, [](json& j) { j.erase("codebook"); }, { "a 'codebook' transmitter needs the field 'codebook'" });
    refused(enc_name, [](json& j) { j["outputs"][1]["shape"] = { -1, 146 }; },
            { "'outputs[1].shape' is [-1, 146] int64 but the keep masks of 3 receivers are 147 values" });
    refused(rx_name, [](json& j) { j["inputs"][0]["shape"] = { -1, 196, 8 }; },
            { rx_name + ".json", "'inputs[0].shape' is [-1, 196, 8] float32 but the codebook's posteriors are "
                                 "[-1, 196, 16]" });
    refused(rx_name,
            [](json& j) {
                j["codebook"]["tokens"] = 48;
                j["codebook"].erase("rate_table"); // (its counts may reach 49)
            },
            { "= 576" });
    refused(rx_name, [](json& j) { j["transmit"]["side_info"] = { "keep_masks" }; },
            { "'transmit.side_info[0]' is 'keep_masks'", "keep_mask" });
}

TEST(Codebook, Signatures)
{
    const auto tx = Signature::from_encoder(Manifest::load(model_json(family + "_encoder")));
    EXPECT_EQ(tx.scheme, "udeepsc");
    EXPECT_EQ(tx.header_code, 9);
    EXPECT_EQ(tx.kind, TransmitKind::codebook);
    EXPECT_EQ(tx.receivers, 3);
    EXPECT_EQ(tx.snr_width, 3);
    EXPECT_TRUE(tx.keep_masks);
    EXPECT_EQ(tx.layers, (std::vector<std::string>{ "16qam" }));
    EXPECT_EQ(tx.alphas, (std::vector<float>{ 1.0f }));
    EXPECT_EQ(tx.indices_output, 0);
    EXPECT_EQ(tx.keep_mask_output, 1);
    ASSERT_TRUE(tx.codebook);
    EXPECT_EQ(tx.codebook->tokens, 49);

    const char* tasks[] = { "image", "fine", "coarse" };
    for (int r = 1; r <= 3; ++r) {
        SCOPED_TRACE(r);
        const auto rx = ReceiverSignature::from_decoder(Manifest::load(model_json(family + "_rx" + std::to_string(r))));
        EXPECT_NO_THROW(rx.check_matches(tx));
        EXPECT_EQ(rx.receiver, r);
        EXPECT_EQ(rx.receivers, 3);
        EXPECT_EQ(rx.task, tasks[r - 1]);
        EXPECT_TRUE(rx.multi_exit());
        EXPECT_EQ(rx.posteriors_input, 0);
        EXPECT_EQ(rx.keep_mask_input, 1);
        EXPECT_EQ(rx.snr_input, 2);
        EXPECT_EQ(rx.threshold_input, 3);
        EXPECT_EQ(rx.symbols_input, -1);
        EXPECT_EQ(rx.exit_layer_output, 1);
        ASSERT_TRUE(rx.codebook);
        if (r == 1) { // recovery: an image and no class scores
            EXPECT_EQ(rx.logits_output, -1);
            EXPECT_EQ(rx.classes, 0);
            EXPECT_EQ(rx.image_output, 0);
            EXPECT_EQ(rx.image_numel, 784);
        } else {
            EXPECT_EQ(rx.logits_output, 0);
            EXPECT_EQ(rx.classes, r == 2 ? 10 : 4);
            EXPECT_EQ(rx.image_output, -1);
        }
    }

    Scratch s;
    const auto enc = family + "_encoder", rx2 = family + "_rx2";
    expect_error<std::invalid_argument>(
      [&] { Signature::from_encoder(Manifest::load(s.copy(enc, [](json& j) { j["transmit"]["side_info"] = json::array(); }))); },
      { enc + ".json", "a 'codebook' transmitter sends its keep masks: transmit.side_info needs keep_mask" });
    expect_error<std::invalid_argument>(
      [&] { Signature::from_encoder(Manifest::load(s.copy(enc, [](json& j) { j["outputs"].erase(1); }))); },
      { "transmit.side_info has keep_mask but no output has role 'keep_mask'" });
    expect_error<std::invalid_argument>(
      [&] {
          ReceiverSignature::from_decoder(Manifest::load(s.copy(rx2, [](json& j) {
              j["outputs"].erase(1);
          })));
      },
      { rx2 + ".json", "a multi-exit decoder has an 'exit_threshold' input and an 'exit_layer' output, this one has only "
                       "the input" });
    expect_error<std::invalid_argument>(
      [&] {
          ReceiverSignature::from_decoder(Manifest::load(s.copy(rx2, [](json& j) {
              j["inputs"][1]["role"] = "symbols";
          })));
      },
      { "a 'codebook' decoder needs a float32 'keep_mask' input [-1, tokens]" });
}

TEST(MultiExit, LayerByLayerEqualsTheScriptedForward)
{
    for (int r = 1; r <= 3; ++r) {
        const auto name = family + "_rx" + std::to_string(r);
        Model layered(model_json(name), quiet(true));
        Model forward(model_json(name), quiet(false, false)); // the file's forward(), as scripted
        EXPECT_TRUE(layered.early_exit());
        EXPECT_FALSE(forward.early_exit());
        EXPECT_EQ(layered.exit_layers(), 6);
        EXPECT_EQ(forward.exit_layers(), 6);
        for (int t : thresholds) {
            const std::string what = name + " at threshold " + std::to_string(t) + " %";
            std::vector<std::vector<float>> storage;
            const auto inputs = exit_inputs(layered, name, t, storage);
            const auto python = read_raw<float>(exit_ref(name, t, "out0.f32"));
            const auto layers = read_raw<std::int64_t>(exit_ref(name, t, "out1.i64"));
            // the reference exits at several layers below 100 %, so frames really leave the batch
            const std::set<std::int64_t> distinct(layers.begin(), layers.end());
            if (t < 100)
                EXPECT_GT(distinct.size(), 1u) << what;
            else
                EXPECT_EQ(distinct, std::set<std::int64_t>{ 6 }) << what;
            expect_same(layered.run(inputs), python, layers, what + " (layer by layer)");
            expect_same(forward.run(inputs), python, layers, what + " (forward)");
        }
    }
}

TEST(MultiExit, BatchRunnerFramesExitAsInOneBatch)
{
    // frames submitted one by one, batched as they come (staged path, max wait 0 or 1 ms)
    const auto name = family + "_rx3";
    auto model = std::make_shared<Model>(model_json(name), quiet(true));
    std::vector<std::vector<float>> storage;
    const auto inputs = exit_inputs(*model, name, 90, storage);
    const auto python = read_raw<float>(exit_ref(name, 90, "out0.f32"));
    const auto layers = read_raw<std::int64_t>(exit_ref(name, 90, "out1.i64"));
    BatchRunnerOptions o;
    o.max_batch = 8;
    BatchRunner runner(model, o);
    const auto& m = model->manifest();
    for (int f = 0; f < batch; ++f) {
        std::vector<const float*> ptrs;
        for (std::size_t i = 0; i < m.inputs.size(); ++i)
            ptrs.push_back(storage[i].data() + std::size_t(f) * std::size_t(m.inputs[i].item_numel()));
        ASSERT_TRUE(runner.submit(std::uint64_t(f), ptrs));
    }
    runner.drain();
    const std::size_t classes = python.size() / batch;
    int moved = 0;
    for (int f = 0; f < batch; ++f) {
        auto res = runner.pop(std::chrono::milliseconds(1000));
        ASSERT_TRUE(res && res->ok()) << (res ? res->error : "no result");
        ASSERT_EQ(res->id, std::uint64_t(f));
        // (batches as they come: a certainty within rounding of the threshold may exit elsewhere,
        // at most one frame; see expect_same)
        if (res->outputs[1].item<std::int64_t>() != layers[std::size_t(f)]) {
            ++moved;
            continue;
        }
        const float* y = res->outputs[0].data_ptr<float>();
        for (std::size_t j = 0; j < classes; ++j)
            ASSERT_NEAR(y[j], python[std::size_t(f) * classes + j], 1e-4) << "frame " << f;
    }
    EXPECT_LE(moved, 1) << moved << " frames exit at another layer than in one batch";
    EXPECT_EQ(at::get_num_threads(), 1); // the project's setting, on the runner's thread and here
}

TEST(MultiExit, ThresholdOutsideZeroOneIsRefused)
{
    const auto name = family + "_rx2";
    Model model(model_json(name), quiet(true));
    std::vector<std::vector<float>> storage;
    for (float bad : { 0.0f, -0.5f, 1.0001f, std::nanf("") }) {
        auto inputs = exit_inputs(model, name, 90, storage);
        storage[3][5] = bad;
        expect_error<std::invalid_argument>([&] { model.run(inputs); },
                                            { name + ".pt", "exit_threshold of frame 5 is", "must be in (0, 1]" });
    }
    // the scripted forward takes any threshold: only the layer-by-layer run checks (the blocks check first)
    auto inputs = exit_inputs(model, name, 90, storage);
    storage[3][0] = 1.0f; // exactly 1: no exit before the last layer
    const auto out = model.run(inputs);
    EXPECT_EQ(out[1].data_ptr<std::int64_t>()[0], 6);
}

TEST(MultiExit, DecoderWithoutTheExportedMethodsIsRefused)
{
    // the codebook decoder's manifest over a file that has only forward() (the plain test decoder)
    Scratch s;
    const auto name = family + "_rx2";
    const auto path = s.copy(name, [&](json& j) {
        j["file"] = (models_dir() / "decoder.pt").string();
        j["sha256"] = read_json(models_dir() / "decoder.json")["sha256"];
    });
    expect_error<std::runtime_error>([&] { Model(path, quiet(true)); },
                                     { "decoder.pt", "must export the methods memory, start, layer and exit_head",
                                       "'memory' is missing" });
}
