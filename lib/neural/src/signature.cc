/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <semcom/neural/model_bank.h>
#include <semcom/neural/signature.h>

#include <cmath>
#include <stdexcept>

namespace semcom {
namespace neural {

namespace {

[[noreturn]] void refuse(const Manifest& m, const std::string& why)
{
    throw std::invalid_argument(m.path + ": " + why);
}

const Scheme& scheme_row(const Manifest& m)
{
    const auto& table = SchemeTable::instance();
    const auto* row = table.find(m.scheme);
    if (!row)
        refuse(m, "scheme '" + m.scheme + "' is not in the scheme table (" + table.names() +
                    "; a scheme under development adds a row through SEMCOM_SCHEMES)");
    if (row->kind != m.transmit.kind)
        refuse(m, std::string("transmit.kind is '") + transmit_kind_name(m.transmit.kind) + "' but scheme '" +
                    m.scheme + "' transmits '" + transmit_kind_name(row->kind) + "' (the scheme table)");
    return *row;
}

std::vector<int> all_with_role(const std::vector<TensorSpec>& specs, const std::string& role)
{
    std::vector<int> out;
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (specs[i].role == role)
            out.push_back(int(i));
    return out;
}

int at_most_one(const Manifest& m, const std::vector<TensorSpec>& specs, const std::string& role, const char* what)
{
    const auto all = all_with_role(specs, role);
    if (all.size() > 1)
        refuse(m, std::string("more than one ") + what + " with role '" + role + "'");
    return all.empty() ? -1 : all.front();
}

//! What both sides share: the role checked, the scheme's table row, path, kind and channel uses.
template <typename Side>
void fill_common(Side& s, const Manifest& m, const char* role, const char* article)
{
    if (m.role != role)
        refuse(m, "is a " + m.role + ", not " + article + " " + role);
    s.header_code = scheme_row(m).header_code;
    s.path = m.path;
    s.scheme = m.scheme;
    s.kind = m.transmit.kind;
    s.channel_uses = int(m.channel_uses);
}

} // namespace

std::int64_t Signature::image_numel() const
{
    std::int64_t n = 1;
    for (auto d : image_shape)
        n *= d;
    return n;
}

Signature Signature::from_encoder(const Manifest& m)
{
    Signature s;
    fill_common(s, m, "encoder", "an");
    s.receivers = m.transmit.receivers;
    s.snr_inputs = m.transmit.snr_inputs;
    s.variable_length = m.transmit.has_side_info("end_index");
    s.per_frame_range = m.transmit.has_side_info("quantizer_range");
    s.keep_masks = m.transmit.has_side_info("keep_mask");
    if (s.keep_masks != (s.kind == TransmitKind::codebook))
        refuse(m, s.keep_masks ? "transmit.side_info keep_mask belongs to a 'codebook' transmitter"
                               : "a 'codebook' transmitter sends its keep masks: transmit.side_info needs keep_mask");
    if (m.train_snr_db.size() == std::size_t(s.receivers))
        s.train_snr = m.train_snr_db;
    else if (m.train_snr_db.size() == 1)
        s.train_snr.assign(std::size_t(s.receivers), m.train_snr_db.front());
    s.channels = m.channels;

    s.image_input = at_most_one(m, m.inputs, "image", "input");
    if (s.image_input < 0 || m.inputs[s.image_input].dtype != DType::float32 ||
        m.inputs[s.image_input].shape.size() != 4)
        refuse(m, "an encoder needs one float32 input with role 'image', [-1, C, H, W]");
    s.image_shape.assign(m.inputs[s.image_input].shape.begin() + 1, m.inputs[s.image_input].shape.end());
    s.snr_input = at_most_one(m, m.inputs, "snr_db", "input");
    s.snr_width = s.snr_inputs == SnrInputs::none ? 0 : s.snr_inputs == SnrInputs::own ? 1 : s.receivers;
    const std::int64_t got = s.snr_input < 0 ? 0 : m.inputs[s.snr_input].item_numel();
    if (got != s.snr_width || (s.snr_input >= 0 && m.inputs[s.snr_input].dtype != DType::float32))
        refuse(m, "transmit.snr_inputs asks for " + std::to_string(s.snr_width) +
                    " float32 SNR values per frame, the 'snr_db' input has " + std::to_string(got));
    if (int(m.inputs.size()) != 1 + (s.snr_input >= 0 ? 1 : 0))
        refuse(m, "an encoder's inputs are its image and, per transmit.snr_inputs, snr_db");

    const auto n = m.channel_uses;
    s.end_index_output = at_most_one(m, m.outputs, "end_index", "output");
    if ((s.end_index_output >= 0) != s.variable_length)
        refuse(m, s.variable_length ? "transmit.side_info has end_index but no output has role 'end_index'"
                                    : "an 'end_index' output needs end_index in transmit.side_info");
    if (s.end_index_output >= 0 && (m.outputs[s.end_index_output].dtype != DType::int64 ||
                                    m.outputs[s.end_index_output].item_numel() != 1))
        refuse(m, "the 'end_index' output must be int64 [-1]");
    std::size_t expected_outputs = s.end_index_output >= 0 ? 1 : 0;
    s.keep_mask_output = at_most_one(m, m.outputs, "keep_mask", "output");
    if ((s.keep_mask_output >= 0) != s.keep_masks)
        refuse(m, s.keep_masks ? "transmit.side_info has keep_mask but no output has role 'keep_mask'"
                               : "a 'keep_mask' output needs keep_mask in transmit.side_info");
    if (s.keep_mask_output >= 0) {
        // Manifest checked its width against the codebook
        if (m.outputs[s.keep_mask_output].dtype != DType::int64)
            refuse(m, "the 'keep_mask' output must be int64, is " + m.outputs[s.keep_mask_output].describe());
        expected_outputs += 1;
    }
    switch (s.kind) {
    case TransmitKind::superposition:
    case TransmitKind::indices:
    case TransmitKind::codebook: {
        if (m.constellations.empty())
            refuse(m, std::string("a '") + transmit_kind_name(s.kind) + "' transmitter needs its constellations");
        for (const auto& c : m.constellations)
            s.layers.push_back(c.name);
        for (double a : m.alphas)
            s.alphas.push_back(float(a));
        if (s.alphas.empty() && s.layers.size() == 1)
            s.alphas = { 1.0f };
        const bool single = s.kind != TransmitKind::superposition;
        const char* role = single ? "indices" : "layer";
        const auto outs = all_with_role(m.outputs, role);
        if (outs.size() != s.layers.size())
            refuse(m, std::to_string(outs.size()) + " outputs with role '" + role + "' for " +
                        std::to_string(s.layers.size()) + " constellations");
        if (single && outs.size() != 1)
            refuse(m, std::string("an '") + transmit_kind_name(s.kind) +
                        "' transmitter has one constellation and one 'indices' output");
        for (int k : outs) {
            const auto& o = m.outputs[k];
            if (o.dtype != DType::int64 || o.item_numel() != n)
                refuse(m, "output '" + o.name + "' must be int64 with channel_uses = " + std::to_string(n) +
                            " indices per frame, is " + o.describe());
        }
        if (single)
            s.indices_output = outs.front();
        else
            s.layer_outputs = outs;
        s.codebook = m.codebook; // codebook: Manifest required and checked it
        expected_outputs += outs.size();
        break;
    }
    case TransmitKind::quantized:
    case TransmitKind::analog: {
        s.features_output = at_most_one(m, m.outputs, "features", "output");
        if (s.features_output < 0 || m.outputs[s.features_output].dtype != DType::float32 ||
            m.outputs[s.features_output].item_numel() != 2 * n)
            refuse(m, "a '" + std::string(transmit_kind_name(s.kind)) +
                        "' transmitter has one float32 'features' output of 2 * channel_uses = " +
                        std::to_string(2 * n) + " values");
        if (s.kind == TransmitKind::quantized) {
            if (!m.quantizer)
                refuse(m, "a 'quantized' transmitter needs its quantizer");
            s.quantizer_bits = m.quantizer->bits;
        } else {
            s.quantizer_bits = 8;
        }
        expected_outputs += 1;
        break;
    }
    case TransmitKind::separate:
        refuse(m, "the 'separate' scheme has no encoder network");
    }
    if (m.outputs.size() != expected_outputs)
        refuse(m, "outputs with roles the '" + std::string(transmit_kind_name(s.kind)) +
                    "' transmitter does not use");
    return s;
}

ReceiverSignature ReceiverSignature::from_decoder(const Manifest& m)
{
    ReceiverSignature s;
    fill_common(s, m, "decoder", "a");
    s.receiver = m.receiver.value_or(1);
    s.receivers = m.transmit.receivers;
    if (s.receiver > m.transmit.receivers)
        refuse(m, "receiver " + std::to_string(s.receiver) + " of a transmitter with " +
                    std::to_string(m.transmit.receivers) + " receivers");
    std::size_t expected_inputs = 0;
    if (s.kind == TransmitKind::codebook) {
        // posteriors and keep mask: their shapes against the codebook were checked by Manifest
        s.codebook = m.codebook;
        s.posteriors_input = at_most_one(m, m.inputs, "index_posteriors", "input");
        s.keep_mask_input = at_most_one(m, m.inputs, "keep_mask", "input");
        if (s.posteriors_input < 0 || m.inputs[s.posteriors_input].dtype != DType::float32)
            refuse(m, "a 'codebook' decoder needs a float32 'index_posteriors' input [-1, tokens x groups, size]");
        if (s.keep_mask_input < 0 || m.inputs[s.keep_mask_input].dtype != DType::float32)
            refuse(m, "a 'codebook' decoder needs a float32 'keep_mask' input [-1, tokens]");
        expected_inputs += 2;
    } else {
        s.symbols_input = at_most_one(m, m.inputs, s.kind == TransmitKind::separate ? "image" : "symbols", "input");
        if (s.kind != TransmitKind::separate &&
            (s.symbols_input < 0 || m.inputs[s.symbols_input].item_numel() != 2 * m.channel_uses))
            refuse(m, "a decoder needs a 'symbols' input [-1, channel_uses, 2] = " +
                        std::to_string(2 * m.channel_uses) + " values");
        expected_inputs += s.symbols_input >= 0 ? 1 : 0;
    }
    s.snr_input = at_most_one(m, m.inputs, "snr_db", "input");
    if (s.snr_input >= 0 && m.inputs[s.snr_input].item_numel() != 1)
        refuse(m, "a decoder's 'snr_db' input is its own SNR, [-1, 1]");
    expected_inputs += s.snr_input >= 0 ? 1 : 0;
    s.threshold_input = at_most_one(m, m.inputs, "exit_threshold", "input");
    s.exit_layer_output = at_most_one(m, m.outputs, "exit_layer", "output");
    if ((s.threshold_input >= 0) != (s.exit_layer_output >= 0))
        refuse(m, "a multi-exit decoder has an 'exit_threshold' input and an 'exit_layer' output, this one has " +
                    std::string(s.threshold_input >= 0 ? "only the input" : "only the output"));
    if (s.threshold_input >= 0) {
        const auto& t = m.inputs[s.threshold_input];
        if (t.dtype != DType::float32 || t.item_numel() != 1)
            refuse(m, "the 'exit_threshold' input must be float32 [-1, 1], is " + t.describe());
        const auto& e = m.outputs[s.exit_layer_output];
        if (e.dtype != DType::int64 || e.item_numel() != 1)
            refuse(m, "the 'exit_layer' output must be int64 [-1], is " + e.describe());
        if (!m.codebook)
            refuse(m, "a multi-exit decoder needs the 'codebook' object (codebook.decoder_layers)");
        if (s.snr_input < 0)
            refuse(m, "a multi-exit decoder needs an 'snr_db' input (its exits' certainty takes the SNR)");
        expected_inputs += 1;
    }
    if (m.inputs.size() != expected_inputs)
        refuse(m, "inputs with roles the decoder of a '" + std::string(transmit_kind_name(s.kind)) +
                    "' transmitter does not feed");
    s.logits_output = at_most_one(m, m.outputs, "logits", "output");
    s.image_output = at_most_one(m, m.outputs, "image", "output");
    if (s.logits_output < 0 && s.image_output < 0)
        refuse(m, "a decoder needs an output with role 'logits' or 'image'");
    if (s.logits_output >= 0) {
        const auto& logits = m.outputs[s.logits_output];
        s.classes = int(logits.item_numel());
        s.task = !logits.task.empty() ? logits.task : (m.tasks.empty() ? "fine" : m.tasks.front());
    } else {
        s.task = "image";
    }
    if (s.image_output >= 0) {
        s.image_numel = m.outputs[s.image_output].item_numel();
        s.image_shape.assign(m.outputs[s.image_output].shape.begin() + 1, m.outputs[s.image_output].shape.end());
    }
    const std::size_t r = std::size_t(s.receiver - 1);
    if (r < m.train_snr_db.size()) {
        s.train_snr = m.train_snr_db[r];
        s.has_train_snr = true;
    } else if (m.train_snr_db.size() == 1) {
        s.train_snr = m.train_snr_db.front();
        s.has_train_snr = true;
    }
    if (r < m.channels.size())
        s.channel = m.channels[r];
    return s;
}

void ReceiverSignature::check_matches(const Signature& tx) const
{
    std::string why;
    if (scheme != tx.scheme)
        why = "scheme '" + scheme + "' against '" + tx.scheme + "'";
    else if (kind != tx.kind)
        why = std::string("kind '") + transmit_kind_name(kind) + "' against '" + transmit_kind_name(tx.kind) + "'";
    else if (channel_uses != tx.channel_uses)
        why = std::to_string(channel_uses) + " channel uses against " + std::to_string(tx.channel_uses);
    else if (receiver > tx.receivers)
        why = "receiver " + std::to_string(receiver) + " of a transmitter with " + std::to_string(tx.receivers);
    if (!why.empty())
        throw std::invalid_argument(path + ": cannot decode the frames of '" + tx.path + "': " + why);
}

ModelBank::ModelBank(const std::vector<std::string>& paths, const ModelOptions& options)
{
    if (paths.empty())
        throw std::invalid_argument("model bank: no model");
    for (const auto& p : paths) {
        auto model = std::make_shared<Model>(p, options);
        d_members.push_back({ model, ReceiverSignature::from_decoder(model->manifest()) });
    }
    check();
}

ModelBank::ModelBank(std::vector<std::shared_ptr<Model>> models)
{
    if (models.empty())
        throw std::invalid_argument("model bank: no model");
    for (auto& m : models)
        d_members.push_back({ m, ReceiverSignature::from_decoder(m->manifest()) });
    check();
}

void ModelBank::check()
{
    const auto& first = d_members.front().signature;
    const auto& first_manifest = d_members.front().model->manifest();
    for (std::size_t k = 1; k < d_members.size(); ++k) {
        const auto& s = d_members[k].signature;
        const auto& m = d_members[k].model->manifest();
        if (s.scheme != first.scheme || s.kind != first.kind || s.channel_uses != first.channel_uses ||
            s.receiver != first.receiver || s.task != first.task || s.classes != first.classes ||
            s.image_numel != first.image_numel || s.logits_output != first.logits_output ||
            s.image_output != first.image_output || m.outputs.size() != first_manifest.outputs.size())
            throw std::invalid_argument(s.path + ": does not match '" + first.path +
                                        "' (scheme, channel uses, receiver, task or outputs): a bank "
                                        "shares one transmitter");
    }
    if (d_members.size() > 1)
        for (const auto& member : d_members)
            if (!member.signature.has_train_snr)
                throw std::invalid_argument(member.signature.path +
                                            ": has no train_snr_db for its receiver: cannot be in a bank");
}

std::size_t ModelBank::nearest(double snr) const
{
    if (std::isnan(snr))
        return 0;
    std::size_t best = 0;
    double best_d = INFINITY;
    for (std::size_t k = 0; k < d_members.size(); ++k) {
        const auto& t = d_members[k].signature.train_snr;
        const double d = snr < t.lo ? t.lo - snr : snr > t.hi ? snr - t.hi : 0.0;
        if (d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best;
}

} // namespace neural
} // namespace semcom
