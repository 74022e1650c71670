#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Receivers in other processes: one `semcom simulate --role tx` publishing over ZeroMQ on
loopback and two `--role rx` processes get exactly the metrics of the single-process run with
the same seed (each receiver's noise is seeded from the seed and its number). DeepBroadcast's SNR
reports travel back over ZeroMQ too (--feedback with --role tx / rx)."""

import json
import os
import socket
import subprocess
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")
IMAGES = "60"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class qa_app_zmq(unittest.TestCase):
    def test_tx_and_two_rx_processes_match_the_single_process_run(self):
        with tempfile.TemporaryDirectory() as d:
            common = ["simulate", "--images", IMAGES, "--seed", "7", "--quiet", "--device", "cpu", "--out-dir", d]
            single = os.path.join(d, "single.json")
            r = subprocess.run([SEMCOM, *common, "--json", single], capture_output=True, text=True, timeout=300,
                               cwd=SOURCE)
            self.assertEqual(r.returncode, 0, r.stderr)
            address = f"tcp://127.0.0.1:{free_port()}"
            rxs = [subprocess.Popen([SEMCOM, *common, "--role", "rx", "--receiver", str(k), "--address", address,
                                     "--json", os.path.join(d, f"rx{k}.json"), "--idle-timeout", "60"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SOURCE)
                   for k in (1, 2)]
            tx = subprocess.run([SEMCOM, *common, "--role", "tx", "--address", address, "--start-delay", "5000"],
                                capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(tx.returncode, 0, tx.stderr)
            self.assertIn("published 60 images", tx.stdout)
            for p in rxs:
                out, err = p.communicate(timeout=300)
                self.assertEqual(p.returncode, 0, err)
            with open(single) as f:
                expected = json.load(f)["receivers"]
            for k in (1, 2):
                with open(os.path.join(d, f"rx{k}.json")) as f:
                    got = json.load(f)["receivers"]
                self.assertEqual(len(got), 1)
                self.assertEqual(got[0]["frames"], int(IMAGES))
                # Same symbols and noise; the decoders may batch the frames differently, which moves
                # the logits and float sums in the last digits only: a near-tie may flip one decision.
                self.assertAlmostEqual(got[0]["accuracy"], expected[k - 1]["accuracy"], delta=1.0 / int(IMAGES) + 1e-9,
                                       msg=f"rx{k}")
                for key in ("psnr_db", "ssim"):
                    self.assertAlmostEqual(got[0][key], expected[k - 1][key], delta=1e-5, msg=f"rx{k} {key}")

    def test_bad_receiver_number(self):
        r = subprocess.run([SEMCOM, "simulate", "--role", "rx", "--receiver", "3", "--images", "5", "--quiet"],
                           capture_output=True, text=True, timeout=60, cwd=SOURCE)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--receiver 3 is not one of the 2 receivers", r.stderr)

    def test_bad_feedback_address_is_named(self):
        # the transmitter's snr_report_source cannot bind: the error names the option and the value
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([SEMCOM, "simulate", "--scheme", "deepbroadcast", "--snr", "15,10,5", "--images", "5",
                                "--quiet", "--device", "cpu", "--out-dir", d, "--feedback", "--role", "tx",
                                "--address", f"tcp://127.0.0.1:{free_port()}", "--feedback-address", "nonsense:1"],
                               capture_output=True, text=True, timeout=120, cwd=SOURCE)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--feedback-address 'nonsense:1': snr_report_source: cannot bind to 'nonsense:1'", r.stderr)

    def feedback_over_zeromq(self, images, *extra):
        """Three --role rx processes publish their snr_report to the transmitter's feedback address;
        the transmitter's encoder takes them (each change logged) and the later frames carry them."""
        with tempfile.TemporaryDirectory() as d:
            common = ["simulate", "--scheme", "deepbroadcast", "--snr", "15,10,5", "--images", str(images),
                      "--quiet", "--device", "cpu", "--out-dir", d, "--feedback",
                      "--address", f"tcp://127.0.0.1:{free_port()}",
                      "--feedback-address", f"tcp://127.0.0.1:{free_port()}", *extra]
            rxs = [subprocess.Popen([SEMCOM, *common, "--role", "rx", "--receiver", str(k),
                                     "--json", os.path.join(d, f"rx{k}.json"), "--idle-timeout", "60"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SOURCE)
                   for k in (1, 2, 3)]
            tx = subprocess.run([SEMCOM, *common, "--role", "tx", "--start-delay", "5000"],
                                capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(tx.returncode, 0, tx.stderr)
            self.assertIn(f"published {images} images", tx.stdout)
            for k in (1, 2, 3):
                self.assertIn(f"SNR used for receiver {k}: -5.00 -> ", tx.stdout + tx.stderr)
            got = []
            for k, p in enumerate(rxs, start=1):
                out, err = p.communicate(timeout=300)
                self.assertEqual(p.returncode, 0, err)
                with open(os.path.join(d, f"rx{k}.json")) as f:
                    (rx,) = json.load(f)["receivers"]
                self.assertEqual(rx["frames"], images)
                self.assertNotEqual(rx["encoder_snr_db_last"], -5.0)  # the last frames used a report
                got.append(rx)
            return got, tx.stdout + tx.stderr

    def test_deepbroadcast_snr_reports_travel_back_over_zeromq(self):
        self.feedback_over_zeromq(2000)[0]

    def test_deepbroadcast_feedback_over_zeromq_at_waveform_level(self):
        # bursts of 8 images, the SNRs the encoder used in each burst's side information: what
        # the receivers' tables show is what the transmitter was told
        # (a burst also ends where the SNR used changes, so each change the transmitter logs may
        # add one burst; how many reports arrive, and when, depends on the scheduling of four
        # processes: 2000 images, since with 1000 a busy machine once finished sending before
        # one receiver's first report came back)
        images = 2000
        receivers, tx_log = self.feedback_over_zeromq(images, "--waveform", "--channel", "awgn")
        changes = tx_log.count("SNR used for receiver")
        for k, rx in enumerate(receivers, start=1):
            with self.subTest(receiver=k):
                self.assertGreaterEqual(rx["bursts_detected"], images // 8)
                self.assertLessEqual(rx["bursts_detected"], images // 8 + changes)
        # the reports are the receivers' measured SNRs, 5 dB apart: their order survives the noise
        last = [rx["encoder_snr_db_last"] for rx in receivers]
        self.assertGreater(last[0], last[1])
        self.assertGreater(last[1], last[2])

if __name__ == "__main__":
    unittest.main()
