#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the burst PHY blocks: waveform loopback through gr-channels impairments."""

import numpy as np
import pmt
from gnuradio import analog, blocks, channels, gr, gr_unittest

from gnuradio import semcom

N = 128  # payload symbols per image


def qam64(rng, n):
    a = (2 * rng.integers(0, 8, n) - 7) + 1j * (2 * rng.integers(0, 8, n) - 7)
    return (a / np.sqrt(42)).astype(np.complex64)


def image_tags(frames, first_seq=100, seqs=None):
    tags = []
    for i in range(frames):
        d = pmt.make_dict()
        d = pmt.dict_add(d, pmt.intern("seq"), pmt.from_uint64(seqs[i] if seqs else first_seq + i))
        tags.append(gr.tag_utils.python_to_tag((i * N, pmt.intern("semcom_frame"), d)))
    return tags


def tag_values(tags, key):
    return [pmt.to_python(pmt.dict_ref(t.value, pmt.intern(key), pmt.PMT_NIL))
            for t in tags if pmt.symbol_to_string(t.key) == "semcom_frame"]


class qa_burst(gr_unittest.TestCase):
    def loopback(self, snr_db, frames=40, cfo=0.0005, epsilon=1.0, taps=(1.0,), seed=1):
        rng = np.random.default_rng(seed)
        x = qam64(rng, N * frames)
        tb = gr.top_block()
        src = blocks.vector_source_c(x.tolist(), False, 1, image_tags(frames))
        tx = semcom.burst_transmitter(N, 1, 7, 2, 4, 0.35, 32, 600)
        # unit-energy pulse: symbol SNR = amplitude^2 / noise variance per sample
        ch = channels.channel_model(10 ** (-snr_db / 20), cfo, epsilon, list(taps), seed)
        rx = semcom.burst_receiver(N, 1)
        sink = blocks.vector_sink_c()
        raw = blocks.vector_sink_c()
        tb.connect(src, tx, ch, rx, sink)
        tb.connect(tx, raw)
        tb.run()
        return x, np.array(sink.data()), sink.tags(), raw, tx, rx

    def test_bursts_are_tagged_for_uhd(self):
        x, y, tags, raw, tx, rx = self.loopback(30, frames=5)
        per = tx.burst_samples()
        self.assertEqual(len(raw.data()), 5 * per)
        sob = [t.offset for t in raw.tags() if pmt.symbol_to_string(t.key) == "tx_sob"]
        eob = [t.offset for t in raw.tags() if pmt.symbol_to_string(t.key) == "tx_eob"]
        self.assertEqual(sob, [b * per for b in range(5)])
        self.assertEqual(eob, [b * per + per - 1 for b in range(5)])
        # unit-energy pulse: mean sample power over a burst ~ 1 / sps times the share of signal
        self.assertEqual(tx.bursts_sent(), 5)

    def test_loopback_through_cfo_timing_and_multipath(self):
        snr = 15.0
        x, y, tags, raw, tx, rx = self.loopback(snr, frames=40, cfo=0.0004, epsilon=1.00001,
                                                taps=(1.0, 0.0, 0.25 + 0.15j))
        self.assertEqual(rx.frames_decoded(), 40)
        self.assertEqual(rx.header_errors(), 0)
        self.assertEqual(len(y), 40 * N)
        seqs = [pmt.to_uint64(pmt.dict_ref(t.value, pmt.intern("seq"), pmt.PMT_NIL))
                for t in tags if pmt.symbol_to_string(t.key) == "semcom_frame"]
        self.assertEqual(seqs, list(range(100, 140)))
        snrs = [pmt.to_double(pmt.dict_ref(t.value, pmt.intern("snr_db"), pmt.PMT_NIL))
                for t in tags if pmt.symbol_to_string(t.key) == "semcom_frame"]
        self.assertEqual(len(snrs), 40)
        # the channel's energy is |1|^2 + |0.25 + 0.15j|^2 = 1.085 (+0.35 dB for a matched
        # receiver) and its timing-offset interpolator adds a little more
        err = np.mean(np.abs(y - x) ** 2)
        measured = -10 * np.log10(err)
        self.assertGreater(measured, snr - 0.5)
        self.assertLess(measured, snr + 1.5)
        self.assertAlmostEqual(np.mean(snrs), measured, delta=0.5)

    def test_snr_is_measured(self):
        for snr in (8.0, 20.0):
            x, y, tags, raw, tx, rx = self.loopback(snr, frames=30, seed=int(snr))
            self.assertEqual(rx.frames_decoded(), 30)
            measured = -10 * np.log10(np.mean(np.abs(y - x) ** 2))
            self.assertAlmostEqual(measured, snr, delta=0.5)
            self.assertAlmostEqual(rx.mean_snr_db(), snr, delta=0.5)

    def test_no_frames_from_noise(self):
        tb = gr.top_block()
        noise = blocks.head(gr.sizeof_gr_complex, 3_000_000)
        rx = semcom.burst_receiver(N)
        sink = blocks.vector_sink_c()
        tb.connect(analog.noise_source_c(analog.GR_GAUSSIAN, 1.0, 5), noise, rx, sink)
        tb.run()
        self.assertEqual(rx.frames_decoded(), 0)
        self.assertEqual(len(sink.data()), 0)

    def test_other_lengths_and_schemes_are_rejected(self):
        rng = np.random.default_rng(0)
        tb = gr.top_block()
        tx = semcom.burst_transmitter(N, 2, gap=400)
        rx_len = semcom.burst_receiver(N + 1)
        rx_scheme = semcom.burst_receiver(N, 1)
        s1, s2 = blocks.vector_sink_c(), blocks.vector_sink_c()
        tb.connect(blocks.vector_source_c(qam64(rng, 3 * N).tolist()), tx)
        tb.connect(tx, rx_len, s1)
        tb.connect(tx, rx_scheme, s2)
        tb.run()
        self.assertEqual((rx_len.frames_rejected(), rx_len.frames_decoded()), (3, 0))
        self.assertEqual((rx_scheme.frames_rejected(), rx_scheme.frames_decoded()), (3, 0))

    def several_images(self, frames, images_per_burst, spreading=1, snr_db=30.0, seqs=None, cfo=0.0005):
        rng = np.random.default_rng(3)
        x = qam64(rng, N * frames)
        tb = gr.top_block()
        src = blocks.vector_source_c(x.tolist(), False, 1, image_tags(frames, seqs=seqs))
        tx = semcom.burst_transmitter(N, 1, gap=500, images_per_burst=images_per_burst, spreading=spreading)
        ch = channels.channel_model(10 ** (-snr_db / 20), cfo, 1.0, [1.0], 7)
        rx = semcom.burst_receiver(N, 1, spreading=spreading)
        sink, raw = blocks.vector_sink_c(), blocks.vector_sink_c()
        tb.connect(src, tx, ch, rx, sink)
        tb.connect(tx, raw)
        tb.run()
        return x, np.array(sink.data()), sink.tags(), raw, tx, rx

    def test_several_images_per_burst_and_a_shorter_last_burst(self):
        # 21 images, 8 per burst: bursts of 8, 8 and the 5 left at the end of the stream
        x, y, tags, raw, tx, rx = self.several_images(21, 8)
        self.assertEqual((tx.bursts_sent(), tx.images_sent()), (3, 21))
        self.assertEqual(len(raw.data()), 3 * tx.burst_samples())
        self.assertEqual(rx.frames_decoded(), 21)
        self.assertEqual(rx.bursts_detected(), 3)
        self.assertEqual(tag_values(tags, "seq"), list(range(100, 121)))
        self.assertLess(float(np.mean(np.abs(y - x) ** 2)), 10 ** (-27 / 10))

    def test_a_long_last_burst_is_written_out_whole_after_the_stream_ends(self):
        # one burst of 8 images of 4096 symbols decodes into more than the output buffer holds:
        # the frames still queued when the samples end must come out too
        n, frames = 4096, 8
        rng = np.random.default_rng(3)
        x = qam64(rng, n * frames)
        tags = [gr.tag_utils.python_to_tag((i * n, pmt.intern("semcom_frame"),
                                            pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.from_uint64(i))))
                for i in range(frames)]
        tb = gr.top_block()
        src = blocks.vector_source_c(x.tolist(), False, 1, tags)
        tx = semcom.burst_transmitter(n, 1, gap=300, images_per_burst=frames)
        rx = semcom.burst_receiver(n, 1)
        sink = blocks.vector_sink_c()
        tb.connect(src, tx, rx, sink)
        tb.run()
        self.assertEqual(rx.frames_decoded(), frames)
        self.assertEqual(len(sink.data()), n * frames)
        self.assertEqual(tag_values(sink.tags(), "seq"), list(range(frames)))

    def test_a_burst_ends_where_the_sequence_numbers_jump(self):
        seqs = [0, 1, 2, 10, 11, 12, 13, 14]  # a frame dropped upstream: seq 3..9 never came
        x, y, tags, raw, tx, rx = self.several_images(8, 8, seqs=seqs)
        self.assertEqual((tx.bursts_sent(), tx.images_sent()), (2, 8))
        self.assertEqual(tag_values(tags, "seq"), seqs)

    def test_robust_mode_serves_a_receiver_at_minus_5_db(self):
        # spreading 16: the header as at +7 dB; the payload at the channel's -5 dB
        frames = 24
        x, y, tags, raw, tx, rx = self.several_images(frames, 4, spreading=16, snr_db=-5.0)
        self.assertEqual(rx.header_errors(), 0)
        self.assertEqual(rx.frames_decoded(), frames)
        self.assertEqual(tag_values(tags, "seq"), list(range(100, 100 + frames)))
        measured = -10 * np.log10(np.mean(np.abs(y - x) ** 2))
        self.assertAlmostEqual(measured, -5.0, delta=0.8)
        self.assertAlmostEqual(float(np.mean(tag_values(tags, "snr_db"))), -5.0, delta=0.8)

    def side_info_loopback(self, snrs, masks, side_info_bytes, images_per_burst=4):
        # images whose frame info carries the encoder's SNRs and keep masks, through the air
        frames = len(snrs)
        rng = np.random.default_rng(5)
        x = qam64(rng, N * frames)
        tags = []
        for i in range(frames):
            d = pmt.make_dict()
            d = pmt.dict_add(d, pmt.intern("seq"), pmt.from_uint64(i))
            d = pmt.dict_add(d, pmt.intern("snr_db_used"), pmt.init_f32vector(len(snrs[i]), snrs[i]))
            d = pmt.dict_add(d, pmt.intern("keep_mask"), pmt.init_u8vector(len(masks[i]), masks[i]))
            tags.append(gr.tag_utils.python_to_tag((i * N, pmt.intern("semcom_frame"), d)))
        tb = gr.top_block()
        src = blocks.vector_source_c(x.tolist(), False, 1, tags)
        tx = semcom.burst_transmitter(N, 7, layers=1, gap=300, images_per_burst=images_per_burst,
                                      spreading=4, side_info_bytes=side_info_bytes)
        ch = channels.channel_model(10 ** (-3 / 20), 0.0, 1.0, [1.0], 7)  # 3 dB
        rx = semcom.burst_receiver(N, 7, spreading=4)
        sink = blocks.vector_sink_c()
        tb.connect(src, tx, ch, rx, sink)
        tb.run()
        return tx, rx, sink.tags()

    def test_side_information_travels_with_its_images(self):
        # the encoder's SNRs (one change after image 5) and 147-entry keep masks, at 3 dB
        rng = np.random.default_rng(2)
        snrs = [[4.0, 9.5, 14.0]] * 6 + [[5.0, 9.5, 14.0]] * 6
        masks = [rng.integers(0, 2, 147).astype(np.uint8).tolist() for _ in range(12)]
        budget = 15 + 4 * 24  # the SNRs and four keep masks
        tx, rx, tags = self.side_info_loopback(snrs, masks, budget)
        # bursts: images 0-3, 4-5 (the SNRs change at 6), 6-9, 10-11
        self.assertEqual((tx.bursts_sent(), tx.images_sent(), tx.side_info_unsent()), (4, 12, 0))
        self.assertEqual(rx.frames_decoded(), 12)
        self.assertEqual(tag_values(tags, "seq"), list(range(12)))
        got_snrs = [[round(v, 3) for v in s] for s in tag_values(tags, "snr_db_used")]
        self.assertEqual(got_snrs, snrs)
        self.assertEqual([list(m) for m in tag_values(tags, "keep_mask")], masks)

    def test_side_information_that_does_not_fit_is_counted(self):
        snrs = [[4.0, 9.5, 14.0]] * 3
        masks = [[1] * 147] * 3
        tx, rx, tags = self.side_info_loopback(snrs, masks, 15 + 24)  # room for one image's mask
        self.assertEqual((tx.bursts_sent(), tx.side_info_unsent()), (3, 0))
        tx, rx, tags = self.side_info_loopback(snrs, masks, 16)  # room for the SNRs alone
        self.assertEqual((tx.bursts_sent(), tx.side_info_unsent()), (3, 3))
        self.assertEqual(rx.frames_decoded(), 3)
        self.assertEqual(tag_values(tags, "snr_db_used"), [None] * 3)

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*side_info_bytes"):
            semcom.burst_transmitter(N, 1, side_info_bytes=249)
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*images_per_burst"):
            semcom.burst_transmitter(N, 1, images_per_burst=0)
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*spreading"):
            semcom.burst_transmitter(N, 1, spreading=3)
        with self.assertRaisesRegex(ValueError, "burst_receiver: .*spreading"):
            semcom.burst_receiver(N, 1, spreading=32)
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*amplitude"):
            semcom.burst_transmitter(N, 1, amplitude=float("inf"))
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*scheme"):
            semcom.burst_transmitter(N, 200)  # no row of the scheme table has code 200
        with self.assertRaisesRegex(ValueError, "burst_receiver: .*samples per symbol"):
            semcom.burst_receiver(N, 0, 1)
        with self.assertRaisesRegex(ValueError, "burst_transmitter: .*roll-off"):
            semcom.burst_transmitter(N, 1, rolloff=0.0)


if __name__ == "__main__":
    gr_unittest.run(qa_burst)
