/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test_util.h"

#include <semcom/neural/model.h>

#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

using namespace semcom_test;
using semcom::neural::Model;
using semcom::neural::ModelOptions;

namespace {

ModelOptions quiet(std::int64_t max_batch = 8)
{
    ModelOptions o;
    o.device = "cpu";
    o.max_batch = max_batch;
    o.log = [](const std::string&) {};
    return o;
}

//! Compares C++ and Python outputs of model \p name at batch \p b: float outputs within
//! 1e-5 + 1e-5 |x|, int64 (arg-max) outputs with at most 1 % of near-ties flipped.
void expect_matches_python(Model& model, const std::string& name, int b, bool raw_buffers)
{
    const auto& m = model.manifest();
    std::vector<std::vector<float>> inputs;
    for (std::size_t i = 0; i < m.inputs.size(); ++i) {
        inputs.push_back(read_raw<float>(ref_in(name, b, static_cast<int>(i))));
        ASSERT_EQ(inputs.back().size(), static_cast<std::size_t>(b * m.inputs[i].item_numel()));
    }
    std::vector<at::Tensor> outs;
    if (raw_buffers) {
        std::vector<const float*> ptrs;
        for (auto& v : inputs)
            ptrs.push_back(v.data());
        outs = model.run(b, ptrs);
    } else {
        std::vector<at::Tensor> ts;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            ts.push_back(torch::from_blob(inputs[i].data(), m.inputs[i].batch_shape(b)));
        outs = model.run(ts);
    }
    ASSERT_EQ(outs.size(), m.outputs.size());
    for (std::size_t k = 0; k < outs.size(); ++k) {
        EXPECT_TRUE(outs[k].device().is_cpu());
        EXPECT_EQ(outs[k].sizes().vec(), m.outputs[k].batch_shape(b));
        if (m.outputs[k].dtype == semcom::neural::DType::int64) {
            const auto want = read_raw<std::int64_t>(ref_out(name, b, static_cast<int>(k), "i64"));
            ASSERT_EQ(static_cast<std::size_t>(outs[k].numel()), want.size());
            // Indices are arg-maxes of float scores: Python and LibTorch may block the rows of a
            // batch differently (other BLAS kernels on other CPUs, batches padded to powers of
            // two), which moves the scores in the last bits and may flip a near-tie. Tolerance:
            // at most 1 % of the indices (and at least one) may differ.
            const auto* got = outs[k].data_ptr<std::int64_t>();
            std::size_t differ = 0;
            for (std::size_t j = 0; j < want.size(); ++j)
                differ += got[j] != want[j];
            EXPECT_LE(differ, std::max<std::size_t>(1, want.size() / 100))
                << name << " output " << k << ": " << differ << " of " << want.size() << " indices differ";
        } else {
            const auto want = read_raw<float>(ref_out(name, b, static_cast<int>(k)));
            ASSERT_EQ(static_cast<std::size_t>(outs[k].numel()), want.size());
            const auto* got = outs[k].data_ptr<float>();
            // float32 outputs of the same network on other kernels: 1e-5 absolute plus 1e-5
            // relative on a CPU; on a GPU 2e-3 each, since cuDNN's convolutions and cuBLAS may run
            // in TF32 (10-bit mantissa, LibTorch's default for convolutions)
            const double tol = model.device().is_cuda() ? 2e-3 : 1e-5;
            for (std::size_t j = 0; j < want.size(); ++j)
                ASSERT_NEAR(got[j], want[j], tol + tol * std::abs(want[j]))
                    << name << " output " << k << " element " << j << " on " << model.device_name();
        }
    }
}

} // namespace

TEST(Model, MatchesPythonAtBatch1AndBatch5)
{
    for (const char* name : { "decoder", "encoder", "analog", "echo" }) {
        SCOPED_TRACE(name);
        Model model(model_json(name), quiet());
        for (int b : { 1, 5 })
            for (bool raw : { true, false }) {
                SCOPED_TRACE("batch " + std::to_string(b) + (raw ? " raw" : " tensors"));
                expect_matches_python(model, name, b, raw);
            }
    }
}

TEST(Model, LoadsFromThePtPathAndRunsAtMaxBatch)
{
    Model model((models_dir() / "decoder.pt").string(), quiet(3));
    EXPECT_EQ(model.manifest().name, "decoder");
    EXPECT_EQ(model.max_batch(), 3);
    std::vector<float> sym(3 * 16, 0.5f), snr(3, 10.0f);
    const auto outs = model.run(3, { sym.data(), snr.data() });
    EXPECT_EQ(outs[1].sizes().vec(), (std::vector<std::int64_t>{ 3, 1, 4, 4 }));
    // Identical frames give identical rows.
    EXPECT_TRUE(torch::allclose(outs[0][0], outs[0][2], 1e-5, 1e-6)); // (BLAS may block rows differently)
}

TEST(Model, OutputsDoNotAliasTheReusedInputBuffers)
{
    Model model(model_json("echo"), quiet(2));
    std::vector<float> a(16, 1.0f), b(16, 2.0f), snr(1, 0.0f);
    const auto first = model.run(1, { a.data(), snr.data() });
    model.run(1, { b.data(), snr.data() });
    EXPECT_EQ(first[0].flatten()[0].item<float>(), 1.0f);
    EXPECT_EQ(first[0].sum().item<float>(), 16.0f);
}

