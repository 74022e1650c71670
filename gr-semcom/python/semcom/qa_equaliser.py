#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the CSI-tag-driven equaliser behind broadcast_channel's block fading."""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom


class qa_equaliser(gr_unittest.TestCase):
    def test_zero_forcing_undoes_block_fading_and_reports_the_snr(self):
        rng = np.random.default_rng(3)
        n, frame = 64 * 50, 64
        x = ((2 * rng.integers(0, 2, n) - 1) + 1j * (2 * rng.integers(0, 2, n) - 1)).astype(np.complex64) / np.sqrt(2)
        tb = gr.top_block()
        ch = semcom.broadcast_channel(["rayleigh"], [50.0], "block", frame, 4)
        eq = semcom.equaliser("zf")
        sink = blocks.vector_sink_c()
        raw = blocks.vector_sink_c()
        tb.connect(blocks.vector_source_c(x.tolist()), ch, eq, sink)
        tb.connect(ch, raw)
        tb.run()
        y = np.array(sink.data())
        hs = np.array([gr.pmt.to_python(t.value)["h"] for t in raw.tags()])
        good = np.repeat(np.abs(hs) > 0.3, frame)  # deep fades amplify the noise
        np.testing.assert_allclose(y[good], x[good], atol=0.05)
        # one frame info per frame, its snr_db now the equalised |h|^2 / sigma^2
        tags = [t for t in sink.tags() if gr.pmt.to_python(t.key) == "semcom_frame"]
        self.assertEqual([t.offset for t in tags], list(range(0, n, frame)))
        self.assertEqual(len(sink.tags()), len(tags))
        snrs = np.array([gr.pmt.to_python(t.value)["snr_db"] for t in tags])
        np.testing.assert_allclose(snrs, 50 + 10 * np.log10(np.abs(hs) ** 2), atol=1e-3)

    def test_a_zero_gain_gives_zeros_and_is_counted(self):
        """h = 0 (or NaN) used to give inf/NaN symbols and an inf snr_db, which the decoder ignored:
        now zeros, the SNR floor and a count."""
        frame = 8

        def info(offset, h):
            t = gr.tag_t()
            t.offset, t.key = offset, gr.pmt.intern("semcom_frame")
            d = gr.pmt.make_dict()
            d = gr.pmt.dict_add(d, gr.pmt.intern("h"), gr.pmt.from_complex(h))
            d = gr.pmt.dict_add(d, gr.pmt.intern("noise_var"), gr.pmt.from_double(0.01))
            t.value = d
            return t
        for kind in ("zf", "mmse"):
            with self.subTest(kind=kind):
                x = np.ones(3 * frame, np.complex64)
                tb = gr.top_block()
                eq = semcom.equaliser(kind)
                sink = blocks.vector_sink_c()
                tags = [info(0, 1 + 0j), info(frame, 0j), info(2 * frame, complex(float("nan"), 0))]
                tb.connect(blocks.vector_source_c(x.tolist(), False, 1, tags), eq, sink)
                tb.run()
                y = np.array(sink.data())
                self.assertTrue(np.all(np.isfinite(y)))
                np.testing.assert_allclose(y[frame:], 0)
                self.assertEqual(eq.frames_without_gain(), 2)
                snrs = [gr.pmt.to_python(t.value)["snr_db"] for t in sink.tags()]
                self.assertAlmostEqual(snrs[0], 20.0, places=3)
                self.assertEqual(snrs[1:], [-100.0, -100.0])

    def test_bad_kind(self):
        with self.assertRaisesRegex(ValueError, "equaliser"):
            semcom.equaliser("dfe")


if __name__ == "__main__":
    gr_unittest.run(qa_equaliser)
