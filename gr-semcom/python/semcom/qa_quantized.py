#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of quantized_mapper / quantized_demapper: round trip, side information through a channel,
frames without side information dropped and counted."""

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom


def reference_quantize(z, bits, z_min, z_max):
    """The quantizer of DESIGN §4, written independently with numpy."""
    top = 2 ** bits - 1
    rho = top / (z_max - z_min)
    codes = np.clip(np.rint(rho * (z - z_min)), 0, top)
    return z_min + codes / rho


class qa_quantized(gr_unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(5)

    def run_chain(self, frames, values, bits, middle=None, snap=False, **kw):
        tb = gr.top_block()
        src = blocks.vector_source_f(list(frames.ravel()), vlen=values)
        mapper = semcom.quantized_mapper(values, bits, **kw)
        demapper = semcom.quantized_demapper(values, snap)
        sym_sink = blocks.vector_sink_c()
        sink = blocks.vector_sink_f(values)
        tb.connect(src, mapper)
        chain = [mapper] + (middle or []) + [demapper]
        for a, b in zip(chain[:-1], chain[1:]):
            tb.connect(a, b)
        tb.connect(mapper, sym_sink)
        tb.connect(demapper, sink)
        tb.run()
        return np.array(sink.data()).reshape(-1, values), np.array(sym_sink.data()), demapper, sym_sink

    def test_noiseless_round_trip_is_the_dequantised_features(self):
        values = 64
        frames = self.rng.normal(0.2, 2.0, (6, values)).astype(np.float32)
        for bits in (1, 4, 8):
            out, symbols, demapper, sym_sink = self.run_chain(frames, values, bits)
            self.assertEqual(out.shape, frames.shape)
            for f in range(len(frames)):
                expect = reference_quantize(frames[f], bits, frames[f].min(), frames[f].max())
                np.testing.assert_allclose(out[f], expect, rtol=1e-5, atol=1e-5)
                frame_syms = symbols[f * values // 2:(f + 1) * values // 2]
                self.assertAlmostEqual(np.mean(np.abs(frame_syms) ** 2), 1.0, 4)
            tags = sym_sink.tags()
            self.assertEqual([t.offset for t in tags], [f * values // 2 for f in range(6)])
            info = gr.pmt.to_python(tags[0].value)
            self.assertEqual(info["bits"], bits)
            self.assertAlmostEqual(info["z_min"], float(frames[0].min()), 5)
            self.assertEqual(demapper.frames_dropped(), 0)

    def test_non_finite_symbols_carry_nothing_and_are_counted(self):
        # the symbols multiplied by 1 except three made NaN / infinite: their values come out 0,
        # the rest of the frame as without them, and the demapper counts three
        values = 16
        frames = self.rng.normal(0.0, 1.0, (2, values)).astype(np.float32)
        tb = gr.top_block()
        src = blocks.vector_source_f(list(frames.ravel()), vlen=values)
        mapper = semcom.quantized_mapper(values, 8)
        factors = np.ones(values, dtype=np.complex64)
        factors[[1, 5, 12]] = [np.nan, np.inf, complex(1, np.nan)]
        spoil = blocks.multiply_cc()
        demapper = semcom.quantized_demapper(values, False)
        sink = blocks.vector_sink_f(values)
        tb.connect(src, mapper, (spoil, 0))
        tb.connect(blocks.vector_source_c(factors.tolist()), (spoil, 1))
        tb.connect(spoil, demapper, sink)
        tb.run()
        out = np.array(sink.data()).reshape(-1, values)
        self.assertEqual(out.shape, frames.shape)
        self.assertTrue(np.all(np.isfinite(out)))
        expect = reference_quantize(frames, 8, frames.min(axis=1, keepdims=True), frames.max(axis=1, keepdims=True))
        # symbols 1 and 5 of frame 0, symbol 12 - 8 = 4 of frame 1 (8 symbols per frame), two values each
        spoiled = [(0, 2), (0, 3), (0, 10), (0, 11), (1, 8), (1, 9)]
        for f, v in spoiled:
            self.assertEqual(out[f, v], 0.0)
        keep = np.ones_like(out, dtype=bool)
        for f, v in spoiled:
            keep[f, v] = False
        np.testing.assert_allclose(out[keep], expect[keep], rtol=1e-5, atol=1e-5)
        self.assertEqual(demapper.symbols_nonfinite(), 3)
        self.assertEqual(demapper.frames_dropped(), 0)

    def test_calibrated_range_clamps(self):
        values = 16
        frames = np.linspace(-3, 3, values, dtype=np.float32)[None, :]
        out, _, _, _ = self.run_chain(frames, values, 4, range_mode="calibrated", z_min=-1.0, z_max=1.0)
        np.testing.assert_allclose(out[0], reference_quantize(frames[0], 4, -1.0, 1.0), atol=1e-5)
        self.assertEqual(out[0].min(), -1.0)

    def test_side_information_survives_the_channel_and_snap_removes_small_noise(self):
        values = 128
        frames = self.rng.normal(0, 1, (4, values)).astype(np.float32)
        channel = semcom.broadcast_channel(["awgn"], [45.0], "block", 64, 1)
        out, _, demapper, _ = self.run_chain(frames, values, 3, middle=[channel], snap=True)
        self.assertEqual(len(out), 4)
        for f in range(4):
            expect = reference_quantize(frames[f], 3, frames[f].min(), frames[f].max())
            np.testing.assert_allclose(out[f], expect, atol=1e-5)

    def test_frames_without_side_information_are_dropped_and_counted(self):
        values = 8
        # symbols with no semcom_frame tag at all
        tb = gr.top_block()
        src = blocks.vector_source_c([0.5 + 0.5j] * (values // 2 * 3))
        demapper = semcom.quantized_demapper(values)
        sink = blocks.vector_sink_f(values)
        tb.connect(src, demapper, sink)
        tb.run()
        self.assertEqual(len(sink.data()), 0)
        self.assertEqual(demapper.frames_dropped(), 3)
        # a frame whose side information is for another length is refused too
        frames = self.rng.normal(0, 1, (2, 16)).astype(np.float32)
        tb = gr.top_block()
        mapper = semcom.quantized_mapper(16, 8)
        demapper = semcom.quantized_demapper(8)
        sink = blocks.vector_sink_f(8)
        tb.connect(blocks.vector_source_f(list(frames.ravel()), vlen=16), mapper, demapper, sink)
        tb.run()
        # 2 frames of 8 symbols = 4 demapper frames of 4: the tagged ones say 16 values, the
        # others have no tag
        self.assertEqual(len(sink.data()), 0)
        self.assertEqual(demapper.frames_dropped(), 4)

    def test_end_index_tags_send_only_the_head_of_a_frame(self):
        # A-MIJSCC: the encoder's end_index in the frame info; the side information carries it to
        # the demapper
        frames = self.rng.normal(0, 1, (3, 32)).astype(np.float32)
        ends = [5, 16, 9]
        tags = [gr.tag_utils.python_to_tag((f, pmt.intern("semcom_frame"),
                                            pmt.dict_add(pmt.make_dict(), pmt.intern("end_index"), pmt.from_long(e)),
                                            pmt.PMT_F))
                for f, e in enumerate(ends)]
        tb = gr.top_block()
        mapper = semcom.quantized_mapper(32, 8)
        demapper = semcom.quantized_demapper(32)
        sym = blocks.vector_sink_c()
        sink = blocks.vector_sink_f(32)
        tb.connect(blocks.vector_source_f(list(frames.ravel()), False, 32, tags), mapper, demapper, sink)
        tb.connect(mapper, sym)
        tb.run()
        x = np.array(sym.data()).reshape(3, 16)
        z = np.array(sink.data()).reshape(3, 32)
        for f, e in enumerate(ends):
            np.testing.assert_allclose(np.mean(np.abs(x[f, :e]) ** 2), 1.0, rtol=1e-4)
            self.assertTrue(np.all(x[f, e:] == 0))
            self.assertTrue(np.all(z[f, 2 * e:] == 0))
            np.testing.assert_allclose(z[f, :2 * e], frames[f, :2 * e], atol=0.02)  # 8-bit steps
        self.assertAlmostEqual(mapper.mean_symbols_sent(), np.mean(ends))

    def test_a_frame_that_cannot_be_quantized_ends_the_run_with_its_error(self):
        """NaN features have no range: the mapper used to throw in work(), which ended its thread
        and left the flowgraph waiting forever. Now it records the error (block_errors), logs one
        line and ends, and so does the run."""
        import threading
        semcom.clear_block_errors()
        values = 16
        x = np.random.default_rng(3).normal(size=(400, values)).astype(np.float32)
        x[150, 3] = np.nan
        tb = gr.top_block()
        sink = blocks.vector_sink_c()
        tb.connect(blocks.vector_source_f(x.ravel().tolist(), False, values),
                   semcom.quantized_mapper(values, 4, "per_frame"), blocks.head(gr.sizeof_gr_complex, 10 ** 6), sink)
        done = threading.Event()
        tb.start()
        threading.Thread(target=lambda: (tb.wait(), done.set()), daemon=True).start()
        ended = done.wait(60)
        if not ended:
            tb.stop()
            tb.wait()
        self.assertTrue(ended, "the flowgraph hung")
        errors = semcom.block_errors()
        self.assertEqual(len(errors), 1, errors)
        self.assertRegex(errors[0], r"^quantized_mapper: quantized mapper: feature 3 of 16 is nan, not a finite number")
        self.assertLessEqual(len(sink.data()), 150 * values // 2)  # the frames before the bad one at most
        semcom.clear_block_errors()

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "values must be even"):
            semcom.quantized_mapper(7, 8)
        with self.assertRaisesRegex(ValueError, "bits"):
            semcom.quantized_mapper(8, 9)
        with self.assertRaisesRegex(ValueError, "calibrated"):
            semcom.quantized_mapper(8, 4, "calibrated", 1.0, 1.0)
        with self.assertRaisesRegex(ValueError, "range mode"):
            semcom.quantized_mapper(8, 4, "sometimes")
        with self.assertRaisesRegex(ValueError, "values must be even"):
            semcom.quantized_demapper(0)


if __name__ == "__main__":
    gr_unittest.run(qa_quantized)
