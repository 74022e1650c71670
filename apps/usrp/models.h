/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_USRP_MODELS_H
#define SEMCOM_APPS_USRP_MODELS_H

#include "usrp.h"

#include <semcom/neural/manifest.h>

#include <string>
#include <vector>

namespace semcom::apps {

//! The manifests of --scheme / --models and the radio parameters they imply.
struct ModelSet {
    std::string prefix, encoder_path, decoder_path;
    neural::Manifest encoder, decoder; //!< decoder: rx only
    bool quantized = false;
    int n = 0, scheme_code = 0, bits = 8;
    std::vector<std::string> layers;
    std::vector<float> alphas;
};

//! Finds and checks the models of a tx (encoder) or rx (encoder and this receiver's decoder).
ModelSet resolve_models(const UsrpOptions& o);

} // namespace semcom::apps

#endif
