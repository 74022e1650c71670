#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The USRP profiles in hardware/profiles are complete and self-consistent: every field the
radio programs need, a sample rate the master clock reaches by an integer decimation, gains and
sources among the device's values."""

import glob
import os
import unittest

import yaml

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
REQUIRED = {"device", "args", "master_clock_rate", "sample_rate", "center_freq", "tx_gain", "rx_gain",
            "tx_antenna", "rx_antenna", "clock_source", "time_source", "otw_format", "max_rx_input_dbm"}
GAIN_MAX = {"b210": (89.75, 76.0), "n210": (31.5, 31.5), "x310": (31.5, 31.5)}


class qa_hardware_profiles(unittest.TestCase):
    def test_profiles(self):
        files = sorted(glob.glob(os.path.join(SOURCE, "hardware", "profiles", "*.yaml")))
        self.assertEqual([os.path.basename(f) for f in files], ["b210.yaml", "n210.yaml", "x310.yaml"])
        for path in files:
            with self.subTest(profile=os.path.basename(path)), open(path) as f:
                p = yaml.safe_load(f)
                self.assertEqual(REQUIRED - set(p), set())
                decimation = p["master_clock_rate"] / p["sample_rate"]
                self.assertAlmostEqual(decimation, round(decimation), places=9)
                self.assertEqual(p["sample_rate"] % 100e3, 0)  # whole samples per symbol at 100 ksym/s
                tx_max, rx_max = GAIN_MAX[p["device"]]
                self.assertTrue(0 <= p["tx_gain"] <= tx_max and 0 <= p["rx_gain"] <= rx_max)
                self.assertIn(p["clock_source"], ("internal", "external", "gpsdo", "mimo"))
                self.assertIn(p["time_source"], ("internal", "external", "gpsdo", "mimo"))
                self.assertLessEqual(p["max_rx_input_dbm"], -15)


if __name__ == "__main__":
    unittest.main()
