/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every subcommand needs around its work: comma lists, the --json file, and running a
 * flowgraph that never ends by itself (a radio, a subscription) until its work is done.
 */
#ifndef SEMCOM_APPS_RUN_H
#define SEMCOM_APPS_RUN_H

#ifdef SEMCOM_HAVE_JSON
#include <nlohmann/json.hpp>
#endif
#ifdef SEMCOM_HAVE_GNURADIO
#include <gnuradio/top_block.h>
#endif

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace semcom::apps {

//! "a,b,,c" -> {"a", "b", "", "c"}; an empty text is an empty list.
std::vector<std::string> split_list(const std::string& text, char separator = ',');

#ifdef SEMCOM_HAVE_JSON
//! --json FILE: the results, indented; a path that cannot be written is an error.
void write_json_file(const std::string& path, const nlohmann::json& j);
#endif

#ifdef SEMCOM_HAVE_GNURADIO
/*!
 * \brief When to stop a flowgraph that does not end by itself, polled every 100 ms.
 *
 * Stops when done() says the work is complete (every image scored); when activity() (a counter
 * that grows while frames arrive) has not grown for idle_s seconds, counted from the start or,
 * with wait_for_first, only once it has grown at least once; after max_s seconds (0: no limit);
 * or on Ctrl-C. progress() is called every progress_s seconds. Empty functions are never asked.
 */
struct StopRule {
    std::function<bool()> done;
    std::function<std::uint64_t()> activity;
    double idle_s = 10.0;
    bool wait_for_first = false;
    double max_s = 0.0;
    std::function<void()> progress;
    double progress_s = 5.0;
};

enum class RunEnd {
    finished,    //!< the flowgraph ended by itself
    done,        //!< StopRule::done
    idle,        //!< no activity for idle_s
    time_limit,  //!< max_s
    interrupted  //!< Ctrl-C (SIGINT), caught while running
};

//! Starts tb and returns when the rule (or the flowgraph itself) ends it; says why.
RunEnd run_until_idle(const gr::top_block_sptr& tb, const StopRule& rule = {});
#endif

} // namespace semcom::apps

#endif
