#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A new scheme end to end, touching no file of the project: a test-only Python module
(tests/toy_scheme/toy_scheme.py, loaded with --scheme-module) trains and exports it, a scheme-table
row (a SEMCOM_SCHEMES file) names it, and the C++ Signature, the composite chains and
`semcom simulate` (symbol level and waveform, where its header code travels in every burst) run it."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")
TOY = os.path.join(SOURCE, "tests", "toy_scheme")
HEADER_CODE = 200


class qa_toy_scheme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.models = os.path.join(d, "models")
        env = dict(os.environ, PYTHONPATH=os.path.join(SOURCE, "python"), OMP_NUM_THREADS="1")
        for step in (["train"], ["export", "--models-dir", cls.models, "--images", "500"]):
            r = subprocess.run(["/usr/bin/python3", "-m", "semcom_train", "--scheme-module",
                                os.path.join(TOY, "toy_scheme.py"), *step, "--config", os.path.join(TOY, "toy.yaml"),
                                "--out", os.path.join(d, "ckpt"), "--threads", "1"],
                               capture_output=True, text=True, env=env, cwd=SOURCE, timeout=600)
            assert r.returncode == 0, r.stderr[-3000:]
        cls.table = os.path.join(d, "schemes.txt")
        with open(cls.table, "w") as f:
            f.write(f"# the toy scheme's row, for this test only\ntoy {HEADER_CODE} superposition "
                    f"{os.path.join(cls.models, 'toy')}\n")
        with open(os.path.join(cls.models, "toy_rx1.json")) as f:
            cls.exported = json.load(f)["metrics"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def simulate(self, *args, table=True):
        env = dict(os.environ)
        if table:
            env["SEMCOM_SCHEMES"] = self.table
        else:
            env.pop("SEMCOM_SCHEMES", None)
        out = os.path.join(self.tmp.name, "sim.json")
        r = subprocess.run([SEMCOM, "simulate", "--scheme", "toy", "--device", "cpu", "--quiet", "--json", out,
                            "--out-dir", self.tmp.name, *args],
                           capture_output=True, text=True, env=env, cwd=SOURCE, timeout=600)
        result = None
        if r.returncode == 0:
            with open(out) as f:
                result = json.load(f)
        return r, result

    def test_simulate_runs_the_toy_scheme_through_the_chains(self):
        images = 500
        snr = self.exported["snr_db"]  # where the export measured it
        r, result = self.simulate("--snr", str(snr), "--images", str(images))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(result["scheme"], "toy")
        self.assertEqual(result["channel_uses"], 16)
        rx = result["receivers"][0]
        self.assertEqual(rx["frames"], images)
        # the C++ flowgraph reproduces the export's measurement at its SNR: the same first 500 test
        # images, other noise; 4 standard errors of a proportion of 500 on top of 2 points
        p = self.exported["accuracy"]
        tolerance = 0.02 + 4 * (p * (1 - p) / images) ** 0.5
        self.assertAlmostEqual(rx["accuracy"], p, delta=tolerance)
        self.assertGreater(rx["accuracy"], 0.3)  # chance is 0.1
        self.assertAlmostEqual(rx["psnr_db"], self.exported["psnr_db"], delta=0.5)

    def test_waveform_bursts_carry_the_toy_header_code(self):
        r, result = self.simulate("--snr", "20", "--images", "60", "--waveform", "--impairments", "none")
        self.assertEqual(r.returncode, 0, r.stderr)
        rx = result["receivers"][0]
        self.assertEqual(rx["frames"], 60)
        self.assertEqual(rx["frames_rejected"], 0)
        self.assertEqual(rx["header_errors"], 0)

    def test_without_its_table_row_the_scheme_is_refused_in_one_line(self):
        r, _ = self.simulate("--snr", "20", "--images", "10", table=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--scheme: unknown scheme 'toy'", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        r, _ = self.simulate("--snr", "20", "--images", "10", "--models", os.path.join(self.models, "toy"),
                             table=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("scheme 'toy' is not in the scheme table", r.stderr)

    def test_the_chains_from_python_know_its_code(self):
        env = dict(os.environ, SEMCOM_SCHEMES=self.table)
        code = ("from gnuradio import semcom\n"
                f"tx = semcom.transmitter({os.path.join(self.models, 'toy_encoder.json')!r}, 'cpu')\n"
                f"rx = semcom.receiver({os.path.join(self.models, 'toy_rx1.json')!r}, 'cpu')\n"
                "print(tx.scheme(), tx.header_code(), tx.transmit_kind(), rx.header_code(), rx.task())\n")
        r = subprocess.run(["/usr/bin/python3", "-c", code], capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr)
        # (the model loader logs to stdout before it)
        self.assertEqual(r.stdout.strip().splitlines()[-1].split(), ["toy", str(HEADER_CODE), "superposition", str(HEADER_CODE), "fine"])


if __name__ == "__main__":
    unittest.main()
