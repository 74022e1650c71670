/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test_util.h"

#include <semcom/neural/manifest.h>

#include <fstream>
#include <stdexcept>

using namespace semcom_test;
using semcom::neural::DType;
using semcom::neural::Manifest;
using semcom::neural::verify_constellations;

namespace {

//! Loads a scratch copy of the decoder manifest after \p edit.
Manifest load_edited(Scratch& s, const std::function<void(json&)>& edit)
{
    return Manifest::load(s.copy("decoder", edit));
}

} // namespace

TEST(Manifest, ReadsEveryField)
{
    const auto m = Manifest::load(model_json("decoder"));
    EXPECT_EQ(m.format, "semcom-model/2");
    EXPECT_EQ(m.transmit.kind, semcom::TransmitKind::superposition);
    EXPECT_EQ(m.inputs[0].role, "symbols");
    EXPECT_EQ(m.outputs[0].role, "logits");
    EXPECT_EQ(m.output_with_role("image"), 1);
    EXPECT_EQ(m.input_with_role("image"), -1);
    EXPECT_EQ(m.name, "decoder");
    EXPECT_EQ(m.role, "decoder");
    EXPECT_EQ(m.receiver, 1);
    EXPECT_EQ(m.tasks, (std::vector<std::string>{ "coarse", "image" }));
    EXPECT_EQ(m.channel_uses, 8);
    ASSERT_EQ(m.inputs.size(), 2u);
    EXPECT_EQ(m.inputs[0].name, "symbols");
    EXPECT_EQ(m.inputs[0].shape, (std::vector<std::int64_t>{ -1, 8, 2 }));
    EXPECT_EQ(m.inputs[0].item_numel(), 16);
    EXPECT_EQ(m.inputs[0].batch_shape(5), (std::vector<std::int64_t>{ 5, 8, 2 }));
    EXPECT_EQ(m.inputs[0].describe(), "[-1, 8, 2] float32");
    ASSERT_EQ(m.outputs.size(), 2u);
    EXPECT_EQ(m.outputs[1].item_numel(), 16);
    ASSERT_EQ(m.constellations.size(), 2u);
    EXPECT_EQ(m.constellations[1].name, "16qam");
    EXPECT_EQ(m.constellations[1].points.size(), 16u);
    ASSERT_EQ(m.alphas.size(), 2u);
    EXPECT_NEAR(m.alphas[0], 16.0 / 21.0, 1e-12);
    EXPECT_FALSE(m.quantizer.has_value());
    ASSERT_EQ(m.train_snr_db.size(), 1u);
    EXPECT_EQ(m.train_snr_db[0].lo, -5.0);
    EXPECT_EQ(m.train_snr_db[0].hi, 20.0);
    ASSERT_TRUE(m.labels.has_value());
    EXPECT_EQ(m.labels->coarse_of_fine.size(), 10u);
    ASSERT_TRUE(m.dataset.has_value());
    EXPECT_EQ(m.dataset->image_shape, (std::vector<std::int64_t>{ 1, 4, 4 }));
    // Numeric metrics kept, null ones not.
    EXPECT_EQ(m.metrics.count("accuracy"), 1u);
    EXPECT_EQ(m.metrics.count("note"), 0u);
    EXPECT_EQ(fs::path(m.model_path()), models_dir() / "decoder.pt");
    EXPECT_NO_THROW(verify_constellations(m));
}

