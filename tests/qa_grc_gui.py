#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every Qt GUI example flowgraph (but the USRP pair: qa_grc_usrp) opens its window under Xvfb
and runs on the shipped models: scripts/screenshot_gui.py --check finds pictures (not blank) in
every row of every Image Display and a report from each receiver in every Metrics Display."""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
EXAMPLES = os.path.join(SOURCE, "grc", "examples")


def gui_flowgraphs():
    out = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "*.grc"))):
        with open(path) as f:
            text = f.read()
        if "generate_options: qt_gui" in text and "_usrp_" not in path:
            out.append(path)
    return out


class qa_grc_gui(unittest.TestCase):
    def test_every_gui_example_shows_its_pictures_and_metrics(self):
        self.assertIsNotNone(shutil.which("xvfb-run"), "xvfb-run not found (scripts/setup.sh deps installs xvfb)")
        flowgraphs = gui_flowgraphs()
        self.assertGreaterEqual(len(flowgraphs), 4)
        for path in flowgraphs:
            name = os.path.splitext(os.path.basename(path))[0]
            with self.subTest(flowgraph=name), tempfile.TemporaryDirectory() as out:
                png = os.path.join(out, name + ".png")
                result = subprocess.run(
                    ["xvfb-run", "-a", "-s", "-screen 0 1700x1100x24", "/usr/bin/python3",
                     os.path.join(SOURCE, "scripts", "screenshot_gui.py"), path, png, "--seconds", "12",
                     "--size", "1600x1050", "--check"],
                    capture_output=True, text=True, timeout=240, cwd=SOURCE)
                self.assertEqual(result.returncode, 0, result.stdout[-3000:] + result.stderr[-3000:])
                seen = json.loads(result.stdout.strip().splitlines()[-1])
                self.assertEqual(seen["problems"], [])
                self.assertTrue(os.path.getsize(png) > 20000)  # a real window, not an empty frame
                with open(path) as f:
                    text = f.read()
                if "semcom_image_display" in text:
                    self.assertIn("images", seen["displays"])
                if "semcom_metrics_display" in text:
                    self.assertIn("metrics", seen["displays"])
                    # a report from every receiver's Metrics Sink
                    self.assertEqual(len(seen["displays"]["metrics"]), text.count("id: semcom_metrics_sink"))


if __name__ == "__main__":
    unittest.main()
