/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * (Transitional) the old helpers of the USRP subcommands, now answered by the scheme table
 * (semcom/scheme.h) and apps/run.h.
 */
#ifndef SEMCOM_APPS_FLOWGRAPH_COMMON_H
#define SEMCOM_APPS_FLOWGRAPH_COMMON_H

#include "models.h"
#include "run.h"

#include <semcom/scheme.h>

#include <string>

namespace semcom::apps {

inline std::string scheme_model_prefix(const std::string& scheme, const std::string& models)
{
    return model_prefix(scheme, models);
}

inline int frame_scheme_code(const std::string& manifest_scheme)
{
    const auto* row = SchemeTable::instance().find(manifest_scheme);
    return row ? row->header_code : 0;
}

} // namespace semcom::apps

#endif
