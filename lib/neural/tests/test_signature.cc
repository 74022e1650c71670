/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "test_util.h"

#include <semcom/neural/model_bank.h>
#include <semcom/neural/signature.h>

#include <cmath>
#include <stdexcept>

using namespace semcom_test;
using semcom::TransmitKind;
using semcom::neural::Manifest;
using semcom::neural::ModelBank;
using semcom::neural::ModelOptions;
using semcom::neural::ReceiverSignature;
using semcom::neural::Signature;
using semcom::neural::SnrInputs;

namespace {

// The test models are of the scheme table's deepscm (superposition) and mijscc (quantized) rows.
void as_deepscm(json& j) { j["scheme"] = "deepscm"; }

Signature encoder_signature(Scratch& s, const std::string& name, const std::function<void(json&)>& edit = {})
{
    return Signature::from_encoder(Manifest::load(s.copy(name, [&](json& j) {
        as_deepscm(j);
        if (edit)
            edit(j);
    })));
}

ReceiverSignature decoder_signature(Scratch& s, const std::function<void(json&)>& edit = {})
{
    return ReceiverSignature::from_decoder(Manifest::load(s.copy("decoder", [&](json& j) {
        as_deepscm(j);
        if (edit)
            edit(j);
    })));
}

ModelOptions cpu()
{
    ModelOptions o;
    o.device = "cpu";
    o.max_batch = 4;
    o.log = [](const std::string&) {};
    return o;
}

} // namespace

TEST(Signature, SuperpositionEncoderFromItsTransmitSection)
{
    Scratch s;
    const auto sig = encoder_signature(s, "encoder");
    EXPECT_EQ(sig.scheme, "deepscm");
    EXPECT_EQ(sig.header_code, 1);
    EXPECT_EQ(sig.kind, TransmitKind::superposition);
    EXPECT_EQ(sig.channel_uses, 8);
    EXPECT_EQ(sig.layers, (std::vector<std::string>{ "4qam", "16qam" }));
    ASSERT_EQ(sig.alphas.size(), 2u);
    EXPECT_NEAR(sig.alphas[0], 16.0 / 21.0, 1e-6);
    EXPECT_EQ(sig.layer_outputs, (std::vector<int>{ 0, 1 }));
    EXPECT_EQ(sig.snr_inputs, SnrInputs::none);
    EXPECT_EQ(sig.snr_width, 0);
    EXPECT_EQ(sig.snr_input, -1);
    EXPECT_EQ(sig.image_shape, (std::vector<std::int64_t>{ 1, 4, 4 }));
    EXPECT_EQ(sig.image_numel(), 16);
    EXPECT_FALSE(sig.variable_length);
}

TEST(Signature, AllReceiversSnrInputHasTheReceiversWidth)
{
    Scratch s;
    const auto sig = encoder_signature(s, "snr3_encoder");
    EXPECT_EQ(sig.snr_inputs, SnrInputs::all_receivers);
    EXPECT_EQ(sig.receivers, 3);
    EXPECT_EQ(sig.snr_width, 3);
    EXPECT_EQ(sig.snr_input, 1);
    EXPECT_EQ(sig.image_input, 0);
    // a width that disagrees with transmit.receivers is refused
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "snr3_encoder", [](json& j) { j["transmit"]["receivers"] = 2; }); },
      { "snr3_encoder.json", "asks for 2 float32 SNR values per frame, the 'snr_db' input has 3" });
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "snr3_encoder", [](json& j) { j["transmit"]["snr_inputs"] = "own"; }); },
      { "asks for 1 float32 SNR values" });
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "encoder", [](json& j) { j["transmit"]["snr_inputs"] = "own"; }); },
      { "encoder.json", "asks for 1", "has 0" });
}

