/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_SEMANTIC_ENCODER_IMPL_H
#define INCLUDED_SEMCOM_SEMANTIC_ENCODER_IMPL_H

#include "neural_util.h"

#include <gnuradio/semcom/semantic_encoder.h>
#include <semcom/neural/signature.h>
#include <semcom/codebook.h>
#include <semcom/snr_feedback.h>

#include <atomic>
#include <mutex>
#include <optional>

namespace gr {
namespace semcom {

/*!
 * The encoder of one transmitter, as its Signature says: K byte outputs of indices (superposition,
 * indices) or one float vector of 2n features (quantized, analog); snr_width SNR values per frame.
 */
class semantic_encoder_impl : public semantic_encoder
{
public:
    semantic_encoder_impl(std::shared_ptr<nn::Model> model, nn::Signature signature);

    //! For semcom.transmitter: the model and what it means for the radio, loaded once.
    static sptr make_from(std::shared_ptr<nn::Model> model, const nn::Signature& signature);

    void set_snr(float snr_db) override;
    void set_snrs(const std::vector<float>& snr_db) override;
    std::vector<float> snrs() const override;
    void set_feedback(bool on) override;
    bool feedback() const override;
    long reports_ignored() const override { return d_reports_ignored; }
    int snr_width() const override { return d_sig.snr_width; }
    int channel_uses() const override { return d_sig.channel_uses; }
    int num_outputs() const override { return int(output_signature()->max_streams()); }
    std::string device_name() const override { return d_model->device_name(); }
    long frames_dropped() const override { return d_dropped; }
    double mean_symbols_sent() const override;
    const nn::Signature& signature() const { return d_sig; }

    void forecast(int noutput_items, gr_vector_int& required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;

private:
    bool features() const { return d_sig.features_output >= 0; }
    //! parse_snr_message, then applied: reports merged into the table (clamped, changes logged).
    void handle_snr_message(const pmt::pmt_t& msg);

    std::shared_ptr<nn::Model> d_model;
    const nn::Signature d_sig;
    mutable std::mutex d_snr_lock;
    //! snr_width values (receiver order), clamped to the trained ranges when reported; one value
    //! kept when the model takes none
    ::semcom::SnrTable d_snr;
    std::vector<float> d_configured; //!< the values last set explicitly: what feedback off returns to
    bool d_feedback = true;
    std::atomic<long> d_reports_ignored{ 0 };
    std::vector<int> d_index_outputs; //!< model outputs that become byte streams, in stream order
    std::vector<unsigned> d_orders;   //!< each byte stream's constellation order: indices must be below it
    std::optional<::semcom::CodebookLayout> d_layout; //!< codebook: the frame layout
    std::atomic<long> d_dropped{ 0 };
    std::atomic<long> d_frames_sent{ 0 };
    std::atomic<double> d_symbols_sent{ 0.0 };
};

} // namespace semcom
} // namespace gr

#endif
