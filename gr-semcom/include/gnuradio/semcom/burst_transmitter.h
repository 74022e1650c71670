/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_BURST_TRANSMITTER_H
#define INCLUDED_SEMCOM_BURST_TRANSMITTER_H

#include <gnuradio/block.h>
#include <gnuradio/semcom/api.h>

#include <cstdint>

namespace gr {
namespace semcom {

/*!
 * \brief Mapper symbols -> shaped bursts: preamble | coded header | pilots | payload, RRC pulse.
 * \ingroup semcom
 *
 * Every images_per_burst images of payload_symbols input symbols (as a mapper writes them)
 * become one burst of docs/frame-format.md (version 2), root-raised-cosine shaped at sps samples
 * per symbol and scaled by amplitude, in a slot of burst_samples(): the burst, then zeros (at
 * least gap). The header's sequence number is the first image's ("seq" of its frame-info
 * ("semcom_frame") tag, else a counter); a burst ends early where the sequence numbers jump, and
 * an image with quantizer side information (range, gain, end index, from its frame info) goes in
 * a burst of its own. At the end of the stream the images left go in a last, shorter burst.
 * Side information the header has no room for travels in a CRC-protected block after the pilots
 * (docs/frame-format.md), up to side_info_bytes per burst (the slot reserves them; 0: none): each
 * image's keep masks ("keep_mask" of its frame info, U-DeepSC) and the encoder's SNRs
 * ("snr_db_used", DeepBroadcast). A burst ends early where the encoder's SNRs change or the next
 * image's keep mask would not fit; an image whose side information does not fit at all goes out
 * without it, warned and counted (side_info_unsent()). transmitter::make sizes the budget from
 * the encoder's manifest.
 * spreading (1, 2, 4, 8, 16) sends the preamble, header and pilots that many times longer, for
 * receivers below ~5 dB (their burst_receiver must use the same spreading). Every burst starts with a "tx_sob" tag and ends with a
 * "tx_eob" tag (UHD burst mode); with start_time >= 0 the first burst also carries "tx_time"
 * (seconds on the USRP's clock), so that all receivers see one timed broadcast.
 * Symbol SNR at a receiver = amplitude^2 / (noise variance per sample): the pulse has unit energy.
 */
class SEMCOM_API burst_transmitter : virtual public gr::block
{
public:
    typedef std::shared_ptr<burst_transmitter> sptr;

    //! scheme: a header code of the scheme table (semcom/scheme.h: 1 DeepSCM, 2 CM, 3 MIJSCC, 4 A-MIJSCC, 5
    //! separate, ...); layers: K (0 quantized)
    static sptr make(int payload_symbols, int scheme, int model_id = 0, int layers = 2, int sps = 4,
                     float rolloff = 0.35f, int pilots = 32, int gap = 1000, float amplitude = 1.0f,
                     double start_time = -1.0, int images_per_burst = 1, int spreading = 1,
                     int side_info_bytes = 0);

    //! Samples per slot: the longest burst and its gap.
    virtual int burst_samples() const = 0;
    virtual std::uint64_t bursts_sent() const = 0;
    virtual std::uint64_t images_sent() const = 0;
    //! Images whose frame info had side information (keep masks, encoder SNRs) that did not fit side_info_bytes.
    virtual std::uint64_t side_info_unsent() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