TEST(Signature, PerReceiverTrainedSnrRangesAndChannels)
{
    Scratch s;
    // snr3_encoder: train_snr_db [0, 10, 20], one point per receiver; no channels
    const auto points = encoder_signature(s, "snr3_encoder");
    ASSERT_EQ(points.train_snr.size(), 3u);
    EXPECT_EQ(points.train_snr[2].lo, 20.0);
    EXPECT_EQ(points.train_snr[2].hi, 20.0);
    EXPECT_TRUE(points.channels.empty());
    const auto sig = encoder_signature(s, "snr3_encoder", [](json& j) {
        j["train_snr_db"] = json::array({ json::array({ -5.0, 19.0 }), json::array({ -3.0, 15.0 }), 7.0 });
        j["channels"] = { "awgn", "rayleigh", "rician:2" };
    });
    ASSERT_EQ(sig.train_snr.size(), 3u);
    EXPECT_EQ(sig.train_snr[1].lo, -3.0);
    EXPECT_EQ(sig.train_snr[1].hi, 15.0);
    EXPECT_EQ(sig.train_snr[2].lo, 7.0);
    EXPECT_EQ(sig.channels, (std::vector<std::string>{ "awgn", "rayleigh", "rician:2" }));
    // one range for every receiver
    const auto one = encoder_signature(s, "snr3_encoder",
                                       [](json& j) { j["train_snr_db"] = json::array({ json::array({ -5.0, 19.0 }) }); });
    ASSERT_EQ(one.train_snr.size(), 3u);
    EXPECT_EQ(one.train_snr[0].hi, 19.0);
    EXPECT_EQ(one.train_snr[2].lo, -5.0);
    // [-5, 19] is two receivers' points, not one range: not one per receiver of three, none kept
    EXPECT_TRUE(encoder_signature(s, "snr3_encoder", [](json& j) { j["train_snr_db"] = { -5.0, 19.0 }; })
                  .train_snr.empty());
    // a receiver's trained channel is its entry
    const auto rx = decoder_signature(s, [](json& j) {
        j["receiver"] = 2;
        j["transmit"]["receivers"] = 3;
        j["channels"] = { "awgn", "rician:2", "rayleigh" };
    });
    EXPECT_EQ(rx.channel, "rician:2");
    EXPECT_EQ(decoder_signature(s).channel, "");
}

TEST(Signature, QuantizedEncoderAndItsSideInformation)
{
    Scratch s;
    const auto sig = Signature::from_encoder(Manifest::load(s.copy("analog", [](json& j) {
        j["scheme"] = "mijscc";
        j["transmit"]["kind"] = "quantized";
    })));
    EXPECT_EQ(sig.kind, TransmitKind::quantized);
    EXPECT_EQ(sig.header_code, 3);
    EXPECT_EQ(sig.features_output, 0);
    EXPECT_EQ(sig.quantizer_bits, 4u);
    EXPECT_TRUE(sig.layer_outputs.empty());
    // end_index side information without the output, and the other way round
    expect_error<std::invalid_argument>(
      [&] {
          Signature::from_encoder(Manifest::load(s.copy("analog", [](json& j) {
              j["scheme"] = "mijscc";
              j["transmit"]["kind"] = "quantized";
              j["transmit"]["side_info"] = json::array({ "end_index" });
          })));
      },
      { "analog.json", "side_info has end_index but no output has role 'end_index'" });
}

TEST(Signature, SchemeTableDecidesTheKindAndTheCode)
{
    Scratch s;
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "encoder", [](json& j) { j["scheme"] = "nosuch"; }); },
      { "encoder.json", "scheme 'nosuch' is not in the scheme table", "SEMCOM_SCHEMES" });
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "encoder", [](json& j) { j["scheme"] = "mijscc"; }); },
      { "transmit.kind is 'superposition' but scheme 'mijscc' transmits 'quantized'" });
    expect_error<std::invalid_argument>(
      [&] { encoder_signature(s, "encoder", [](json& j) { j["outputs"][1]["role"] = "features"; }); },
      { "1 outputs with role 'layer' for 2 constellations" });
    expect_error<std::invalid_argument>(
      [&] { Signature::from_encoder(Manifest::load(s.copy("decoder", as_deepscm))); },
      { "decoder.json", "is a decoder, not an encoder" });
}

