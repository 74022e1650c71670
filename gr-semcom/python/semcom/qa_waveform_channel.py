#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of waveform_channel: the SNR convention of DESIGN §4 as gr-channels' noise voltage, unit
channel energy of the "realistic" impairments, seeding, run-time SNR changes, parameter errors
and the GRC block."""

import os

import numpy as np
import yaml
from gnuradio import blocks, channels, gr, gr_unittest

from gnuradio import semcom


def qpsk(n, seed=0):
    rng = np.random.default_rng(seed)
    return ((2 * rng.integers(0, 2, n) - 1) + 1j * (2 * rng.integers(0, 2, n) - 1)).astype(
        np.complex64) / np.sqrt(2)


def band_limited(n, seed=0):
    """Unit-power complex samples in |f| < 1/6: R(3) = 0, so a path 3 samples late adds its power."""
    rng = np.random.default_rng(seed)
    spec = np.fft.fft(rng.standard_normal(n) + 1j * rng.standard_normal(n))
    spec[np.abs(np.fft.fftfreq(n)) >= 1 / 6] = 0
    x = np.fft.ifft(spec)
    return (x / np.sqrt(np.mean(np.abs(x) ** 2))).astype(np.complex64)


def run(channel, x):
    tb = gr.top_block()
    sink = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(list(x)), channel, sink)
    tb.run()
    return np.array(sink.data())


def aligned_noise(x, y, max_shift=16):
    """y - x at the shift (within +-max_shift samples: channel_model's resampler moves the stream a
    few samples) where they match best."""
    best = None
    for d in range(-max_shift, max_shift + 1):
        xs, ys = (x[d:], y) if d >= 0 else (x, y[-d:])
        n = min(len(xs), len(ys))
        e = ys[:n] - xs[:n]
        p = np.mean(np.abs(e) ** 2)
        if best is None or p < best[0]:
            best = (p, e)
    return best[1]


class qa_waveform_channel(gr_unittest.TestCase):
    def test_measured_snr_is_the_symbol_snr(self):
        x = qpsk(200000)
        for snr in (0.0, 10.0, 25.0):
            y = run(semcom.waveform_channel("awgn", snr, "none", 4, 0, 3), x)
            noise = aligned_noise(x, y)
            measured = 10 * np.log10(np.mean(np.abs(x) ** 2) / np.mean(np.abs(noise) ** 2))
            self.assertAlmostEqual(measured, snr, delta=0.1)

    def test_noise_voltage_convention(self):
        ch = semcom.waveform_channel("awgn", 10.0, "none", 4, 0, 1)
        self.assertAlmostEqual(ch.noise_voltage(), np.sqrt(0.1), places=6)
        self.assertAlmostEqual(ch.snr(), 10.0, places=5)

    def test_realistic_keeps_unit_channel_energy(self):
        x = band_limited(200000)
        for receiver in range(4):
            y = run(semcom.waveform_channel("awgn", 100.0, "realistic", 4, receiver, 1), x)
            ratio = np.mean(np.abs(y[1000:-1000]) ** 2) / np.mean(np.abs(x) ** 2)
            self.assertAlmostEqual(ratio, 1.0, delta=0.03, msg=f"receiver {receiver}: power ratio {ratio}")

    def test_fading_runs_and_keeps_length(self):
        x = qpsk(20000)
        for channel in ("rayleigh", "rician:4"):
            y = run(semcom.waveform_channel(channel, 20.0, "realistic", 4, 1, 2), x)
            self.assertGreaterEqual(len(y), len(x) - 32)  # (the resampler keeps a few samples back)
            self.assertTrue(np.all(np.isfinite(y)))

    def test_seeding(self):
        x = qpsk(5000)
        a = run(semcom.waveform_channel("rayleigh", 10.0, "none", 4, 1, 7), x)
        b = run(semcom.waveform_channel("rayleigh", 10.0, "none", 4, 1, 7), x)
        c = run(semcom.waveform_channel("rayleigh", 10.0, "none", 4, 2, 7), x)
        np.testing.assert_array_equal(a, b)
        self.assertFalse(np.array_equal(a, c))
        self.assertEqual(semcom.waveform_channel("awgn", 10.0, "none", 4, 2, 7).channel_seed(), 7000 + 2 * 17 + 1)

    def test_same_samples_as_the_gr_channels_chain(self):
        # the chain it wraps, seeded with seed * 1000 + 17 receiver + 1: the same samples
        x = qpsk(20000)
        for channel, rician, k in (("awgn", None, 0.0), ("rayleigh", False, 0.0), ("rician:3", True, 3.0)):
            seed = 4 * 1000 + 17 * 2 + 1
            chain = [channels.fading_model(8, 1e-5, rician, k, seed)] if rician is not None else []
            chain.append(channels.channel_model(np.sqrt(10 ** (-12 / 10)), 0.0, 1.0, [1.0 + 0j], seed, False))
            tb = gr.top_block()
            sink = blocks.vector_sink_c()
            tb.connect(blocks.vector_source_c(list(x)), *chain, sink)
            tb.run()
            y = run(semcom.waveform_channel(channel, 12.0, "none", 4, 2, 4), x)
            np.testing.assert_array_equal(y, np.array(sink.data()), err_msg=channel)

    def test_set_snr(self):
        ch = semcom.waveform_channel("awgn", 30.0, "none", 4, 0, 5)
        ch.set_snr(0.0)
        self.assertAlmostEqual(ch.noise_voltage(), 1.0, places=6)
        x = qpsk(100000)
        noise = aligned_noise(x, run(ch, x))
        self.assertAlmostEqual(10 * np.log10(1 / np.mean(np.abs(noise) ** 2)), 0.0, delta=0.1)

    def test_parameter_errors(self):
        for args, word in ((("rayleigh2", 10.0), "channel"), (("rician:0", 10.0), "channel"),
                           (("awgn", 10.0, "harsh"), "impairments"), (("awgn", 10.0, "none", 0), "sps"),
                           (("awgn", 10.0, "none", 4, -1), "receiver"), (("awgn", float("nan")), "snr_db")):
            with self.assertRaises(ValueError) as ctx:
                semcom.waveform_channel(*args)
            self.assertIn(word, str(ctx.exception))

    def test_grc_block(self):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "grc",
                            "semcom_waveform_channel.block.yml")
        with open(path) as f:
            block = yaml.safe_load(f)
        self.assertIn("noise voltage", block["documentation"])
        self.assertIn("set_snr(${snr_db})", block["templates"]["callbacks"])
        with open(os.path.join(os.path.dirname(path), "semcom.tree.yml")) as f:
            self.assertIn("semcom_waveform_channel", yaml.safe_load(f)["[Semantic Communication]"])


if __name__ == "__main__":
    gr_unittest.run(qa_waveform_channel)
