/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every subcommand that runs a flowgraph needs: running until the frames stop, the --json file.
 */
#ifndef SEMCOM_APPS_RUN_H
#define SEMCOM_APPS_RUN_H

#include <gnuradio/top_block.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

namespace semcom::apps {

/*!
 * Starts \p tb and stops it when \p done() holds, when \p progress() has not changed for
 * \p idle_s seconds, or when the flowgraph ends by itself; returns the last progress count.
 * For receivers whose source never ends (a subscription, a radio).
 */
long run_until_idle(gr::top_block& tb, const std::function<long()>& progress, const std::function<bool()>& done,
                    double idle_s);

//! --json FILE: the results, indented; a path that cannot be written is an error.
void write_json_file(const std::string& path, const nlohmann::json& j);

} // namespace semcom::apps

#endif