TEST(Model, ModelFailureAtRunTimeIsAnErrorNamingTheFile)
{
    Model model(model_json("echo"), quiet(2));
    std::vector<float> sym(16, 0.0f), snr(1, 5000.0f);
    expect_error<std::runtime_error>(
      [&] {
          model.run(1, { sym.data(), snr.data() });
      },
      { "echo.pt", "forward() failed", "snr_db above 1000" });
    // Still usable afterwards.
    snr[0] = 1.0f;
    EXPECT_EQ(model.run(1, { sym.data(), snr.data() }).size(), 2u);
}

TEST(Model, RunRefusesInputsThatDoNotMatchTheManifest)
{
    Model model(model_json("decoder"), quiet(4));
    auto sym = torch::zeros({ 2, 8, 2 });
    auto snr = torch::zeros({ 2, 1 });
    expect_error<std::invalid_argument>([&] { model.run({ sym }); },
                                        { "decoder.pt", "1 input tensor(s)", "lists 2" });
    expect_error<std::invalid_argument>(
      [&] {
          model.run({ torch::zeros({ 2, 9, 2 }), snr });
      },
      { "input 0 'symbols' is [2, 9, 2] float32", "[-1, 8, 2] float32" });
    expect_error<std::invalid_argument>(
      [&] {
          model.run({ sym, torch::zeros({ 3, 1 }) });
      },
      { "input 1 'snr_db' is [3, 1] float32" });
    expect_error<std::invalid_argument>(
      [&] {
          model.run({ sym, torch::zeros({ 2, 1 }, torch::kLong) });
      },
      { "input 1 'snr_db' is [2, 1] int64" });
    expect_error<std::invalid_argument>(
      [&] {
          model.run({ torch::zeros({ 5, 8, 2 }), torch::zeros({ 5, 1 }) });
      },
      { "batch 5 outside 1..4" });
    std::vector<float> buf(5 * 16);
    expect_error<std::invalid_argument>(
      [&] {
          model.run(5, { buf.data(), buf.data() });
      },
      { "batch 5 outside 1..4" });
    expect_error<std::invalid_argument>(
      [&] {
          model.run(1, { buf.data(), nullptr });
      },
      { "input 1 'snr_db' is a null pointer" });
    expect_error<std::invalid_argument>(
      [] {
          Model(model_json("decoder"), [] {
              auto o = quiet();
              o.max_batch = 0;
              return o;
          }());
      },
      { "max_batch must be >= 1" });
}

// --- refusals at load -------------------------------------------------------------------------

TEST(ModelLoad, MissingManifest)
{
    expect_error<std::runtime_error>([] { Model("/nonexistent/m.pt", quiet()); },
                                     { "/nonexistent/m.json", "no such file" });
}

TEST(ModelLoad, MissingPt)
{
    Scratch s;
    const auto json_path = s.copy("decoder");
    fs::remove(s.dir() / "decoder.pt");
    expect_error<std::runtime_error>([&] { Model(json_path, quiet()); },
                                     { (s.dir() / "decoder.pt").string(), "model file not found" });
}

TEST(ModelLoad, Sha256Mismatch)
{
    Scratch s;
    const auto json_path = s.copy("decoder");
    std::ofstream((s.dir() / "decoder.pt").string(), std::ios::app | std::ios::binary) << 'x';
    expect_error<std::runtime_error>([&] { Model(json_path, quiet()); },
                                     { "decoder.pt", "sha256", "differs from", "decoder.json" });
}

TEST(ModelLoad, CorruptPtWithAMatchingSha256)
{
    Scratch s;
    const auto json_path = s.copy("decoder");
    write_text(s.dir() / "decoder.pt", "this is not a TorchScript archive");
    const auto digest = semcom::neural::sha256_file((s.dir() / "decoder.pt").string());
    auto doc = read_json(json_path);
    doc["sha256"] = digest;
    write_text(json_path, doc.dump());
    expect_error<std::runtime_error>([&] { Model(json_path, quiet()); },
                                     { "decoder.pt", "not a loadable TorchScript file" });
}

TEST(ModelLoad, InputShapeDiffersFromTheModel)
{
    Scratch s;
    const auto p = s.copy("decoder", [](json& j) { j["inputs"][0]["shape"] = { -1, 9, 2 }; });
    expect_error<std::runtime_error>(
      [&] { Model(p, quiet()); },
      { "decoder.pt",
        "warm-up on zero inputs of the manifest shapes (symbols [8, 9, 2] float32, snr_db [8, 1] "
        "float32)",
        "forward() failed",
        "shapes cannot be multiplied" });
}

TEST(ModelLoad, OutputShapeDiffersFromTheModel)
{
    Scratch s;
    const auto p = s.copy("decoder", [](json& j) { j["outputs"][1]["shape"] = { -1, 1, 4, 5 }; });
    expect_error<std::runtime_error>([&] { Model(p, quiet(4)); },
                                     { "decoder.pt",
                                       "warm-up",
                                       "output 1 'image' is [4, 1, 4, 4] float32",
                                       "the manifest says [-1, 1, 4, 5] float32" });
}

