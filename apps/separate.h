/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_SEPARATE_H
#define SEMCOM_APPS_SEPARATE_H

#include <nlohmann/json.hpp>

namespace semcom::apps {

struct SimulateOptions;

//! `semcom simulate --scheme separate`: the same JSON shape as the semantic schemes' runs.
//! The link (CRC + LDPC + QAM) and its MCS table are semcom::separate (lib/separate).
nlohmann::json simulate_separate(const SimulateOptions& options);

} // namespace semcom::apps

#endif
