#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The main job's app: `semcom loopback` reproduces the closed-form per-layer SER and refuses bad
input with one clear line and a non-zero exit."""

import json
import math
import os
import subprocess
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")


def run(*args):
    return subprocess.run([SEMCOM, *args], capture_output=True, text=True, timeout=300)


class qa_app_loopback(unittest.TestCase):
    def check_against_theory(self, *args, symbols=300000):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            r = run("loopback", "--symbols", str(symbols), "--quiet", "--json", out, *args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("SER (ML)", r.stdout)
            result = json.load(open(out))
        for rx in result["receivers"]:
            for layer in rx["layers"]:
                p = layer["ser_theory"]
                sd = math.sqrt(p * (1 - p) / symbols)
                # block fading with 1024-symbol frames: ~300 independent draws, so looser
                slack = 0.05 * p if "block" in rx["channel"] else 0.0
                self.assertAlmostEqual(layer["ser_ml"], p, delta=5 * sd + slack + 1e-5,
                                       msg=f'{rx["channel"]}: {layer}')
                self.assertLessEqual(layer["ser_ml"], layer["ser_sic"] + 5 * sd)
        return result

    def test_default_awgn_pair(self):
        result = self.check_against_theory()
        self.assertEqual([rx["snr_db"] for rx in result["receivers"]], [-5, 20])
        # the weak receiver is far worse on the enhancement layer than the strong one
        weak, strong = result["receivers"]
        self.assertGreater(weak["layers"][1]["ser_ml"], 10 * strong["layers"][1]["ser_ml"])

    def test_fading_receivers(self):
        self.check_against_theory("--channel", "rayleigh,rician:3", "--snr", "12,18",
                                  "--fading", "per_symbol")

    def test_qpsk_over_qpsk(self):
        self.check_against_theory("--layers", "4qam,4qam", "--alpha", "0.8,0.2", "--snr", "6,14")

    def test_bad_input_gives_one_line_and_non_zero_exit(self):
        cases = [
            (["--snr", "1,2,3", "--channel", "awgn,awgn"], "--channel has 2 entries for 3 receivers"),
            (["--alpha", "0.3,0.7"], "strictly decreasing"),
            (["--layers", "4qam,12qam"], "12qam"),
            (["--channel", "nakagami"], "unknown channel 'nakagami'"),
            (["--alpha", "0.5,0.3,0.2"], "--alpha has 3 values for 2 layers"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                r = run("loopback", "--quiet", *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr)
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)

    def test_help(self):
        r = run("loopback", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--snr", r.stdout)
        self.assertNotEqual(run().returncode, 0)


if __name__ == "__main__":
    unittest.main()
