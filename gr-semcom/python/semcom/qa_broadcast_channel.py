#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of broadcast_channel: the SNR definition of DESIGN §4 measured in a flowgraph, fading
statistics, CSI tags, seeding, run-time SNR changes and parameter errors."""

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom


def qpsk(n, seed=0):
    rng = np.random.default_rng(seed)
    return ((2 * rng.integers(0, 2, n) - 1) + 1j * (2 * rng.integers(0, 2, n) - 1)).astype(
        np.complex64) / np.sqrt(2)


def run(channel, x):
    tb = gr.top_block()
    sinks = []
    tb.connect(blocks.vector_source_c(list(x)), channel)
    for r in range(len(channel.snrs())):
        sinks.append(blocks.vector_sink_c())
        tb.connect((channel, r), sinks[-1])
    tb.run()
    return [np.array(s.data()) for s in sinks], sinks


class qa_broadcast_channel(gr_unittest.TestCase):
    def test_measured_snr_per_receiver(self):
        x = qpsk(200000)
        snrs = [-5.0, 7.0, 20.0]
        outs, _ = run(semcom.broadcast_channel(["awgn"], snrs, "block", 1000, 3), x)
        for snr, y in zip(snrs, outs):
            noise = y - x
            measured = 10 * np.log10(np.mean(np.abs(x) ** 2) / np.mean(np.abs(noise) ** 2))
            self.assertAlmostEqual(measured, snr, delta=0.1)
            # circular: sigma^2 / 2 per real dimension
            self.assertAlmostEqual(np.var(noise.real) / np.var(noise.imag), 1.0, delta=0.03)

    def test_block_fading_and_csi_tags(self):
        n, frame = 100 * 256, 256
        x = qpsk(n, 1)
        outs, sinks = run(semcom.broadcast_channel(["rayleigh", "rician:4"], [60.0, 60.0], "block",
                                                   frame, 7), x)
        for r, (y, sink) in enumerate(zip(outs, sinks)):
            tags = [t for t in sink.tags() if gr.pmt.to_python(t.key) == "semcom_frame"]
            self.assertEqual([t.offset for t in tags], list(range(0, n, frame)))
            hs = np.array([gr.pmt.to_python(t.value)["h"] for t in tags])
            # y = h x per frame (noise at 60 dB is negligible)
            for f in range(0, 100, 17):
                seg = slice(f * frame, (f + 1) * frame)
                np.testing.assert_allclose(y[seg], hs[f] * x[seg], atol=5e-3)
            info = gr.pmt.to_python(tags[0].value)
            self.assertAlmostEqual(info["snr_db"], 60.0, 4)
        # Rician K = 4: the mean of h is the line of sight sqrt(K / (K + 1)) (loose: 100 frames)
        hs = np.array([gr.pmt.to_python(t.value)["h"] for t in sinks[1].tags()])
        self.assertAlmostEqual(np.mean(hs).real, np.sqrt(4 / 5), delta=0.12)

    def test_per_symbol_fading_statistics(self):
        x = np.ones(200000, dtype=np.complex64)
        outs, _ = run(semcom.broadcast_channel(["rayleigh"], [80.0], "per_symbol", 1, 2), x)
        h = outs[0]
        self.assertAlmostEqual(np.mean(np.abs(h) ** 2), 1.0, delta=0.02)
        self.assertAlmostEqual(abs(np.mean(h)), 0.0, delta=0.01)
        self.assertAlmostEqual(np.mean(np.abs(h) ** 2 < 0.1), 1 - np.exp(-0.1), delta=0.005)

    def test_seeded_and_independent(self):
        x = qpsk(5000, 2)
        a, _ = run(semcom.broadcast_channel(["awgn"], [0.0, 0.0], "block", 100, 11), x)
        b, _ = run(semcom.broadcast_channel(["awgn"], [0.0, 0.0], "block", 100, 11), x)
        np.testing.assert_array_equal(a[0], b[0])
        corr = np.abs(np.vdot(a[0] - x, a[1] - x)) / np.sqrt(
            np.vdot(a[0] - x, a[0] - x).real * np.vdot(a[1] - x, a[1] - x).real)
        self.assertLess(corr, 0.05)

    def test_set_snr_while_built(self):
        ch = semcom.broadcast_channel(["awgn"], [0.0, 5.0])
        ch.set_snr(1, 30.0)
        self.assertEqual(list(ch.snrs()), [0.0, 30.0])
        ch.set_snrs([1.0, 2.0])
        self.assertEqual(list(ch.snrs()), [1.0, 2.0])
        x = qpsk(100000, 3)
        outs, _ = run(ch, x)
        self.assertAlmostEqual(10 * np.log10(1 / np.mean(np.abs(outs[1] - x) ** 2)), 2.0, delta=0.1)
        with self.assertRaisesRegex(ValueError, "receiver 5"):
            ch.set_snr(5, 1.0)

    def test_bad_parameters(self):
        with self.assertRaisesRegex(ValueError, "unknown channel 'fast'"):
            semcom.broadcast_channel(["fast"], [1.0])
        with self.assertRaisesRegex(ValueError, "channels has 2 entries for 3 receivers"):
            semcom.broadcast_channel(["awgn", "rayleigh"], [1.0, 2.0, 3.0])
        with self.assertRaisesRegex(ValueError, "K-factor"):
            semcom.broadcast_channel(["rician:-2"], [1.0])
        with self.assertRaisesRegex(ValueError, "fading mode"):
            semcom.broadcast_channel(["awgn"], [1.0], "sometimes")
        with self.assertRaisesRegex(ValueError, "snrs"):
            semcom.broadcast_channel(["awgn"], [])


if __name__ == "__main__":
    gr_unittest.run(qa_broadcast_channel)
