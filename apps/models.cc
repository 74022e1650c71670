/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "models.h"
#include "run.h"

#include <semcom/scheme.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

namespace semcom::apps {

std::string model_prefix(const std::string& scheme, const std::string& models)
{
    if (!models.empty())
        return models;
    const auto* found = SchemeTable::instance().find(scheme);
    if (!found)
        throw std::invalid_argument("--scheme: unknown scheme '" + scheme + "' (" + SchemeTable::instance().names() +
                                    ")");
    const auto& row = *found;
    if (row.default_models.empty())
        throw std::invalid_argument("--scheme " + scheme + " ships no models: give --models PREFIX");
    return row.default_models;
}

ModelSet resolve_transmitter(const std::string& prefix)
{
    ModelSet m;
    m.prefix = prefix;
    m.encoder_path = prefix + "_encoder.json";
    if (!std::filesystem::exists(m.encoder_path))
        throw std::runtime_error("model not found: '" + m.encoder_path +
                                 "' (train and export one, see python/README.md)");
    m.transmitter = neural::Signature::from_encoder(neural::Manifest::load(m.encoder_path));
    return m;
}

namespace {

std::string join(const std::vector<std::string>& v)
{
    std::string out;
    for (const auto& x : v)
        out += (out.empty() ? "" : ",") + x;
    return out;
}

/*
 * PREFIX_rxK.json must be receiver K of this very encoder: its manifest's receiver number, its
 * transmitter's receiver count, the constellations and power shares it demaps, and (codebook) the
 * task the encoder serves receiver K. A swapped or stale file would otherwise decode the wrong
 * segment or with the wrong superposition, and score a wrong number without a word.
 */
void check_pairing(const neural::Manifest& rx, const neural::ReceiverSignature& sig, const neural::Signature& tx, int k)
{
    const std::string head = rx.path + ": cannot be receiver " + std::to_string(k) + " of '" + tx.path + "': ";
    if (sig.receiver != k)
        throw std::invalid_argument(head + "its manifest says receiver " + std::to_string(sig.receiver));
    if (sig.receivers != tx.receivers)
        throw std::invalid_argument(head + "it belongs to a transmitter of " + std::to_string(sig.receivers) +
                                    " receivers, this one serves " + std::to_string(tx.receivers));
    if (!rx.constellations.empty() && !tx.layers.empty()) {
        std::vector<std::string> names;
        for (const auto& c : rx.constellations)
            names.push_back(c.name);
        if (names != tx.layers)
            throw std::invalid_argument(head + "it demaps " + join(names) + ", the encoder sends " + join(tx.layers));
    }
    if (!rx.alphas.empty() && !tx.alphas.empty()) {
        bool same = rx.alphas.size() == tx.alphas.size();
        for (std::size_t l = 0; same && l < rx.alphas.size(); ++l)
            same = std::abs(rx.alphas[l] - double(tx.alphas[l])) <= 1e-6;
        if (!same) {
            std::vector<std::string> a, b;
            for (double v : rx.alphas)
                a.push_back(std::to_string(v));
            for (float v : tx.alphas)
                b.push_back(std::to_string(v));
            throw std::invalid_argument(head + "its power shares (alphas) are " + join(a) + ", the encoder's " + join(b));
        }
    }
    if (tx.codebook && std::size_t(k) <= tx.codebook->tasks.size() && tx.codebook->tasks[k - 1] != sig.task)
        throw std::invalid_argument(head + "its task is " + sig.task + ", the encoder serves receiver " +
                                    std::to_string(k) + " the task " + tx.codebook->tasks[k - 1]);
}

} // namespace

void add_receiver(ModelSet& m, int k, const std::string& what)
{
    const std::string p = m.prefix + "_rx" + std::to_string(k) + ".json";
    if (!std::filesystem::exists(p))
        throw std::runtime_error(what + ": model not found: '" + p + "'");
    const auto manifest = neural::Manifest::load(p);
    auto sig = neural::ReceiverSignature::from_decoder(manifest);
    sig.check_matches(m.transmitter);
    check_pairing(manifest, sig, m.transmitter, k);
    m.receiver_paths.push_back(p);
    m.receivers.push_back(std::move(sig));
}

ModelSet resolve_models(const std::string& prefix, std::size_t receivers)
{
    auto m = resolve_transmitter(prefix);
    if (receivers > std::size_t(m.transmitter.receivers))
        throw std::invalid_argument("--snr gives " + std::to_string(receivers) + " receivers but '" +
                                    m.encoder_path + "' serves " + std::to_string(m.transmitter.receivers));
    for (std::size_t r = 1; r <= receivers; ++r)
        add_receiver(m, int(r), "--snr gives " + std::to_string(receivers) + " receivers");
    return m;
}

std::vector<std::string> bank_prefixes(const std::string& bank, const ModelSet& models)
{
    std::vector<std::string> out;
    if (bank.empty())
        return out;
    if (bank == "auto") {
        // members beside the base models: PREFIX_decoders_* (fine-tuned receivers of the same transmitter)
        const std::filesystem::path base(models.prefix);
        const auto dir = base.has_parent_path() ? base.parent_path() : std::filesystem::path(".");
        const std::string stem = base.filename().string() + "_decoders_", tail = "_rx1.json";
        if (std::filesystem::is_directory(dir))
            for (const auto& e : std::filesystem::directory_iterator(dir)) {
                const std::string f = e.path().filename().string();
                if (f.rfind(stem, 0) == 0 && f.size() > stem.size() + tail.size() &&
                    f.compare(f.size() - tail.size(), tail.size(), tail) == 0)
                    out.push_back((dir / f.substr(0, f.size() - tail.size())).string());
            }
        std::sort(out.begin(), out.end());
        if (out.empty())
            throw std::invalid_argument("--bank auto: no " + (dir / stem).string() + "*" + tail);
        return out;
    }
    for (const auto& p : split_list(bank)) {
        if (!std::filesystem::exists(p + "_rx1.json"))
            throw std::invalid_argument("--bank: '" + p + "_rx1.json' does not exist");
        out.push_back(p);
    }
    return out;
}

} // namespace semcom::apps
