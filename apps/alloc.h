/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_ALLOC_H
#define SEMCOM_APPS_ALLOC_H

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>

namespace semcom::apps {

struct AllocOptions {
    std::string config;                  //!< users, budgets, η (JSON; docs/allocation.md)
    std::string algorithm = "crra";      //!< crra | crra-weighted | crraus | fcr | fra | msr | all
    double fcr_ratio = 0.8;
    std::string resources = "direct";    //!< direct | sca
    std::string selection = "demand";    //!< demand | paper | exact
    std::string success = "exponential"; //!< the model the optimiser maximises
    bool polish = false;
    double ratio_step = 0.0;             //!< 0: 1/K when every user's K is known, else 0.01
    std::string json;
    std::string sweep;                   //!< NAME=START:STOP:STEP or NAME=START:STOP:xN (log)
    std::string curves;                  //!< NAME=v1,v2,...: one sweep per value
    std::string csv;
    int drops = 0;                       //!< user drops per sweep point (0: 5 with a cell, else 1)
    std::uint64_t seed = 0;              //!< 0: the config's cell seed
    int threads = 0;                     //!< sweep workers (0: the cores)
    // The multi-user run driven by the allocation (needs the ASC models of the η manifest).
    int simulate = 0;                    //!< frames per user (0: no run)
    std::string images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
    std::string labels = "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz";
    std::string device = "cpu";
    bool quiet = false;
};

void add_alloc_command(CLI::App& app, AllocOptions& options);
int run_alloc(const AllocOptions& options);

} // namespace semcom::apps

#endif
