/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BURST_RECEIVER_H
#define INCLUDED_SEMCOM_BURST_RECEIVER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>
#include <string>

namespace gr {
namespace semcom {

/*!
 * \brief Samples -> equalised payload symbols: the receiver of burst_transmitter's waveform.
 * \ingroup semcom
 *
 * Matched filter, Schmidl-Cox detection with CFO and timing, header decoded and CRC-checked,
 * CFO refined and a fractionally spaced equaliser fitted on the preamble, header and pilots
 * (semcom::WaveformReceiver). Each image of a good burst gives payload_symbols output symbols
 * tagged at their first with the frame info (gnuradio/semcom/frame_info.h): seq (the header's sequence
 * number, which the Metrics Sink matches with its original), scheme, model_id, snr_db (measured
 * on the known symbols) and, for quantized frames, the header's range and gain: what the Neural
 * Decoder and the Quantized Demapper read. Bursts with a bad header, another payload length or another scheme
 * are dropped and counted; the counts are logged at stop. spreading must be the transmitter's
 * (1, 2, 4, 8 or 16: the robust mode for receivers below ~5 dB, docs/frame-format.md).
 */
class SEMCOM_API burst_receiver : virtual public gr::block
{
public:
    typedef std::shared_ptr<burst_receiver> sptr;

    //! scheme: the expected header scheme (0: any); threshold: Schmidl-Cox detection threshold
    static sptr make(int payload_symbols, int scheme = 0, int sps = 4, float rolloff = 0.35f,
                     int pilots = 32, float threshold = 0.25f, int spreading = 1);

    virtual std::uint64_t bursts_detected() const = 0;
    virtual std::uint64_t header_errors() const = 0;
    virtual std::uint64_t frames_decoded() const = 0;
    //! Good headers of another payload length or scheme.
    virtual std::uint64_t frames_rejected() const = 0;
    //! Mean measured SNR (dB) of the decoded frames, NaN before the first.
    virtual double mean_snr_db() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
