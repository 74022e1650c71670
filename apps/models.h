/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The models a run uses: from --scheme (the scheme table's default prefix) or --models, checked
 * once: the transmitter's Signature, each receiver's, and that they belong together.
 */
#ifndef SEMCOM_APPS_MODELS_H
#define SEMCOM_APPS_MODELS_H

#include <semcom/neural/signature.h>

#include <string>
#include <vector>

namespace semcom::apps {

struct ModelSet {
    std::string prefix;                           //!< PREFIX of PREFIX_encoder.json, PREFIX_rxK.json
    std::string encoder_path;
    neural::Signature transmitter;
    std::vector<std::string> receiver_paths;       //!< in the order they were added
    std::vector<neural::ReceiverSignature> receivers;
};

//! --models when given, else the scheme table's default models of \p scheme.
std::string model_prefix(const std::string& scheme, const std::string& models);

//! Loads and checks PREFIX_encoder.json (its Signature) only.
ModelSet resolve_transmitter(const std::string& prefix);
//! Adds receiver \p k's PREFIX_rxK.json, checked against the transmitter; \p what names the
//! option that asked for it in the error of a missing file.
void add_receiver(ModelSet& models, int k, const std::string& what);

/*!
 * Loads and checks PREFIX_encoder.json and PREFIX_rx1.json .. PREFIX_rxN.json (N = \p receivers):
 * each file exists (the error says how to get one), each receiver can decode the transmitter's
 * frames (neural::ReceiverSignature::check_matches). Throws with one line naming the file.
 */
ModelSet resolve_models(const std::string& prefix, std::size_t receivers);

/*!
 * A decoder bank's member prefixes: "" none; "auto" every models/SCHEME_decoders_* (or
 * PREFIX_decoders_*) beside the shipped ones; else a comma-separated list of prefixes, each
 * with its _rx1.json.
 */
std::vector<std::string> bank_prefixes(const std::string& bank, const ModelSet& models);

} // namespace semcom::apps

#endif
