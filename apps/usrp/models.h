/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_USRP_MODELS_H
#define SEMCOM_APPS_USRP_MODELS_H

#include "../models.h"
#include "usrp.h"

namespace semcom::apps {

/*!
 * The models of a tx (the encoder) or an rx (and this receiver's decoder), from the scheme table's
 * default models or --models; refuses what has no over-the-air path yet (an encoder that takes
 * the receivers' SNRs, separate coding) with one line.
 */
ModelSet resolve_usrp_models(const UsrpOptions& o);

} // namespace semcom::apps

#endif
