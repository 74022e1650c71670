/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The users file of `semcom alloc` (docs/allocation.md): budgets, users (listed or dropped in a
 * cell), service levels and η, read into semcom::alloc types; and the multi-user run.
 */
#ifndef SEMCOM_APPS_ALLOC_SCENARIO_H
#define SEMCOM_APPS_ALLOC_SCENARIO_H

#include "alloc.h"

#include <semcom/allocation.h>
#include <semcom/asc.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace semcom::apps {

//! The `asc` object of an ASC model manifest (docs/model-manifest.md), read once.
struct AscManifest {
    std::string file;
    int features = 0;
    int bits_per_feature = 8;
    std::vector<int> order; //!< least important first, a permutation of 0 .. K-1
    nlohmann::json eta;     //!< the asc.eta entries

    //! η of path "digital", or "analog" at \p snr_db: the fit, or with \p measured the points;
    //! std::invalid_argument "FILE: what" when there is none or it is malformed.
    alloc::EtaModel eta_model(const std::string& path, double snr_db, bool measured) const;
};
//! Reads the manifest at \p file; std::invalid_argument ("cannot read FILE", "FILE: what").
AscManifest read_asc_manifest(const std::string& file);

//! What a users file's η specification resolves to.
struct EtaSource {
    alloc::EtaModel eta;
    int features = 0;         //!< K of the ASC models it came from (0: none)
    int bits_per_feature = 0;
    std::string models;       //!< their prefix ("" if none)
};

struct Scenario {
    std::string path;
    alloc::Budget budget;
    std::vector<double> service_levels;  //!< weight of level n (1-based in the file)
    nlohmann::json defaults;             //!< fields every user inherits
    std::optional<EtaSource> default_eta; //!< defaults.eta, resolved once
    std::vector<alloc::User> listed;     //!< the `users` array, read once (empty: dropped in the cell)
    std::optional<asc::Cell> cell;
    std::size_t cell_users = 0;
    std::uint64_t cell_seed = 1;
    int features = 0;                    //!< K when every user's η comes from ASC models with the same K
    std::string models;                  //!< the ASC model prefix of the η manifest ("" if none)
};

//! Reads and checks the file; std::invalid_argument with "CONFIG: where: what" on bad input.
Scenario load_scenario(const std::string& path);
//! The users: the listed ones, or cell_users dropped in the cell with \p seed.
std::vector<alloc::User> users_of_drop(const Scenario& scenario, std::uint64_t seed);

nlohmann::json budget_json(const alloc::Budget& budget);
nlohmann::json users_json(const std::vector<alloc::User>& users);

/*!
 * The multi-user run (alloc_run.cc): every user's frames through the ASC encoder, its keep mask for
 * the allocated ratio, the 8-bit quantizer and its uplink (a half-normal gain per frame, delivered
 * iff its rate carries the kept bits in time), the receiver's zero-fill and classifier; measured
 * success against the scheduler's prediction η(o)·2Q(x), per user.
 */
nlohmann::json run_allocation(const AllocOptions& options,
                              const Scenario& scenario,
                              const alloc::Scheduler& scheduler,
                              const alloc::Allocation& allocation);

} // namespace semcom::apps

#endif