TEST(Manifest, ChannelsOnePerReceiver)
{
    Scratch s;
    EXPECT_TRUE(Manifest::load(model_json("decoder")).channels.empty());
    const auto three = [](json& j) { j["transmit"]["receivers"] = 3; };
    const auto m = load_edited(s, [&](json& j) {
        three(j);
        j["channels"] = { "awgn", "rayleigh", "rician:2" };
    });
    EXPECT_EQ(m.channels, (std::vector<std::string>{ "awgn", "rayleigh", "rician:2" }));
    EXPECT_TRUE(load_edited(s, [&](json& j) {
                    three(j);
                    j["channels"] = nullptr;
                }).channels.empty());
    expect_error<std::invalid_argument>(
      [&] {
          load_edited(s, [&](json& j) {
              three(j);
              j["channels"] = { "awgn", "rayleigh" };
          });
      },
      { "decoder.json", "'channels' has 2 entries for 3 receivers" });
    expect_error<std::invalid_argument>(
      [&] {
          load_edited(s, [&](json& j) {
              three(j);
              j["channels"] = { "awgn", "rayleigh", "teleport" };
          });
      },
      { "channels[2]", "teleport" });
    expect_error<std::invalid_argument>(
      [&] {
          load_edited(s, [&](json& j) {
              three(j);
              j["channels"] = { "awgn", 3, "rayleigh" };
          });
      },
      { "channels[1]" });
    expect_error<std::invalid_argument>([&] { load_edited(s, [](json& j) { j["channels"] = "awgn"; }); },
                                        { "channels" });
}

TEST(Manifest, QuantizerAndInt64AndScalarSnr)
{
    const auto a = Manifest::load(model_json("analog"));
    ASSERT_TRUE(a.quantizer.has_value());
    EXPECT_EQ(a.quantizer->bits, 4u);
    EXPECT_EQ(a.quantizer->range_mode, "calibrated");
    EXPECT_EQ(*a.quantizer->z_max, 1.0);
    const auto e = Manifest::load(model_json("encoder"));
    EXPECT_EQ(e.outputs[1].dtype, DType::int64);
    ASSERT_EQ(e.train_snr_db.size(), 1u);
    EXPECT_EQ(e.train_snr_db[0].lo, 10.0);
    EXPECT_EQ(e.train_snr_db[0].hi, 10.0);
}

TEST(Manifest, MissingFileNamesThePath)
{
    expect_error<std::runtime_error>([] { Manifest::load("/nonexistent/dir/model.json"); },
                                     { "/nonexistent/dir/model.json", "no such file" });
}

TEST(Manifest, MalformedJson)
{
    Scratch s;
    const auto path = s.dir() / "bad.json";
    write_text(path, "{\"format\": \"semcom-model/2\", \"name\": ");
    expect_error<std::invalid_argument>([&] { Manifest::load(path.string()); },
                                        { path.string(), "malformed JSON" });
    write_text(path, "[1, 2]");
    expect_error<std::invalid_argument>([&] { Manifest::load(path.string()); },
                                        { path.string(), "must be a JSON object" });
}

// issue #15: a manifest of any size was read whole; a number past double's range threw nlohmann's
// out_of_range without the file's name
TEST(Manifest, SizeCapAndNumberOverflowNameTheFile)
{
    Scratch s;
    const auto path = s.dir() / "big.json";
    {
        std::ofstream f(path, std::ios::binary);
        f << "{\"name\": \"";
        f << std::string(Manifest::max_bytes, 'x') << "\"}";
    }
    expect_error<std::runtime_error>([&] { Manifest::load(path.string()); },
                                     { path.string(), "more than a model manifest may have" });
    write_text(path, "{\"format\": \"semcom-model/2\", \"channel_uses\": 1e999}");
    expect_error<std::invalid_argument>([&] { Manifest::load(path.string()); },
                                        { path.string(), "malformed JSON", "number overflow" });
    expect_error<std::runtime_error>([&] { Manifest::load(s.dir().string()); },
                                        { s.dir().string(), "not a regular file" });
}

// issue #15: manifest integers were narrowed without a range check (an order of 2^32 + 2 became 2,
// a uint64 channel count wrapped negative, a receiver of 2^32 + 1 became 1)
TEST(Manifest, IntegersAreRangeCheckedBeforeNarrowing)
{
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["receiver"] = 4294967297LL; }); },
      { "field 'receiver' must be in 1..64, got 4294967297" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["channel_uses"] = 18446744073709551615ULL; }); },
      { "field 'channel_uses' is 18446744073709551615, out of range" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["channel_uses"] = std::int64_t(1) << 40; }); },
      { "field 'channel_uses' must be in 1..16777216" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["constellations"][0]["order"] = 4294967298LL; }); },
      { "constellations[0].order' must be in 2..65536" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["inputs"][0]["shape"] = { -1, std::int64_t(1) << 40, std::int64_t(1) << 40 };
            }); },
      { "inputs[0].shape' holds more than 1073741824 values per item" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["labels"]["coarse_of_fine"][0] = 4294967296LL; }); },
      { "labels.coarse_of_fine[0]' must be in -1.." });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["labels"]["fine"] = -3; }); }, { "labels.fine' must be in 0.." });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["dataset"]["image_shape"] = { 1, 0, 4 }; }); },
      { "dataset.image_shape[1]' must be in 1.." });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["quantizer"] = { { "bits", 4 }, { "range_mode", "calibrated" }, { "z_min", -1e300 }, { "z_max", 1.0 } };
            }); },
      { "quantizer.z_min' is", "beyond the range of a float" });
}

