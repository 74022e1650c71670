#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Runs a Qt GUI flowgraph for a few seconds and saves a screenshot of its window.

    xvfb-run -a -s "-screen 0 1700x1100x24" /usr/bin/python3 scripts/screenshot_gui.py \\
        grc/examples/semcom_broadcast_gui.grc docs/broadcast_gui.png [--seconds 10] [--check]

(with PYTHONPATH=build/python and GRC_BLOCKS_PATH=gr-semcom/grc, from the repository root).
--check: also look inside the window; exit 1, with one line saying what is wrong, unless every
Image Display shows pictures in every row (not blank) and every Metrics Display has had a report
from each receiver. Prints one JSON line of what it saw.
"""

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np


def check_displays(tb):
    """What the flowgraph's Image and Metrics Displays show: a dict, and the problems found."""
    from gnuradio.semcom.image_display import image_display
    from gnuradio.semcom.metrics_display import metrics_display
    seen, problems = {}, []
    for name, block in sorted(vars(tb).items()):
        if isinstance(block, image_display):
            _, columns, grid = block.snapshot()
            rows = []
            for label, cells in zip(block.labels, grid):
                pictures = [c["image"] for c in cells if c["image"] is not None]
                spread = max((float(np.std(p)) for p in pictures), default=0.0)
                rows.append({"row": label, "pictures": len(pictures), "spread": round(spread, 4)})
                if not pictures or spread < 0.02:
                    problems.append("%s: row '%s' shows no picture (%d cells, pixel spread %.3f)"
                                    % (name, label, len(pictures), spread))
            seen[name] = {"columns": len(columns), "rows": rows, "frames_seen": block.frames_seen()}
        elif isinstance(block, metrics_display):
            _, latest, _ = block.snapshot()
            seen[name] = {r: {k: m.get(k) for k in ("frames", "missing", "accuracy", "psnr_db")}
                          for r, m in latest.items()}
            if not latest:
                problems.append("%s: no metrics report arrived" % name)
    return seen, problems


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("grc", help="a Qt GUI flowgraph (.grc)")
    p.add_argument("png", help="where the screenshot goes")
    p.add_argument("--seconds", type=float, default=6.0, help="how long it runs before the screenshot")
    p.add_argument("--size", default="1500x900", help="window size WxH")
    p.add_argument("--check", action="store_true", help="fail unless the displays show pictures and metrics")
    a = p.parse_args()
    if not os.path.isfile(a.grc):
        sys.exit("screenshot_gui: no flowgraph '%s'" % a.grc)
    try:
        w, h = (int(v) for v in a.size.split("x"))
    except ValueError:
        sys.exit("screenshot_gui: --size '%s' is not WxH" % a.size)
    out = tempfile.mkdtemp()
    compiled = subprocess.run(["grcc", "-o", out, a.grc], capture_output=True, text=True)
    if compiled.returncode != 0 or "Error while loading" in compiled.stdout + compiled.stderr:
        sys.exit("screenshot_gui: grcc could not compile '%s':\n%s" % (a.grc, compiled.stdout + compiled.stderr))
    name = os.path.splitext(os.path.basename(a.grc))[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(out, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from PyQt5 import Qt
    app = Qt.QApplication(sys.argv)
    tb = getattr(module, name)()
    tb.resize(w, h)
    tb.start()
    tb.show()
    end = time.time() + a.seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)
    picture = tb.grab()
    seen, problems = check_displays(tb) if a.check else ({}, [])
    picture.save(a.png)
    tb.stop()
    tb.wait()
    tb.close()
    app.processEvents()
    if picture.isNull() or picture.width() < 100:
        problems.append("the window did not open (screenshot %dx%d)" % (picture.width(), picture.height()))
    if a.check:
        print(json.dumps({"flowgraph": name, "displays": seen, "problems": problems}))
    print("wrote %s" % a.png, file=sys.stderr)
    sys.stdout.flush()
    if problems:
        print("screenshot_gui: " + problems[0], file=sys.stderr)
    os._exit(1 if problems else 0)  # skip Qt's teardown at exit (it can crash the interpreter)


if __name__ == "__main__":
    main()
