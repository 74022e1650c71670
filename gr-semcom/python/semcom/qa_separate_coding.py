#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the separate coding blocks (separate_transmitter, separate_receiver) and image_classifier:
JPEG + LDPC + QAM through a channel and back, the cliff below the MCS's SNR (the fallback image,
counted), the frame info carried, the classifier's decisions on clean images, bad input refused."""

import json
import os
import subprocess
import tempfile

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODELS = os.path.join(SOURCE, "models")
N = 128  # the shipped DeepSCM models' channel uses


def psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((a - b) ** 2))


class qa_separate_coding(gr_unittest.TestCase):
    def link(self, mcs, snr_db, count=40, channel="awgn"):
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", count)
        originals = blocks.vector_sink_f(784)
        tx = semcom.separate_transmitter(1, 28, 28, mcs, N)
        ch = semcom.broadcast_channel([channel], [snr_db], "block", N, 3)
        eq = semcom.equaliser("zf")
        rx = semcom.separate_receiver(1, 28, 28, mcs, N)
        out = blocks.vector_sink_f(784)
        tb.connect(src, tx, ch, eq, rx, out)
        tb.connect(src, originals)
        tb.run()
        return tx, rx, np.array(originals.data()).reshape(-1, 784), np.array(out.data()).reshape(-1, 784), out

    def test_a_good_channel_delivers_the_jpeg_images(self):
        tx, rx, sent, got, sink = self.link("64qam-2/3", 30.0)
        self.assertEqual((tx.images_sent(), rx.frames_decoded()), (40, 40))
        self.assertEqual(tx.payload_bytes(), 60)
        self.assertGreater(tx.mean_jpeg_quality(), 1.0)
        self.assertEqual(rx.frames_without_snr(), 0)  # the equaliser's frame info gave each SNR
        # at 30 dB every frame's CRC checks: the only failures are the images too large for 60 bytes
        self.assertLessEqual(tx.images_too_large(), 4)
        self.assertEqual(rx.frames_failed(), tx.images_too_large())
        tags = [gr.tag_to_python(t) for t in sink.tags()]
        self.assertEqual(len(tags), 40)
        self.assertEqual([t.value["seq"] for t in tags], list(range(40)))  # each frame's info came through
        shown = [t.value["link_ok"] == 1 for t in tags]
        self.assertEqual(shown, [t.value["jpeg_quality"] > 0 for t in tags])
        # JPEG at 60 bytes: recognisable, not exact
        quality = [psnr(a, b) for a, b, ok in zip(sent, got, shown) if ok]
        self.assertGreater(np.mean(quality), 14.0)
        self.assertLess(np.mean(quality), 40.0)

    def test_below_its_snr_the_link_falls_off_the_cliff(self):
        tx, rx, sent, got, _ = self.link("64qam-2/3", 0.0, count=20)
        self.assertEqual(rx.frames_failed(), 20)
        # every frame shows the fallback: the training set's mean image, the same each time
        self.assertTrue(np.allclose(got, got[0]))
        self.assertAlmostEqual(float(np.mean(got[0])), 0.286, delta=0.01)  # Fashion-MNIST's mean pixel

    def test_a_robust_mcs_holds_where_the_fast_one_fails(self):
        # at 12 dB 64QAM 2/3 loses every frame; 16QAM 2/3 delivers every image that fits its 38 bytes
        _, fast, _, _, _ = self.link("64qam-2/3", 12.0, count=20)
        self.assertEqual(fast.frames_failed(), 20)
        tx, robust, _, _, _ = self.link("16qam-2/3", 12.0, count=20)
        self.assertLess(tx.images_too_large(), 20)
        self.assertEqual(robust.frames_failed(), tx.images_too_large())

    def test_classifier_on_clean_images(self):
        count = 300
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", count)
        clf = semcom.image_classifier(os.path.join(MODELS, "separate_classifier.json"), "cpu", 32)
        self.assertEqual((clf.classes(), clf.tasks()), ([10, 4], ["fine", "coarse"]))
        fine = semcom.metrics_sink(1, 28, 28, 10, "fine", "fine", 0, "", False, 4096)
        coarse = semcom.metrics_sink(1, 28, 28, 4, "coarse", "coarse", 0, "", False, 4096)
        tb.connect(src, clf)
        tb.connect(src, (fine, 0))
        tb.connect((clf, 0), (fine, 1))
        tb.connect(src, (coarse, 0))
        tb.connect((clf, 1), (coarse, 1))
        tb.run()
        self.assertEqual(fine.frames(), count)  # matched by seq: the frame info reached the scores
        self.assertGreater(fine.accuracy(), 0.85)
        self.assertGreater(coarse.accuracy(), fine.accuracy())

    def test_the_blocks_agree_with_semcom_simulate(self):
        # the same 200 test images, MCS, SNR and classifier as `semcom simulate --scheme separate`
        # (its channel noise drawn otherwise): PSNR and accuracy agree within what 200 images allow
        count, app = 200, os.path.join(os.environ.get("SEMCOM_BUILD_DIR", os.path.join(SOURCE, "build")), "apps",
                                       "semcom")
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", count)
        tx = semcom.separate_transmitter(1, 28, 28, "64qam-2/3", N)
        ch = semcom.broadcast_channel(["awgn"], [20.0], "block", N, 5)
        rx = semcom.separate_receiver(1, 28, 28, "64qam-2/3", N)
        clf = semcom.image_classifier(os.path.join(MODELS, "separate_classifier.json"), "cpu", 32)
        met = semcom.metrics_sink(1, 28, 28, 10, "fine", "rx2", 0, "", True, 4096)
        tb.connect(src, tx, ch, rx, clf)
        tb.connect(src, (met, 0))
        tb.connect(rx, (met, 1))
        tb.connect((clf, 0), (met, 2))
        tb.connect((clf, 1), blocks.null_sink(gr.sizeof_float * 4))
        tb.run()
        with tempfile.TemporaryDirectory() as out:
            result = subprocess.run([app, "simulate", "--scheme", "separate", "--mcs", "64qam-2/3", "--snr", "20,20",
                                     "--images", str(count), "--quiet", "--json", os.path.join(out, "r.json"),
                                     "--out-dir", out], capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(result.returncode, 0, result.stderr)
            with open(os.path.join(out, "r.json")) as f:
                want = json.load(f)["receivers"][1]  # rx2: the fine task
        self.assertEqual(want["task"], "fine")
        self.assertAlmostEqual(met.psnr_db(), want["psnr_db"], delta=0.3)
        self.assertAlmostEqual(met.accuracy(), want["accuracy"], delta=0.03)

    def test_bad_input_is_refused_with_its_name(self):
        with self.assertRaisesRegex(ValueError, r"^separate_transmitter: unknown MCS 'qpsk-1/2' \(one of 4qam-1/2"):
            semcom.separate_transmitter(1, 28, 28, "qpsk-1/2", N)
        with self.assertRaisesRegex(ValueError, "channel_uses must be >= 8"):
            semcom.separate_receiver(1, 28, 28, "16qam-1/2", 4)
        with self.assertRaisesRegex(ValueError, "fallback 'grey'"):
            semcom.separate_receiver(1, 28, 28, "16qam-1/2", N, "grey")
        with self.assertRaisesRegex(ValueError, "must take one input, an image"):
            semcom.image_classifier(os.path.join(MODELS, "deepscm_conv_rx1.json"), "cpu")


if __name__ == "__main__":
    gr_unittest.run(qa_separate_coding)
