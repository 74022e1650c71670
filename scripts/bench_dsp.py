#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Throughput of the gr-semcom DSP blocks against their GNU Radio peers, measured in one run.

Each block runs in the same harness: vector_source (repeat) -> head(N) -> block -> null_sink,
timed over the whole flowgraph run, best of --repeats. Every block's output buffer gets the same
size in bytes (--buffer-kib), so a block with 1512-symbol vectors (dvbt_map) and one with single
symbols move the same amount of data per scheduler call: a fair comparison of the work itself. The semcom-core classes alone are measured
by the Google Benchmark program semcom-core-bench (no scheduler), printed first.

    /usr/bin/python3 scripts/bench_dsp.py [--build-dir build] [--seconds 0.7] [--json out.json]
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build-dir", default="build", help="CMake build directory (default: build)")
    p.add_argument("--seconds", type=float, default=0.7, help="target run time per measurement")
    p.add_argument("--repeats", type=int, default=3, help="runs per case; the best counts")
    p.add_argument("--buffer-kib", type=int, default=1024,
                   help="output buffer of every block, in KiB (default 1024; 0: GNU Radio's default)")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--skip-core", action="store_true", help="skip the semcom-core Google Benchmark")
    return p.parse_args()


def import_gnuradio(build_dir):
    os.environ.setdefault("GR_CONF_LOG_LOG_LEVEL", "error")  # no buffer-size chatter
    os.environ["GR_CONF_PERFCOUNTERS_ON"] = "True"  # per-block work() time
    sys.path.insert(0, os.path.join(build_dir, "python"))
    from gnuradio import blocks, channels, digital, dtv, gr, semcom  # noqa: F401
    return blocks, channels, digital, dtv, gr, semcom


