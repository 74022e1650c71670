/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_FRAME_INFO_H
#define INCLUDED_SEMCOM_FRAME_INFO_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/tags.h>
#include <pmt/pmt.h>

#include <optional>
#include <vector>

namespace gr {
namespace semcom {

/*!
 * \brief The one frame-info tag: everything known about a frame travels in one PMT dict.
 *
 * Key "semcom_frame", on the first item of each frame (image vector, index stream, symbols,
 * decoded outputs). Each block along the chain reads the dict it receives, adds or replaces the
 * fields it knows and passes it on (the gr-lora_sdr habit, DESIGN §3):
 *
 * | field | type | set by |
 * |---|---|---|
 * | seq, fine, coarse, index | long | image_source (sequence number, labels, test-set index) |
 * | scheme | long | semantic_encoder, burst_receiver: the scheme table's header code |
 * | end_index | long | semantic_encoder (variable-length schemes): symbols to send |
 * | bits, z_min, z_max, gain, values, sent | long, double | quantized_mapper, burst_receiver: quantizer side information |
 * | h | complex | broadcast_channel (genie CSI of the frame's fading block) |
 * | noise_var | double | broadcast_channel: noise variance sigma^2 of the channel |
 * | snr_db | double | broadcast_channel (channel SNR), replaced by equaliser (|h|^2 / sigma^2) and burst_receiver (measured) |
 * | snr_db_used | f32vector | semantic_encoder (models that take SNRs): the SNR values it encoded the frame with; burst_receiver (from the burst's side information) |
 * | keep_mask | u8vector | semantic_encoder (codebook): every receiver's keep mask, receivers x tokens bytes 0/1, receiver-major; burst_receiver (side information) |
 * | exit_layer | long | neural_decoder (multi-exit decoders): the exit the frame took, 1-based |
 *
 * A block that finds no frame-info tag on a frame starts a new dict with its own fields.
 */
namespace frame_info {

//! "semcom_frame".
SEMCOM_API const pmt::pmt_t& key();

//! \p info (a dict, or PMT_NIL for none yet) with \p field set to \p value.
SEMCOM_API pmt::pmt_t with(const pmt::pmt_t& info, const char* field, const pmt::pmt_t& value);
//! The numeric field, if present and a number.
SEMCOM_API std::optional<double> number(const pmt::pmt_t& info, const char* field);
//! The field as a PMT, PMT_NIL if absent (or \p info is not a dict).
SEMCOM_API pmt::pmt_t get(const pmt::pmt_t& info, const char* field);
/*!
 * The SNR in dB measured on this frame, what a receiver averages for its SNR report: with the
 * channel's CSI (h and noise_var, broadcast_channel; the equaliser keeps them) the instantaneous
 * |h|^2 / noise_var, which for a fading channel differs from the nominal snr_db the channel also
 * writes; else snr_db (the burst receiver's per-frame pilot estimate at waveform level); nullopt
 * when the frame carries neither.
 */
SEMCOM_API std::optional<double> measured_snr_db(const pmt::pmt_t& info);
//! The frame-info tag among \p tags (the last one if several), PMT_NIL if none.
SEMCOM_API pmt::pmt_t find(const std::vector<gr::tag_t>& tags);

} // namespace frame_info
} // namespace semcom
} // namespace gr

#endif
