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

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace semcom::apps {

/*!
 * A CLI check: a finite number in [lo, hi]. (CLI::Range lets NaN through, every comparison with
 * NaN being false, and a number beyond double's range would become infinite.) \p unit, if given,
 * follows the bounds in the message, e.g. "dB".
 */
CLI::Validator finite_in(double lo, double hi, const std::string& unit = "");

//! Refuses a path the results cannot be written to (a missing folder, no permission) before the
//! run, not after it; nothing is written (a full disk shows when the results are written).
void check_writable(const std::string& option, const std::string& path);

//! Creates \p dir (and its parents) and checks that files can be written in it.
void check_writable_dir(const std::string& option, const std::string& dir);

//! \p text quoted for a POSIX shell (single quotes), for commands that are printed, never run.
std::string shell_quote(const std::string& text);

//! "a,b,,c" -> {"a", "b", "", "c"}; an empty text is an empty list.
std::vector<std::string> split_list(const std::string& text, char separator = ',');

#ifdef SEMCOM_HAVE_JSON
//! --json FILE: the results, indented; a path that cannot be written, or a write that fails (a
//! full disk), is an error.
void write_json_file(const std::string& path, const nlohmann::json& j);
#endif

#ifdef SEMCOM_HAVE_GNURADIO
enum class RunEnd {
    finished,    //!< the flowgraph ended by itself
    done,        //!< StopRule::done
    idle,        //!< no activity for idle_s
    time_limit,  //!< max_s
    interrupted  //!< Ctrl-C (SIGINT), caught while running
};

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
    //! Called when the rule (not the flowgraph itself) ends the run, just before tb->stop().
    std::function<void(RunEnd)> before_stop;
};


//! Starts tb and returns when the rule (or the flowgraph itself) ends it; says why.
RunEnd run_until_idle(const gr::top_block_sptr& tb, const StopRule& rule = {});
#endif

} // namespace semcom::apps

#endif