TEST(ReceiverSignature, DecoderRolesAndTheMatchWithItsTransmitter)
{
    Scratch s;
    const auto rx = decoder_signature(s);
    EXPECT_EQ(rx.symbols_input, 0);
    EXPECT_EQ(rx.snr_input, 1);
    EXPECT_EQ(rx.logits_output, 0);
    EXPECT_EQ(rx.image_output, 1);
    EXPECT_EQ(rx.classes, 4);
    EXPECT_EQ(rx.image_numel, 16);
    EXPECT_EQ(rx.task, "coarse");
    EXPECT_EQ(rx.receiver, 1);
    EXPECT_TRUE(rx.has_train_snr);
    Scratch t;
    const auto tx = encoder_signature(t, "encoder");
    EXPECT_NO_THROW(rx.check_matches(tx));
    auto other = tx;
    other.scheme = "cm";
    expect_error<std::invalid_argument>([&] { rx.check_matches(other); },
                                        { "decoder.json", "cannot decode the frames of", "scheme 'deepscm' against 'cm'" });
    other = tx;
    other.channel_uses = 16;
    expect_error<std::invalid_argument>([&] { rx.check_matches(other); }, { "8 channel uses against 16" });
    expect_error<std::invalid_argument>(
      [&] { decoder_signature(s, [](json& j) { j["outputs"][1]["role"] = "logits"; }); },
      { "more than one output with role 'logits'" });
    expect_error<std::invalid_argument>(
      [&] { decoder_signature(s, [](json& j) { j["outputs"][0]["role"] = "image"; }); },
      { "more than one output with role 'image'" });
    expect_error<std::invalid_argument>(
      [&] {
          decoder_signature(s, [](json& j) {
              j["outputs"][0]["role"] = "features";
              j["outputs"][1]["role"] = "features";
          });
      },
      { "a decoder needs an output with role 'logits' or 'image'" });
    // one that only reconstructs: no classes, task "image"
    const auto image_only = decoder_signature(s, [](json& j) { j["outputs"][0]["role"] = "features"; });
    EXPECT_EQ(image_only.logits_output, -1);
    EXPECT_EQ(image_only.classes, 0);
    EXPECT_EQ(image_only.task, "image");
    EXPECT_EQ(image_only.image_output, 1);
}

TEST(ModelBank, NearestTrainingSnrAndMembersThatDoNotBelong)
{
    Scratch a, b, c;
    const auto low = a.copy("decoder", [](json& j) {
        as_deepscm(j);
        j["train_snr_db"] = json::array({ json::array({ -10.0, 0.0 }) });
    });
    const auto high = b.copy("decoder", [](json& j) {
        as_deepscm(j);
        j["train_snr_db"] = json::array({ 15.0 });
    });
    const ModelBank bank({ low, high }, cpu());
    ASSERT_EQ(bank.size(), 2u);
    EXPECT_EQ(bank.nearest(-20.0), 0u);
    EXPECT_EQ(bank.nearest(-5.0), 0u); // inside the first range
    EXPECT_EQ(bank.nearest(7.4), 0u);  // 7.4 from 0, 7.6 from 15
    EXPECT_EQ(bank.nearest(7.6), 1u);
    EXPECT_EQ(bank.nearest(30.0), 1u);
    EXPECT_EQ(bank.nearest(std::nan("")), 0u);

    const auto other_task = c.copy("decoder", [](json& j) {
        as_deepscm(j);
        j["outputs"][0]["task"] = "fine";
    });
    expect_error<std::invalid_argument>([&] { ModelBank({ low, other_task }, cpu()); },
                                        { "does not match", "a bank shares one transmitter" });
    Scratch d;
    const auto no_snr = d.copy("decoder", [](json& j) {
        as_deepscm(j);
        j.erase("train_snr_db");
    });
    expect_error<std::invalid_argument>([&] { ModelBank({ low, no_snr }, cpu()); },
                                        { "has no train_snr_db for its receiver" });
    EXPECT_NO_THROW(ModelBank({ no_snr }, cpu())); // a bank of one needs no training SNR
}
