/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_APPS_SIMULATE_H
#define SEMCOM_APPS_SIMULATE_H

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace semcom::apps {

struct SimulateOptions {
    std::string scheme = "deepscm";                   //!< picks the shipped models
    std::string models;                                //!< a model prefix instead of --scheme
    std::vector<std::string> channels{ "awgn" };
    bool channel_given = false; //!< --channel was given (else the manifests' trained channels, if any)
    std::vector<float> snrs{ -5.0f, 20.0f };
    std::string fading = "block";
    int images = 1000;
    std::uint64_t seed = 1;
    std::string device = "auto";
    std::string json;
    std::string out_dir = "semcom-simulate"; //!< relative to the current folder (not the tracked results/)
    bool quiet = false;
    // Receivers in other processes or hosts: the transmitter publishes its symbols (with their
    // tags) over ZeroMQ, each receiver subscribes and applies its own channel.
    std::string role = "all"; //!< all | tx | rx
    std::string address = "tcp://127.0.0.1:5555";
    int receiver = 1;          //!< rx: which receiver (1-based) of --snr / --channel this is
    int start_delay_ms = 3000; //!< tx: wait for the receivers to subscribe
    std::string sweep;            //!< "LO:HI:STEP" dB: every receiver at each SNR in turn
    bool bench = false;           //!< per-block share of the run time (GNU Radio counters)
    double target_rate = 100e3;   //!< symbols/s that count as real time
    double idle_timeout_s = 10.0; //!< stop when no frame moved for this long
    bool strict = false;          //!< exit non-zero when any frame sent was not scored
    // --scheme separate (JPEG + LDPC + QAM: semcom::separate::Simulation, apps/separate.h)
    std::string mcs = "auto"; //!< auto: per receiver the best MCS that decodes; or one MCS for all
    int channel_uses = 0;     //!< 0: those of the shipped DeepSCM models
    // Waveform level: bursts (preamble, coded header, pilots) shaped and sent through gr-channels
    // impairments, then detected, synchronised and equalised by burst_receiver.
    bool waveform = false;
    std::string impairments = "realistic"; //!< none | realistic (CFO, clock offset, multipath)
    int sps = 4;                           //!< samples per symbol of the waveform
    int images_per_burst = 8;              //!< images in one burst (docs/frame-format.md, version 2)
    int spreading = 0;                     //!< preamble/header/pilot spreading; 0: for the weakest --snr
    //! Decoder bank: "auto" (every PREFIX_decoders_* beside the models) or model prefixes, comma separated;
    //! each receiver decodes every frame with the member trained nearest the frame's SNR.
    std::string bank;
    // SNR feedback (DeepBroadcast): each receiver's snr_report drives the encoder's SNR inputs.
    bool feedback = false;
    float feedback_start = -5.0f;   //!< the encoder's SNRs until the first reports
    int report_every = 16;          //!< frames between a receiver's reports
    double report_weight = 1.0 / 32; //!< EWMA weight of the receivers' SNR estimates
    std::string feedback_address = "tcp://127.0.0.1:5556"; //!< --role tx / rx: the reports over ZeroMQ
    // Receivers by task (U-DeepSC: image, fine, coarse); empty: every receiver --snr gives.
    std::vector<std::string> tasks;
    // Multi-exit decoders (codebook schemes): δ_e (0: each manifest's default) and hard decisions.
    float exit_threshold = 0.0f;
    bool hard_decisions = false;
};

void add_simulate_command(CLI::App& app, SimulateOptions& options);
//! The receivers given by --snr, checked against --channel (one, or one per receiver).
std::size_t receiver_count(const SimulateOptions& options);
int run_simulate(const SimulateOptions& options);

} // namespace semcom::apps

#endif
