#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Runs a Qt GUI flowgraph for a few seconds and saves a screenshot of its window.

    xvfb-run -s "-screen 0 1600x1000x24" /usr/bin/python3 scripts/screenshot_gui.py \
        grc/examples/semcom_broadcast_gui.grc docs/broadcast_gui.png [--seconds 6]

(with PYTHONPATH=build/python and GRC_BLOCKS_PATH=gr-semcom/grc, from the repository root).
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("grc")
    p.add_argument("png")
    p.add_argument("--seconds", type=float, default=6.0)
    p.add_argument("--size", default="1500x900")
    a = p.parse_args()
    out = tempfile.mkdtemp()
    subprocess.run(["grcc", "-o", out, a.grc], check=True, capture_output=True)
    name = os.path.splitext(os.path.basename(a.grc))[0]
    spec = importlib.util.spec_from_file_location(name, os.path.join(out, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from PyQt5 import Qt
    app = Qt.QApplication(sys.argv)
    tb = getattr(module, name)()
    w, h = (int(v) for v in a.size.split("x"))
    tb.resize(w, h)
    tb.start()
    tb.show()
    end = time.time() + a.seconds
    while time.time() < end:
        app.processEvents()
        time.sleep(0.02)
    tb.grab().save(a.png)
    tb.stop()
    tb.wait()
    tb.close()
    app.processEvents()
    print(f"wrote {a.png}")
    os._exit(0)  # skip Qt's teardown at exit (it can crash the interpreter)


if __name__ == "__main__":
    main()
