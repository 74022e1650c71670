/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * semcom: the gr-semcom command-line program, one subcommand per job.
 */
#include "loopback.h"
#ifdef SEMCOM_HAVE_JSON
#include "alloc.h"
#endif
#ifdef SEMCOM_HAVE_SIMULATE
#include "simulate.h"
#endif
#ifdef SEMCOM_HAVE_USRP
#include "usrp/usrp.h"
#endif

#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

int main(int argc, char** argv)
{
    CLI::App app{ "gr-semcom: semantic broadcast communication transceiver" };
    app.require_subcommand(1);
    semcom::apps::LoopbackOptions loopback;
    semcom::apps::add_loopback_command(app, loopback);
#ifdef SEMCOM_HAVE_JSON
    semcom::apps::AllocOptions alloc;
    semcom::apps::add_alloc_command(app, alloc);
#endif
#ifdef SEMCOM_HAVE_SIMULATE
    semcom::apps::SimulateOptions simulate;
    semcom::apps::add_simulate_command(app, simulate);
#endif
#ifdef SEMCOM_HAVE_USRP
    semcom::apps::UsrpOptions tx, rx;
    semcom::apps::add_usrp_commands(app, tx, rx);
#endif
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (app.got_subcommand("loopback"))
            return semcom::apps::run_loopback(loopback);
#ifdef SEMCOM_HAVE_JSON
        if (app.got_subcommand("alloc"))
            return semcom::apps::run_alloc(alloc);
#endif
#ifdef SEMCOM_HAVE_SIMULATE
        if (app.got_subcommand("simulate"))
            return semcom::apps::run_simulate(simulate);
#endif
#ifdef SEMCOM_HAVE_USRP
        if (app.got_subcommand("tx"))
            return semcom::apps::run_usrp(tx);
        if (app.got_subcommand("rx"))
            return semcom::apps::run_usrp(rx);
#endif
    } catch (const std::exception& e) {
        // one line: LibTorch's errors carry their C++ stack trace after the first
        const std::string what = e.what();
        std::cerr << "semcom: error: " << what.substr(0, what.find('\n')) << "\n";
        return 1;
    }
    return 0;
}