TEST(ModelLoad, OutputDtypeDiffersFromTheModel)
{
    Scratch s;
    const auto p = s.copy("encoder", [](json& j) { j["outputs"][0]["dtype"] = "float32"; });
    expect_error<std::runtime_error>(
      [&] { Model(p, quiet(2)); },
      { "encoder.pt", "output 0 'layer1' is [2, 8] int64", "the manifest says [-1, 8] float32" });
}

TEST(ModelLoad, OutputAndInputCountsDifferFromTheModel)
{
    Scratch s;
    auto p = s.copy("decoder", [](json& j) {
        j["outputs"].push_back(
          { { "name", "extra" }, { "shape", { -1, 1 } }, { "dtype", "float32" }, { "role", "features" } });
    });
    expect_error<std::runtime_error>([&] { Model(p, quiet()); },
                                     { "decoder.pt", "lists 3 output(s), forward() returned 2" });
    p = s.copy("decoder", [](json& j) { j["inputs"].erase(1); });
    expect_error<std::runtime_error>([&] { Model(p, quiet()); },
                                     { "decoder.pt", "lists 1 input(s), forward() takes 2" });
}

TEST(ModelLoad, ConstellationTableDiffersFromSemcomCore)
{
    Scratch s;
    const auto p = s.copy("encoder", [](json& j) {
        auto& pts = j["constellations"][0]["points"];
        std::swap(pts[0], pts[3]);
    });
    expect_error<std::invalid_argument>(
      [&] { Model(p, quiet()); },
      { "encoder.json", "constellations[0] '4qam' point 0", "index -> point mapping differs" });
}

TEST(ModelLoad, BadManifestIsRefusedBeforeTheModel)
{
    Scratch s;
    const auto p = s.copy("decoder", [](json& j) { j["format"] = "semcom-model/9"; });
    expect_error<std::invalid_argument>([&] { Model(p, quiet()); },
                                        { "decoder.json", "unknown format version" });
}

// --- devices and threads ----------------------------------------------------------------------

TEST(ModelDevice, AutoTakesCudaOnlyWhenThereIsOneAndSaysSo)
{
    std::vector<std::string> lines;
    ModelOptions o;
    o.device = "auto";
    o.max_batch = 2;
    o.log = [&](const std::string& l) { lines.push_back(l); };
    Model model(model_json("decoder"), o);
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find("'decoder'"), std::string::npos) << lines[0];
    if (torch::cuda::is_available()) {
        EXPECT_TRUE(model.device().is_cuda());
        EXPECT_NE(lines[0].find("on cuda:0 (auto: LibTorch sees"), std::string::npos) << lines[0];
        expect_matches_python(model, "decoder", 1, true);
    } else {
        EXPECT_TRUE(model.device().is_cpu());
        EXPECT_EQ(model.device_name(), "cpu");
        EXPECT_NE(lines[0].find("on cpu (auto: LibTorch sees no CUDA device)"), std::string::npos)
          << lines[0];
    }
}

TEST(ModelDevice, ExplicitCudaWithoutCudaIsAnErrorNotAFallback)
{
    for (const char* dev : { "cuda", "cuda:0", "cuda:7" }) {
        SCOPED_TRACE(dev);
        auto o = quiet(2);
        o.device = dev;
        if (!torch::cuda::is_available()) {
            expect_error<std::runtime_error>(
              [&] { Model(model_json("decoder"), o); },
              { "decoder.pt: device '" + std::string(dev) + "'", "no CUDA device" });
        } else if (std::string(dev) == "cuda:7" && torch::cuda::device_count() <= 7) {
            expect_error<std::runtime_error>([&] { Model(model_json("decoder"), o); },
                                             { "device 'cuda:7'", "sees only" });
        } else {
            Model model(model_json("decoder"), o);
            EXPECT_TRUE(model.device().is_cuda());
            expect_matches_python(model, "decoder", 5, true);
            expect_matches_python(model, "decoder", 5, false);
        }
    }
}

TEST(ModelDevice, MalformedDeviceStrings)
{
    for (const char* dev : { "gpu", "CUDA", "cuda:", "cuda:x", "cuda:-1", "", "cpu:0" }) {
        SCOPED_TRACE(dev);
        auto o = quiet(2);
        o.device = dev;
        expect_error<std::invalid_argument>(
          [&] { Model(model_json("decoder"), o); },
          { std::string("device '") + dev + "'", "expected auto, cpu, cuda or cuda:N" });
    }
}

TEST(ModelThreads, IntraOpThreadsDefaultToOne)
{
    auto o = quiet(2);
    o.intra_op_threads = 2;
    Model two(model_json("decoder"), o);
    EXPECT_EQ(at::get_num_threads(), 2);
    Model one(model_json("decoder"), quiet(2)); // default options: 1
    EXPECT_EQ(one.intra_op_threads(), 1);
    EXPECT_EQ(at::get_num_threads(), 1);
}
