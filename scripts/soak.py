#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Soak and overload of the two-receiver waveform loopback (issue 15; a script, not a CI test).

    /usr/bin/python3 scripts/soak.py [--images 100000] [--snr -5,20] [--json soak.json]
    /usr/bin/python3 scripts/soak.py --overload [--images 20000] [--slow-ms 20]

Fashion-MNIST test images over and over -> Semantic Transmitter (bursts: --images-per-burst, the
spreading for the weakest receiver) -> per receiver gr-channels (realistic impairments) -> Semantic
Receiver -> Metrics Sink. The resident memory of this process is sampled every --every seconds;
after the warm-up (the first --warmup of the images) it must stay within 5 % of its level then
(10 % under overload).

Soak (nominal): every image sent is scored at every receiver (missing 0), memory flat.
Overload (--overload): receiver 1's decoder runs in real-time mode (its bounded queue drops the
frames it cannot take, counted) and its outputs are consumed --slow-ms per frame (a decoder that
falls behind); the run must end, the drops be counted, and memory stay bounded.
Exit status 0 when the run meets its criteria, 1 when not, 2 on bad arguments.
"""

import argparse
import json
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, "/usr/lib/python3/dist-packages")
from gnuradio import blocks, gr  # noqa: E402

try:
    from gnuradio import semcom  # noqa: E402
except ImportError as e:  # the module is not installed: say how to run it from a build
    sys.exit(f"soak.py: cannot import gnuradio.semcom ({e}); run with PYTHONPATH=build/python "
             "or install the module")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mib():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


class slow_consumer(gr.sync_block):
    """Takes one vector per call and sleeps: a consumer that falls behind."""

    def __init__(self, itemsize, seconds):
        gr.sync_block.__init__(self, "slow_consumer", [(np.float32, itemsize)], None)
        self.seconds = seconds
        self.set_max_noutput_items(1)

    def work(self, input_items, output_items):
        time.sleep(self.seconds)
        return 1


def spreading_for(snr):
    r = 1
    while r < 16 and snr + 10 * np.log10(r) < 5.0:
        r *= 2
    return r


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=None, help="images sent (default 100000; 20000 with --overload)")
    p.add_argument("--models", default=os.path.join(ROOT, "models", "deepscm_conv"), help="model prefix")
    p.add_argument("--snr", default="-5,20", help="receivers' SNRs in dB (default -5,20)")
    p.add_argument("--images-per-burst", type=int, default=8)
    p.add_argument("--overload", action="store_true", help="receiver 1's decoder falls behind (see above)")
    p.add_argument("--slow-ms", type=float, default=20.0, help="--overload: ms per frame of the slow consumer")
    p.add_argument("--every", type=float, default=5.0, help="seconds between memory samples")
    p.add_argument("--warmup", type=float, default=0.1, help="share of the images counted as warm-up")
    p.add_argument("--json", help="write the figures here")
    a = p.parse_args()
    images = a.images if a.images is not None else (20000 if a.overload else 100000)
    try:
        snrs = [float(s) for s in a.snr.split(",")]
    except ValueError:
        p.error(f"--snr: a comma-separated list of dB values, got '{a.snr}'")
    if images < 100 or not all(np.isfinite(snrs)) or len(snrs) != 2 or not 1 <= a.images_per_burst <= 255:
        p.error("--images >= 100, two finite --snr values, --images-per-burst in 1..255")
    json_file = None
    if a.json:
        try:
            json_file = open(a.json, "w")  # found unwritable now, not after the run
        except OSError as e:
            p.error(f"--json {a.json}: {e.strerror}")
    spreading = spreading_for(min(snrs))

    tb = gr.top_block()
    src = semcom.image_source("fashion-mnist", "", "test", 0, False, True)  # repeat: any count
    shape = src.image_shape()
    head = blocks.head(gr.sizeof_float * src.image_size(), images)
    tx = semcom.transmitter(a.models + "_encoder.json", "cpu", 32, 4, 200, a.images_per_burst, spreading)
    tb.connect(src, head, tx)
    receivers, sinks = [], []
    for r, snr in enumerate(snrs):
        ch = semcom.waveform_channel("awgn", snr, "realistic", 4, r, 1)
        realtime = a.overload and r == 0
        rx = semcom.receiver(f"{a.models}_rx{r + 1}.json", "cpu", snr, 32, realtime, 4, 16, 1.0 / 32, 0.0, False,
                             spreading)
        met = semcom.metrics_sink(shape[0], shape[1], shape[2], rx.num_classes(), rx.task(), f"rx{r + 1}", 0, "",
                                  True, 1 << 20)
        tb.connect(tx, ch, rx)
        tb.connect(head, (met, 0))
        tb.connect((rx, 1), (met, 1))
        tb.connect((rx, 0), (met, 2))
        if realtime:  # (a Python block must outlive the run: keep a reference)
            # the decoder's output buffers small, so that a slow consumer holds it up at once and
            # its bounded queue, not GNU Radio's buffers, takes the excess
            for name, blk in rx.blocks():
                if name == "neural_decoder":
                    blk.set_max_output_buffer(0, 256)
                    blk.set_max_output_buffer(1, 64)
            slow = slow_consumer(rx.num_classes(), a.slow_ms / 1000.0)
            tb.connect((rx, 0), slow)
            receivers.append(slow)
        receivers.append(rx)
        sinks.append(met)

    samples = []
    done = threading.Event()

    def sample():
        t0 = time.monotonic()
        while not done.wait(a.every):
            samples.append((time.monotonic() - t0, rss_mib(), head.nitems_written(0) if hasattr(head, "nitems_written") else -1))
            sent = samples[-1][2]
            print(f"soak.py: {samples[-1][0]:7.0f} s  {sent:7d} of {images} images in  RSS {samples[-1][1]:7.1f} MiB",
                  flush=True)

    print(f"soak.py: {images} images, receivers at {snrs} dB, {a.images_per_burst} per burst, spreading {spreading}"
          f"{', overload: rx1 real time, its consumer ' + str(a.slow_ms) + ' ms per frame' if a.overload else ''}",
          flush=True)
    threading.Thread(target=sample, daemon=True).start()
    t0 = time.monotonic()
    tb.run()
    seconds = time.monotonic() - t0
    done.set()
    samples.append((seconds, rss_mib(), images))

    # memory: the level after the warm-up against the rest of the run
    after = [s for s in samples if s[2] >= a.warmup * images]
    base = after[0][1] if after else float("nan")
    peak = max(s[1] for s in after) if after else float("nan")
    growth = 100.0 * (peak - base) / base if after else float("nan")
    out = {"images": images, "snr_db": snrs, "images_per_burst": a.images_per_burst, "spreading": spreading,
           "overload": a.overload, "slow_ms": a.slow_ms if a.overload else 0, "seconds": seconds,
           "cpu": open("/proc/cpuinfo").read().split("model name")[1].split("\n")[0].strip(" :\t"),
           "rss_mib_after_warmup": base, "rss_mib_peak": peak, "rss_growth_percent": growth,
           "rss_samples": samples, "receivers": []}
    ok = np.isfinite(growth) and growth <= (5.0 if not a.overload else 10.0)
    receivers = [b for b in receivers if not isinstance(b, slow_consumer)]
    for r, (rx, met) in enumerate(zip(receivers, sinks)):
        d = {"receiver": r + 1, "snr_db": snrs[r], "frames": met.frames(), "missing": met.frames_missing(),
             "nonfinite": met.frames_nonfinite(), "decoder_dropped": rx.frames_dropped(),
             "bursts_detected": rx.bursts_detected(), "header_errors": rx.header_errors(),
             "accuracy": met.accuracy(), "psnr_db": met.psnr_db(), "measured_snr_db": rx.mean_snr_db()}
        out["receivers"].append(d)
        print(f"soak.py: rx{r + 1} at {snrs[r]} dB: {d['frames']} scored, {d['missing']} missing, "
              f"{d['decoder_dropped']} dropped by the decoder's queue, {d['bursts_detected']} bursts, "
              f"{d['header_errors']} header errors, accuracy {100 * d['accuracy']:.1f} %, PSNR {d['psnr_db']:.2f} dB")
        if d["frames"] + d["missing"] != images:
            ok = False  # every image accounted for
        if not a.overload or r > 0:
            ok = ok and d["missing"] == 0
    if a.overload:
        ok = ok and out["receivers"][0]["decoder_dropped"] > 0
    print(f"soak.py: {seconds:.0f} s; RSS {base:.1f} MiB after warm-up, peak {peak:.1f} MiB ({growth:+.1f} %); "
          f"{'PASS' if ok else 'FAIL'}")
    if json_file:
        json.dump(out, json_file, indent=1)
        json_file.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