def core_benchmarks(build_dir):
    exe = os.path.join(build_dir, "lib", "bench", "semcom-core-bench")
    if not os.path.exists(exe):
        print(f"(no {exe}: configure with -DSEMCOM_ENABLE_BENCH=ON)")
        return []
    out = subprocess.run([exe, "--benchmark_format=json", "--benchmark_min_time=0.5", "--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    print("semcom-core (Google Benchmark, no scheduler, median of 3)")
    for b in json.loads(out)["benchmarks"]:
        if b.get("aggregate_name", "median") != "median":
            continue
        rate = b.get("items_per_second", 0) / 1e6
        label = b.get("label", "")
        rows.append({"name": b["name"], "label": label, "msym_per_s": rate})
        print(f"  {b['name']:<32} {label:<22} {rate:10.1f} Msym/s")
    print()
    return rows


class Harness:
    def __init__(self, gr, blocks, seconds, repeats):
        self.gr, self.blocks = gr, blocks
        self.seconds, self.repeats = seconds, repeats

    def rate(self, build, n_items):
        """build(tb, n) connects source -> head(n symbols) -> block -> sinks into tb and returns
        the block under test. n grows until a run lasts about self.seconds. Returns the best
        (flowgraph symbols/s, block work() symbols/s) over the repeats; the second comes from
        GNU Radio's performance counters (time spent inside the block's work())."""
        best_fg = best_work = 0.0
        n = n_items
        runs = 0
        while runs < self.repeats:
            tb = self.gr.top_block()
            block = build(tb, n)
            t0 = time.perf_counter()
            tb.run()
            dt = time.perf_counter() - t0
            if dt < 0.5 * self.seconds and n < (1 << 31):
                n = int(n * min(8.0, self.seconds / max(dt, 1e-3))) // 1512 * 1512
                continue
            runs += 1
            best_fg = max(best_fg, n / dt)
            # hierarchical blocks (gr-channels channel_model) have no counters of their own
            work_ns = block.pc_work_time_total() if hasattr(block, "pc_work_time_total") else 0
            if work_ns > 0:
                best_work = max(best_work, n / (work_ns * 1e-9))
        return best_fg, best_work


def main():
    args = parse_args()
    results = {"core": [], "peers": []}
    if not args.skip_core:
        results["core"] = core_benchmarks(args.build_dir)
    blocks, channels, digital, dtv, gr, semcom = import_gnuradio(args.build_dir)
    h = Harness(gr, blocks, args.seconds, args.repeats)
    rng = np.random.default_rng(1)
    vlen = 1512
    n_src = 1 << 16
    i1 = rng.integers(0, 4, n_src).astype(np.uint8).tolist()
    i2 = rng.integers(0, 16, n_src).astype(np.uint8).tolist()
    i64 = rng.integers(0, 64, n_src).astype(np.uint8).tolist()
    layers, alphas = ["4qam", "16qam"], [16 / 21, 5 / 21]
    table = list(semcom.superposition_mapper(layers, alphas).super_constellation())
    x64 = np.array(table)[np.array(i64)].astype(np.complex64).tolist()
    noisy = (np.array(x64) + 0.1 * (rng.normal(size=n_src) + 1j * rng.normal(size=n_src))).astype(
        np.complex64).tolist()

    buffer_bytes = args.buffer_kib * 1024

    def B(block, item_size):
        """Gives a block's outputs a buffer of buffer_bytes."""
        if buffer_bytes:
            block.set_min_output_buffer(max(1, buffer_bytes // item_size))
        return block

    def src_b(data, v=1):
        return B(blocks.vector_source_b(data, True, v), v)

    def src_c(data):
        return B(blocks.vector_source_c(data, True), gr.sizeof_gr_complex)

    def head_c(n):
        return B(blocks.head(gr.sizeof_gr_complex, n), gr.sizeof_gr_complex)

    def head_b(n):
        return B(blocks.head(gr.sizeof_char, n), 1)

    # The heads sit on the index streams, as on dvbt_map's and chunks_to_symbols' inputs: a
    # head after the mapper would copy its output to another core, and the mapper would then
    # take every cache line back from there first (4QAMx16QAM: 1.9 instead of 3.0 Gsym/s in
    # work() on an Intel Xeon, 2026-12-03).
    def ours_mapper(tb, n):
        m = B(semcom.superposition_mapper(layers, alphas), 8)
        for p, d in enumerate([i1, i2]):
            tb.connect(src_b(d), head_b(n), (m, p))
        tb.connect(m, blocks.null_sink(gr.sizeof_gr_complex))
        return m

    def ours_mapper_k3(tb, n):
        lay, al = ["4qam", "4qam", "16qam"], [0.7, 0.2, 0.1]
        m = B(semcom.superposition_mapper(lay, al), 8)
        for p, d in enumerate([i1, i1[::-1], i2]):
            tb.connect(src_b(d), head_b(n), (m, p))
        tb.connect(m, blocks.null_sink(gr.sizeof_gr_complex))
        return m

    def dvbt(tb, n):
        m = B(dtv.dvbt_map(vlen, dtv.MOD_64QAM, dtv.ALPHA1, dtv.T2k, 1.0), 8 * vlen)
        hd = B(blocks.head(gr.sizeof_char * vlen, n // vlen), vlen)  # n is a multiple of vlen
        tb.connect(src_b(i64[: vlen * 40], vlen), hd, m, blocks.null_sink(gr.sizeof_gr_complex * vlen))
        return m

    def chunks(tb, n):
        m = B(digital.chunks_to_symbols_bc(table, 1), 8)
        hd = B(blocks.head(gr.sizeof_char, n), 1)
        tb.connect(src_b(i64), hd, m, blocks.null_sink(gr.sizeof_gr_complex))
        return m

    def ours_llr(tb, n):
        d = B(semcom.superposition_demapper(layers, alphas, "llr", 0.02), 16)
        hd = head_c(n)
        tb.connect(src_c(noisy), hd, d)
        tb.connect((d, 0), blocks.null_sink(gr.sizeof_float * 2))
        tb.connect((d, 1), blocks.null_sink(gr.sizeof_float * 4))
        return d

    def ours_posterior(tb, n):
        d = B(semcom.superposition_demapper(layers, alphas, "posterior", 0.02), 64)
        hd = head_c(n)
        tb.connect(src_c(noisy), hd, d)
        tb.connect((d, 0), blocks.null_sink(gr.sizeof_float * 4))
        tb.connect((d, 1), blocks.null_sink(gr.sizeof_float * 16))
        return d

    def ours_hard(tb, n):
        d = B(semcom.superposition_demapper(layers, alphas, "hard_ml"), 1)
        hd = head_c(n)
        tb.connect(src_c(noisy), hd, d)
        tb.connect((d, 0), blocks.null_sink(1))
        tb.connect((d, 1), blocks.null_sink(1))
        return d

    const64 = digital.qam_constellation(64, differential=False)

    def soft_decoder(tb, n):
        d = B(digital.constellation_soft_decoder_cf(const64.base()), 4)
        hd = head_c(n)
        tb.connect(src_c(noisy), hd, d, blocks.null_sink(gr.sizeof_float))
        return d

    def decoder_hard(tb, n):
        d = B(digital.constellation_decoder_cb(const64.base()), 1)
        hd = head_c(n)
        tb.connect(src_c(noisy), hd, d, blocks.null_sink(1))
        return d

    def ours_channel(spec, mode):
        def build(tb, n):
            c = B(semcom.broadcast_channel([spec], [10.0], mode, 1024, 1), 8)
            hd = head_c(n)
            tb.connect(src_c(x64), hd, c, blocks.null_sink(gr.sizeof_gr_complex))
            return c
        return build

    def channel_model(tb, n):
        c = B(channels.channel_model(np.sqrt(0.1), 0.0, 1.0, [1.0 + 0j], 1), 8)
        hd = head_c(n)
        tb.connect(src_c(x64), hd, c, blocks.null_sink(gr.sizeof_gr_complex))
        return c

    def fading_model(los, k):
        def build(tb, n):
            c = B(channels.fading_model(8, 0.01, los, k, 1), 8)
            hd = head_c(n)
            tb.connect(src_c(x64), hd, c, blocks.null_sink(gr.sizeof_gr_complex))
            return c
        return build

    cases = [
        ("superposition map 4QAMx16QAM", ours_mapper, "gr-dtv dvbt_map 64QAM hier., vlen 1512", dvbt, 1.0),
        ("superposition map K=3", ours_mapper_k3, "gr-dtv dvbt_map 64QAM hier., vlen 1512", dvbt, 0.95),
        ("superposition map 4QAMx16QAM", ours_mapper, "gr-digital chunks_to_symbols_bc 64", chunks, None),
        ("soft demap: LLRs, both layers", ours_llr, "gr-digital constellation_soft_decoder_cf 64", soft_decoder, 1.0),
        ("soft demap: posteriors, both layers", ours_posterior, "gr-digital constellation_soft_decoder_cf 64", soft_decoder, 1.0),
        ("hard demap: joint ML, both layers", ours_hard, "gr-digital constellation_decoder_cb 64", decoder_hard, None),
        ("channel awgn", ours_channel("awgn", "block"), "gr-channels channel_model (AWGN)", channel_model, 2.0),
        ("channel rayleigh per-symbol", ours_channel("rayleigh", "per_symbol"), "gr-channels fading_model Rayleigh N=8", fading_model(False, 0.0), 2.0),
        ("channel rician:2 per-symbol", ours_channel("rician:2", "per_symbol"), "gr-channels fading_model Rician K=2", fading_model(True, 2.0), 2.0),
        ("channel rayleigh block", ours_channel("rayleigh", "block"), "gr-channels fading_model Rayleigh N=8", fading_model(False, 0.0), 2.0),
    ]
    print("GNU Radio blocks, same harness (vector_source -> head -> block -> null_sink), best of "
          f"{args.repeats}, output buffers of {args.buffer_kib} KiB.")
    print("work = symbols / time inside the block's work() (performance counters): the block's own")
    print("cost; flowgraph = symbols / wall time of the whole run (sources and sinks share 2 cores).")
    print(f"  {'gr-semcom':<38} {'work':>7} {'flowgr':>7}   {'peer':<47} {'work':>7} {'flowgr':>7}"
          f" {'ratio(work)':>11} {'ratio(fg)':>9}  goal")
    peer_cache = {}
    start_n = vlen * 512
    for ours_name, ours, peer_name, peer, goal in cases:
        o_fg, o_work = (r / 1e6 for r in h.rate(ours, start_n))
        if peer_name not in peer_cache:
            peer_cache[peer_name] = tuple(r / 1e6 for r in h.rate(peer, start_n))
        p_fg, p_work = peer_cache[peer_name]
        ratio_work = o_work / p_work if p_work else float("nan")
        ratio_fg = o_fg / p_fg
        judged, on = (ratio_work, "work") if p_work else (ratio_fg, "flowgraph")
        verdict = "" if goal is None else (
            f">= {goal:g}x on {on}: " + ("met" if judged >= goal else "NOT met"))
        print(f"  {ours_name:<38} {o_work:7.1f} {o_fg:7.1f}   {peer_name:<47} {p_work:7.1f} {p_fg:7.1f}"
              f" {ratio_work:10.2f}x {ratio_fg:8.2f}x  {verdict}", flush=True)
        results["peers"].append({"ours": ours_name, "ours_work_msym_per_s": o_work,
                                 "ours_flowgraph_msym_per_s": o_fg, "peer": peer_name,
                                 "peer_work_msym_per_s": p_work, "peer_flowgraph_msym_per_s": p_fg,
                                 "ratio_work": ratio_work, "ratio_flowgraph": ratio_fg, "goal": goal})
    print("Rates in Msym/s. Core rates above need no scheduler; a core/peer comparison of the mapper")
    print("is BM_superposition_map against BM_single_stream_lookup (dvbt_map's inner loop).")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
