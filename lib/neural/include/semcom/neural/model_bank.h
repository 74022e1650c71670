/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_NEURAL_MODEL_BANK_H
#define SEMCOM_NEURAL_MODEL_BANK_H

#include <semcom/neural/model.h>
#include <semcom/neural/signature.h>

#include <memory>
#include <string>
#include <vector>

namespace semcom {
namespace neural {

/*!
 * \brief Decoders of one receiver for the same transmitter, trained at different SNRs; each
 * frame goes to the one trained nearest its SNR (the DeepSCM paper's deployment advice, DESIGN §5).
 *
 * One path is a bank of one. Members must agree on everything but their training SNR: scheme,
 * kind, channel uses, receiver, task, outputs (std::invalid_argument naming the two files
 * otherwise); with more than one member each needs its receiver's train_snr_db.
 */
class ModelBank
{
public:
    struct Member {
        std::shared_ptr<Model> model;
        ReceiverSignature signature;
    };

    //! Loads every path (Model's checks included) with \p options.
    ModelBank(const std::vector<std::string>& paths, const ModelOptions& options);
    //! From models loaded elsewhere.
    explicit ModelBank(std::vector<std::shared_ptr<Model>> models);

    std::size_t size() const { return d_members.size(); }
    const Member& member(std::size_t k) const { return d_members.at(k); }
    //! The first member's signature (all members share it but for the training SNR).
    const ReceiverSignature& signature() const { return d_members.front().signature; }

    /*!
     * The member whose training SNR range is nearest \p snr_db (distance 0 inside a range; the
     * first on a tie). A NaN SNR goes to member 0.
     */
    std::size_t nearest(double snr_db) const;

private:
    void check();
    std::vector<Member> d_members;
};

} // namespace neural
} // namespace semcom

#endif
