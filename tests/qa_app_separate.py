#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`semcom simulate --scheme separate`: JPEG + LDPC (gr-fec) + QAM at the semantic schemes' number
of channel uses. At high SNR the frames decode (CRC) and the images are good; with a fixed MCS
below its threshold every frame fails and the receiver falls back to the mean image and the most
frequent class (the cliff); each image takes exactly n symbols; bad input gives one line."""

import csv
import json
import os
import subprocess
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")


def run(*args):
    return subprocess.run([SEMCOM, *args], capture_output=True, text=True, timeout=600, cwd=SOURCE)


def simulate(*args):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "sep.json")
        r = run("simulate", "--scheme", "separate", "--quiet", "--device", "cpu", "--json", out, "--out-dir", d,
                *args)
        if r.returncode != 0:
            raise AssertionError(r.stderr)
        assert os.path.exists(os.path.join(d, "separate_grid.png"))
        with open(out) as f:
            return json.load(f), r.stdout


class qa_app_separate(unittest.TestCase):
    def test_high_snr_decodes_with_exactly_n_symbols(self):
        result, stdout = simulate("--snr", "25,25", "--images", "100")
        self.assertIn("PSNR (dB)", stdout)
        with open(os.path.join(SOURCE, "models", "deepscm_conv_encoder.json")) as f:
            n = json.load(f)["channel_uses"]
        self.assertEqual(result["channel_uses"], n)
        self.assertEqual(result["symbols_per_image"], n)
        self.assertEqual(len(result["receivers"]), 2)
        for rx in result["receivers"]:
            self.assertEqual(rx["frames"], 100)
            # a dense MCS decodes at 25 dB (256QAM rate 2/3: 85 bytes per image)
            self.assertGreaterEqual(rx["frame_bytes"], 64, rx["mcs"])
            self.assertGreaterEqual(rx["crc_ok"], 0.99)
            self.assertGreaterEqual(rx["decoded"], 0.95)
            self.assertGreater(rx["psnr_db"], 20.0)
            self.assertGreater(rx["accuracy_fine"], 0.7)
            self.assertGreater(rx["accuracy_coarse"], 0.85)
        self.assertEqual([rx["task"] for rx in result["receivers"]], ["coarse", "fine"])

    def test_fixed_mcs_falls_off_a_cliff(self):
        # 64QAM rate 2/3 decodes at 25 dB and not at all at 5 dB: the weak receiver then shows the
        # training-set mean image and guesses the most frequent class
        result, _ = simulate("--snr", "25,5", "--mcs", "64qam-2/3", "--images", "100")
        good, bad = result["receivers"]
        self.assertEqual(good["mcs"], "64qam-2/3")
        self.assertEqual(bad["mcs"], "64qam-2/3")
        self.assertGreaterEqual(good["crc_ok"], 0.95)
        self.assertGreater(good["psnr_db"], 19.0)
        self.assertEqual(bad["crc_ok"], 0.0)
        self.assertEqual(bad["decoded"], 0.0)
        self.assertLess(bad["psnr_db"], 13.0)
        self.assertLess(bad["accuracy_fine"], 0.2)
        self.assertGreater(good["psnr_db"] - bad["psnr_db"], 6.0)

    def test_sweep_shows_the_cliff(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("simulate", "--scheme", "separate", "--mcs", "64qam-1/2", "--sweep", "5:25:10", "--images",
                    "60", "--quiet", "--out-dir", d, "--device", "cpu")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "sweep.csv")) as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 3 * 2)
        self.assertEqual({row["name"] for row in rows}, {"separate"})
        psnr = {float(row["snr_db"]): float(row["psnr_db"]) for row in rows if row["receiver"] == "2"}
        self.assertGreater(psnr[15.0] - psnr[5.0], 4.0)  # decoded above the threshold, nothing below
        self.assertAlmostEqual(psnr[25.0], psnr[15.0], delta=0.5)  # and no better above it

    def test_fixed_mcs_reproduces_the_auto_runs_frames(self):
        auto, _ = simulate("--snr", "14", "--images", "60")
        fixed, _ = simulate("--snr", "14", "--images", "60", "--mcs", "64qam-1/2")
        self.assertEqual(fixed["receivers"][0]["crc_ok"], auto["receivers"][0]["crc_ok_by_mcs"]["64qam-1/2"])

    def test_other_channel_uses(self):
        result, _ = simulate("--snr", "25", "--images", "20", "--mcs", "64qam-2/3", "--channel-uses", "64")
        self.assertEqual(result["symbols_per_image"], 64)
        self.assertEqual(result["receivers"][0]["frame_bytes"], 64 * 6 * 2 // 3 // 8)

    def test_bad_input_gives_one_line(self):
        for args, words in ((["--mcs", "12qam-1/2"], "--mcs '12qam-1/2'"),
                            (["--role", "tx"], "--role all"),
                            (["--snr", "1,2,3", "--channel", "awgn,awgn"], "--channel")):
            r = run("simulate", "--scheme", "separate", "--images", "5", "--quiet", *args)
            self.assertNotEqual(r.returncode, 0, args)
            lines = r.stderr.strip().splitlines()
            self.assertEqual(len(lines), 1, r.stderr)
            self.assertIn(words, lines[0])
            self.assertTrue(lines[0].startswith("semcom: error:"), lines[0])


if __name__ == "__main__":
    unittest.main()