TEST(Manifest, UnknownFormatVersion)
{
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["format"] = "semcom-model/3"; }); },
      { "decoder.json", "unknown format version 'semcom-model/3'" });
    // format 1 is refused with the command that migrates it
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["format"] = "semcom-model/1"; }); },
      { "decoder.json", "format semcom-model/1 is no longer read", "scripts/migrate_manifests.py" });
    expect_error<std::invalid_argument>([&] { load_edited(s, [](json& j) { j.erase("format"); }); },
                                        { "decoder.json", "missing required field 'format'" });
}

TEST(Manifest, MissingFields)
{
    for (const char* key :
         { "name", "scheme", "role", "file", "sha256", "transmit", "inputs", "outputs", "channel_uses" }) {
        Scratch s;
        expect_error<std::invalid_argument>(
          [&] { load_edited(s, [&](json& j) { j.erase(key); }); },
          { "decoder.json", std::string("missing required field '") + key + "'" });
    }
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["inputs"][1].erase("dtype"); }); },
      { "decoder.json", "missing required field 'inputs[1].dtype'" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["constellations"][0].erase("points"); }); },
      { "decoder.json", "missing required field 'constellations[0].points'" });
}

TEST(Manifest, WronglyTypedFields)
{
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["channel_uses"] = "8"; }); },
      { "decoder.json", "field 'channel_uses' must be an integer, got string" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["channel_uses"] = 8.5; }); },
      { "field 'channel_uses' must be an integer, got number" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["inputs"][0]["shape"][1] = "8"; }); },
      { "field 'inputs[0].shape[1]' must be an integer, got string" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["outputs"] = json::object(); }); },
      { "field 'outputs' must be an array, got object" });
    expect_error<std::invalid_argument>([&] { load_edited(s, [](json& j) { j["name"] = 3; }); },
                                        { "field 'name' must be a string, got integer" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["alphas"] = json::array({ 0.5, "x" });
            }); },
      { "field 'alphas[1]' must be a number, got string" });
    expect_error<std::invalid_argument>([&] { load_edited(s, [](json& j) { j["metrics"] = 3; }); },
                                        { "field 'metrics' must be an object" });
}

TEST(Manifest, InvalidValues)
{
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["inputs"][0]["shape"] = { 8, 2 };
            }); },
      { "inputs[0].shape", "must start with -1" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["inputs"][0]["shape"] = { -1, -1, 2 };
            }); },
      { "inputs[0].shape[1]", "positive" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["outputs"][0]["dtype"] = "float16"; }); },
      { "outputs[0].dtype", "float16", "float32 or int64" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["inputs"][1]["name"] = "symbols"; }); },
      { "'inputs' names 'symbols' twice" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["inputs"] = json::array(); }); },
      { "'inputs' must list at least one tensor" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["role"] = "discriminator"; }); },
      { "field 'role' is 'discriminator'" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["sha256"] = "abc"; }); },
      { "'sha256' must be 64 hex digits" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["alphas"] = { 0.7, 0.2 };
            }); },
      { "'alphas' must sum to 1" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["alphas"] = { 1.0 }; }); },
      { "'alphas' has 1 entries for 2 constellations" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["constellations"][1]["order"] = 64; }); },
      { "constellations[1].points' has 16 points for order 64" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) { j["constellations"][0]["points"][2] = { 1.0 }; }); },
      { "constellations[0].points[2]' must be [I, Q]" });
    expect_error<std::invalid_argument>(
      [&] {
          load_edited(s, [](json& j) {
              j["quantizer"] = { { "bits", 4 }, { "range_mode", "calibrated" } };
          });
      },
      { "calibrated quantizer needs" });
    expect_error<std::invalid_argument>(
      [&] {
          load_edited(s, [](json& j) {
              j["quantizer"] = { { "bits", 9 }, { "range_mode", "per_frame" } };
          });
      },
      { "'quantizer.bits' must be in 1..8, got 9" });
    expect_error<std::invalid_argument>(
      [&] { load_edited(s, [](json& j) {
                j["train_snr_db"] = { { 20.0, -5.0 } };
            }); },
      { "train_snr_db[0]" });
}

