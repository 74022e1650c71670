/* -*- c++ -*- */
/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef SEMCOM_SEPARATE_SIMULATION_H
#define SEMCOM_SEPARATE_SIMULATION_H

#include <semcom/channel.h>
#include <semcom/equaliser.h>
#include <semcom/images.h>
#include <semcom/jpeg_codec.h>
#include <semcom/separate/link.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

/*!
 * \file
 * The separate source-channel coding baseline's simulation (`semcom simulate --scheme separate`),
 * without GNU Radio's scheduler: each image -> JPEG (semcom::JpegCodec, the highest quality that
 * fits the MCS's payload) -> SeparateLink (CRC-32, LDPC rate-matched to n symbols of Gray QAM)
 * -> the broadcast's channels (semcom::BroadcastChannel) -> zero forcing with the genie CSI -> the
 * link's receiver -> JPEG decoding -> a classifier given by the caller. A frame whose CRC fails,
 * or whose image did not fit even at JPEG quality 1, shows the fallback image and classes (the
 * training-set mean image and most frequent classes): the cliff.
 */

namespace semcom::separate {

struct SimulationConfig {
    BroadcastConfig broadcast;     //!< one channel per receiver
    std::vector<std::size_t> mcs;  //!< candidates: indices into mcs_table() (mcs_candidates())
    int channel_uses = 0;          //!< n: symbols per image
    std::uint64_t seed = 1;        //!< channels: seed + 1000003 * (the MCS's place in the table)
    std::string alist;             //!< the LDPC mother code; empty: default_alist_path()
    double crc_target = 0.99;      //!< link adaptation (best_link) when there are several MCS
    std::size_t classify_batch = 64; //!< images per call of the classifier
};

//! What a receiver shows when it has no decoded image: an image and its classes.
struct Fallback {
    std::vector<float> image;
    int fine = 0, coarse = 0;
};
//! The mean image and the most frequent fine and coarse classes of \p train.
Fallback fallback_of(const ImageSet& train);

/*!
 * The classifier of the images shown: \p count CHW images (contiguous) -> the predicted fine and
 * coarse class of each. Called in batches of SimulationConfig::classify_batch.
 */
using Classifier = std::function<void(const float* images, std::size_t count, int* fine, int* coarse)>;

//! One receiver under the MCS chosen for it.
struct ReceiverResult {
    std::size_t link = 0;               //!< index into Simulation::links()
    std::vector<double> crc_ok_by_link; //!< fraction of frames whose CRC checked, per link
    double crc_ok = 0;                  //!< that of the chosen link
    double fits = 0;                    //!< fraction of images that fitted the payload at quality >= 1
    double decoded = 0;                 //!< fraction of images decoded and shown
    double jpeg_quality_mean = 0;       //!< over the images shown (0 when none)
    double accuracy_fine = 0, accuracy_coarse = 0;
    double psnr_db = 0, ssim = 0;       //!< semcom::ImageScorer, means over every image
};

//! Seconds spent per stage.
struct StageSeconds {
    double jpeg_enc = 0, tx = 0, channel = 0, rx = 0, jpeg_dec = 0, classify = 0;
    double total() const { return jpeg_enc + tx + channel + rx + jpeg_dec + classify; }
    //! Each stage with its name ("jpeg encode (to budget)", ...), in the order of the run.
    std::vector<std::pair<std::string, double>> stages() const;
};

/*!
 * \brief The baseline over a set of images: source_code() makes the JPEGs (once per payload
 * size), transmit() sends every image with every candidate MCS to every receiver, score() picks
 * each receiver's MCS (best_link) and measures what it shows.
 *
 * Each MCS has its own channel realisations (seeded from its place in the MCS table), so a run
 * with one MCS reproduces that MCS's frames of a run with several.
 */
class Simulation
{
public:
    //! The first min(count, images.size()) images of \p images, which must outlive the simulation.
    Simulation(const ImageSet& images, std::size_t count, Fallback fallback, SimulationConfig config);

    const SimulationConfig& config() const { return d_config; }
    std::size_t images() const { return d_images; }
    const std::vector<SeparateLink>& links() const { return d_links; }

    void source_code();
    void transmit();
    //! After transmit(): every receiver's result (and its choice of MCS).
    std::vector<ReceiverResult> score(const Classifier& classify);

    //! Mean symbols sent per image (after transmit()).
    double symbols_per_image() const;
    //! What \p receiver shows for image \p i under its chosen MCS (after score()).
    const float* shown_image(std::size_t receiver, std::size_t i) const;
    const StageSeconds& seconds() const { return d_seconds; }
    //! Rows of a picture (write_png_grid): the first \p count images, then what each receiver shows.
    std::vector<std::vector<const float*>> image_rows(std::size_t count) const;

private:
    //! One receiver under one MCS: what it shows for every image.
    struct Outcome {
        std::vector<float> recon;        // images x D
        std::vector<std::uint8_t> shown; // decoded image shown (CRC ok and an image fitted)
        std::size_t crc_ok = 0, fits = 0, decoded = 0;
        double quality_sum = 0;
    };

    void receive_one(std::size_t c, std::size_t r, std::size_t i, const std::vector<cfloat>& x, Channel& ch);

    const ImageSet& d_set;
    const SimulationConfig d_config;
    const std::size_t d_images, d_D;
    const int d_n;
    const Fallback d_fallback;
    JpegCodec d_codec;
    std::vector<SeparateLink> d_links;
    std::map<std::size_t, std::vector<std::vector<std::uint8_t>>> d_payloads; // payload bytes -> per image
    std::map<std::size_t, std::vector<int>> d_qualities;
    std::vector<std::vector<Outcome>> d_outcomes; // [receiver][candidate]
    std::vector<std::size_t> d_chosen;            // per receiver: its candidate
    std::size_t d_symbols_sent = 0, d_frames_sent = 0;
    StageSeconds d_seconds;
    const Equaliser d_zf{ EqualiserKind::zf };
    std::vector<cfloat> d_y, d_h, d_z;
    std::vector<float> d_nv;
    std::vector<std::uint8_t> d_got;
};

} // namespace semcom::separate

#endif
