#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of superposition_mapper and superposition_demapper in flowgraphs."""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom


def gray_qam(order):
    """Gray square QAM as DESIGN §4 and semcom-core define it, written independently."""
    side = int(round(np.sqrt(order)))
    bits = side.bit_length() - 1
    amp = np.zeros(side)
    for level in range(side):
        amp[level ^ (level >> 1)] = 2 * level - (side - 1)
    scale = 1 / np.sqrt(2 * (order - 1) / 3)
    idx = np.arange(order)
    return (amp[idx >> bits] + 1j * amp[idx & (side - 1)]) * scale


def run_mapper(layers, alphas, indices):
    tb = gr.top_block()
    mapper = semcom.superposition_mapper(layers, alphas)
    sink = blocks.vector_sink_c()
    for port, idx in enumerate(indices):
        tb.connect(blocks.vector_source_b(list(idx)), (mapper, port))
    tb.connect(mapper, sink)
    tb.run()
    return np.array(sink.data()), mapper


class qa_superposition(gr_unittest.TestCase):
    def test_mapper_matches_numpy_reference(self):
        rng = np.random.default_rng(1)
        i1 = rng.integers(0, 4, 5000)
        i2 = rng.integers(0, 16, 5000)
        alpha = 16 / 21
        y, mapper = run_mapper(["4qam", "16qam"], [alpha, 1 - alpha], [i1, i2])
        expect = np.sqrt(alpha) * gray_qam(4)[i1] + np.sqrt(1 - alpha) * gray_qam(16)[i2]
        np.testing.assert_allclose(y, expect, atol=1e-6)
        self.assertAlmostEqual(np.mean(np.abs(np.array(mapper.super_constellation())) ** 2), 1.0, 5)

    def test_uniform_64qam_grid(self):
        table = np.array(
            semcom.superposition_mapper(["4qam", "16qam"], [16 / 21, 5 / 21]).super_constellation())
        grid = np.sort(np.unique(np.round(table.real * np.sqrt(42), 4)))
        np.testing.assert_allclose(grid, np.arange(-7, 8, 2), atol=1e-4)

    def test_bad_parameters_raise_value_error_naming_them(self):
        with self.assertRaisesRegex(ValueError, "sum to 1"):
            semcom.superposition_mapper(["4qam", "16qam"], [0.5, 0.4])
        with self.assertRaisesRegex(ValueError, "decreasing"):
            semcom.superposition_mapper(["4qam", "16qam"], [0.2, 0.8])
        with self.assertRaisesRegex(ValueError, "layers\\[1\\] = '12qam'"):
            semcom.superposition_mapper(["4qam", "12qam"], [0.8, 0.2])
        with self.assertRaisesRegex(ValueError, "mode"):
            semcom.superposition_demapper(["4qam", "16qam"], [0.8, 0.2], "fuzzy")
        with self.assertRaisesRegex(ValueError, "noise_var"):
            semcom.superposition_demapper(["4qam", "16qam"], [0.8, 0.2], "llr", 0.0)

    def test_hard_round_trip_ml_and_sic(self):
        rng = np.random.default_rng(2)
        idx = [rng.integers(0, 4, 3000), rng.integers(0, 4, 3000), rng.integers(0, 16, 3000)]
        # alphas chosen so that each layer stays inside its parent's decision region (SIC works)
        layers, alphas = ["4qam", "4qam", "16qam"], [0.75, 0.2, 0.05]
        for mode in ("hard_ml", "hard_sic"):
            tb = gr.top_block()
            mapper = semcom.superposition_mapper(layers, alphas)
            demapper = semcom.superposition_demapper(layers, alphas, mode)
            sinks = [blocks.vector_sink_b() for _ in layers]
            for port, i in enumerate(idx):
                tb.connect(blocks.vector_source_b(list(i)), (mapper, port))
            tb.connect(mapper, demapper)
            for port, s in enumerate(sinks):
                tb.connect((demapper, port), s)
            tb.run()
            for i, s in zip(idx, sinks):
                np.testing.assert_array_equal(np.array(s.data()), i)

    def test_soft_outputs_and_noise_tag(self):
        rng = np.random.default_rng(3)
        n = 2000
        i1, i2 = rng.integers(0, 4, n), rng.integers(0, 16, n)
        layers, alphas = ["4qam", "16qam"], [16 / 21, 5 / 21]
        y, _ = run_mapper(layers, alphas, [i1, i2])
        noise = (rng.normal(size=n) + 1j * rng.normal(size=n)) * np.sqrt(0.005 / 2)
        yn = (y + noise).astype(np.complex64)
        # llr mode: vector outputs of 2 and 4 bits, signs give the transmitted bits mostly
        tb = gr.top_block()
        demapper = semcom.superposition_demapper(layers, alphas, "llr", 0.005)
        s1, s2 = blocks.vector_sink_f(2), blocks.vector_sink_f(4)
        tb.connect(blocks.vector_source_c(list(yn)), demapper)
        tb.connect((demapper, 0), s1)
        tb.connect((demapper, 1), s2)
        tb.run()
        l2 = np.array(s2.data()).reshape(n, 4)
        bits2 = (i2[:, None] >> np.arange(3, -1, -1)) & 1
        self.assertGreater(np.mean((l2 < 0) == bits2), 0.99)
        l1 = np.array(s1.data()).reshape(n, 2)
        bits1 = (i1[:, None] >> np.arange(1, -1, -1)) & 1
        self.assertGreater(np.mean((l1 < 0) == bits1), 0.999)

        # posterior mode: rows sum to 1; a frame info with noise_var halfway makes the posteriors sharper
        tag = gr.tag_t()
        tag.offset = n // 2
        tag.key = gr.pmt.intern("semcom_frame")
        tag.value = gr.pmt.dict_add(gr.pmt.make_dict(), gr.pmt.intern("noise_var"), gr.pmt.from_double(1e-4))
        tb = gr.top_block()
        demapper = semcom.superposition_demapper(layers, alphas, "posterior", 1.0)
        p1, p2 = blocks.vector_sink_f(4), blocks.vector_sink_f(16)
        tb.connect(blocks.vector_source_c(list(y.astype(np.complex64)), tags=[tag]), demapper)
        tb.connect((demapper, 0), p1)
        tb.connect((demapper, 1), p2)
        tb.run()
        post = np.array(p2.data()).reshape(n, 16)
        np.testing.assert_allclose(post.sum(axis=1), 1.0, atol=1e-4)
        first, second = post[: n // 2], post[n // 2:]
        self.assertLess(np.mean(first.max(axis=1)), 0.5)   # sigma^2 = 1: vague
        self.assertGreater(np.mean(second.max(axis=1)), 0.99)  # after the tag: certain
        np.testing.assert_array_equal(second.argmax(axis=1), i2[n // 2:])
        self.assertAlmostEqual(demapper.noise_var(), 1e-4, 9)

    def test_bad_inputs_are_neutral_and_counted(self):
        """Indices beyond a layer's order are reduced modulo it and counted; NaN/inf symbols give
        index 0, LLRs 0, uniform posteriors (not NaN), counted; a NaN snr_db in a frame info keeps
        the previous noise variance, counted."""
        layers, alphas = ["4qam", "16qam"], [16 / 21, 5 / 21]
        tb = gr.top_block()
        mapper = semcom.superposition_mapper(layers, alphas)
        sink = blocks.vector_sink_c()
        tb.connect(blocks.vector_source_b([0, 1, 7, 3, 250]), (mapper, 0))
        tb.connect(blocks.vector_source_b([0, 15, 16, 3, 1]), (mapper, 1))
        tb.connect(mapper, sink)
        tb.run()
        self.assertEqual(mapper.indices_out_of_range(), 3)  # 7 and 250 of 4, 16 of 16
        y = np.array([1 + 1j, np.nan, complex(np.inf, 0), 0.3 - 0.2j], np.complex64)
        tag = gr.tag_t()
        tag.offset, tag.key = 3, gr.pmt.intern("semcom_frame")
        tag.value = gr.pmt.dict_add(gr.pmt.make_dict(), gr.pmt.intern("snr_db"), gr.pmt.from_double(float("nan")))
        for mode, widths in (("hard_ml", None), ("llr", (2, 4)), ("posterior", (4, 16))):
            with self.subTest(mode=mode):
                tb = gr.top_block()
                dm = semcom.superposition_demapper(layers, alphas, mode, 0.1)
                sinks = [blocks.vector_sink_b(), blocks.vector_sink_b()] if widths is None else \
                    [blocks.vector_sink_f(w) for w in widths]
                tb.connect(blocks.vector_source_c(y.tolist(), tags=[tag]), dm)
                for k, s in enumerate(sinks):
                    tb.connect((dm, k), s)
                tb.run()
                self.assertEqual(dm.symbols_nonfinite(), 2)
                self.assertEqual(dm.snr_tags_ignored(), 1 if widths else 0)  # (hard modes read no SNR)
                self.assertAlmostEqual(dm.noise_var(), 0.1, 6)
                for k, s in enumerate(sinks):
                    out = np.array(s.data()).reshape(4, -1)
                    self.assertTrue(np.all(np.isfinite(out)))
                    want = 0 if widths is None or mode == "llr" else 1 / widths[k]
                    np.testing.assert_allclose(out[1:3], want)


if __name__ == "__main__":
    gr_unittest.run(qa_superposition)