TEST(Manifest, ConstellationTablesAreCheckedAgainstSemcomCore)
{
    Scratch s;
    // Two points swapped: another labelling of the same 16QAM.
    auto m = load_edited(s, [](json& j) {
        std::swap(j["constellations"][1]["points"][2], j["constellations"][1]["points"][3]);
    });
    expect_error<std::invalid_argument>(
      [&] { verify_constellations(m); },
      { "decoder.json", "constellations[1] '16qam' point 2", "index -> point mapping differs" });
    // Off by 2e-6 on one coordinate: beyond the 1e-6 tolerance.
    m = load_edited(s, [](json& j) {
        j["constellations"][0]["points"][0][0] =
          j["constellations"][0]["points"][0][0].get<double>() + 2e-6;
    });
    expect_error<std::invalid_argument>([&] { verify_constellations(m); },
                                        { "constellations[0] '4qam' point 0" });
    // 5e-7 is within it.
    m = load_edited(s, [](json& j) {
        j["constellations"][0]["points"][0][0] =
          j["constellations"][0]["points"][0][0].get<double>() + 5e-7;
    });
    EXPECT_NO_THROW(verify_constellations(m));
    m = load_edited(s, [](json& j) { j["constellations"][0]["name"] = "12qam"; });
    expect_error<std::invalid_argument>([&] { verify_constellations(m); },
                                        { "decoder.json", "'12qam'", "no such constellation" });
    m = load_edited(s, [](json& j) { j["constellations"][1]["name"] = "64qam"; });
    expect_error<std::invalid_argument>([&] { verify_constellations(m); },
                                        { "'64qam' has order 16, semcom-core's has 64" });
}

TEST(Manifest, Sha256OfAKnownText)
{
    Scratch s;
    write_text(s.dir() / "abc", "abc");
    EXPECT_EQ(semcom::neural::sha256_file((s.dir() / "abc").string()),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect_error<std::runtime_error>(
      [&] { semcom::neural::sha256_file((s.dir() / "none").string()); }, { "none" });
}

TEST(Manifest, TransmitSectionAndRolesAreChecked)
{
    const std::pair<std::function<void(json&)>, std::string> cases[] = {
        { [](json& j) { j["transmit"]["kind"] = "teleport"; }, "field 'transmit.kind' is 'teleport'" },
        { [](json& j) { j["transmit"].erase("kind"); }, "missing required field 'transmit.kind'" },
        { [](json& j) { j["transmit"]["receivers"] = 0; }, "field 'transmit.receivers' must be in 1..64" },
        { [](json& j) { j["transmit"]["snr_inputs"] = "some"; }, "field 'transmit.snr_inputs' is 'some'" },
        { [](json& j) { j["transmit"]["side_info"] = json::array({ "csi" }); },
          "field 'transmit.side_info[0]' is 'csi'" },
        { [](json& j) { j["inputs"][0]["role"] = "layer"; }, "field 'inputs[0].role' is 'layer'" },
        { [](json& j) { j["outputs"][1].erase("role"); }, "missing required field 'outputs[1].role'" },
        { [](json& j) { j["outputs"][0]["role"] = "symbols"; }, "field 'outputs[0].role' is 'symbols'" },
    };
    for (const auto& [edit, message] : cases) {
        Scratch s;
        expect_error<std::invalid_argument>([&] { load_edited(s, edit); }, { "decoder.json", message });
    }
}
