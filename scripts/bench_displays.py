#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""How many images a second the Image Display takes on one input (what it would cost a
flowgraph), beside a null sink: vector_source (repeat, frame-info tags) -> head(N) -> sink.

    QT_QPA_PLATFORM=offscreen PYTHONPATH=build/python /usr/bin/python3 scripts/bench_displays.py [--images N]
"""

import argparse
import platform
import time

import numpy as np
import pmt
from gnuradio import blocks, gr

from gnuradio import semcom


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def rate(images, sink, tagged):
    tags = []
    for k in range(100 if tagged else 0):
        d = pmt.make_dict()
        for key, v in (("seq", k), ("fine", k % 10), ("coarse", 0)):
            d = pmt.dict_add(d, pmt.intern(key), pmt.from_long(v))
        tags.append(gr.tag_utils.python_to_tag((k, pmt.intern("semcom_frame"), d)))
    data = np.random.default_rng(1).random(784 * 100).astype(np.float32)
    tb = gr.top_block()
    tb.connect(blocks.vector_source_f(data.tolist(), True, 784, tags), blocks.head(784 * 4, images), sink)
    start = time.time()
    tb.run()
    return images / (time.time() - start)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=200000, help="images through each sink")
    a = p.parse_args()
    if a.images < 1000:
        raise SystemExit("bench_displays: --images must be at least 1000")
    print("CPU: %s" % cpu_model())
    print("null_sink:                          %8.0f images/s" % rate(a.images, blocks.null_sink(784 * 4), True))
    print("image_display, frames with tags:    %8.0f images/s" % rate(a.images, semcom.image_display(["Sent"], [""]), True))
    print("image_display, untagged:            %8.0f images/s" % rate(a.images, semcom.image_display(["Sent"], [""]), False))


if __name__ == "__main__":
    main()
