#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the live controls, each driven from Python while a flowgraph of the shipped models runs:
a receiver's channel SNR and channel model (the metrics follow within a second), the power
shares alpha, DeepBroadcast's SNR feedback on/off, the decoder bank on/off and U-DeepSC's exit
threshold."""

import json
import os
import time

import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODELS = os.path.join(SOURCE, "models")
IMAGES_PER_SECOND = 100  # the simulated air rate: a real-time flowgraph, as in the GUI examples


def model(name):
    return os.path.join(MODELS, name + ".json")


def wait_for(what, timeout=20.0, step=0.005):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = what()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")


class Broadcast:
    """Image Source (repeating) -> throttle -> Semantic Transmitter -> Broadcast Channel ->
    one Semantic Receiver per decoder -> Metrics Sink -> Metrics Display, as the GUI example."""

    def __init__(self, encoder, decoders, channels, snrs, report_every=8, rate=IMAGES_PER_SECOND):
        self.tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", 0, False, True)
        slow = blocks.throttle(gr.sizeof_float * 784, rate)
        self.tx = semcom.transmitter(model(encoder), "cpu", 8)
        self.channel = semcom.broadcast_channel(channels, snrs, "block", self.tx.channel_uses(), 7)
        self.display = semcom.metrics_display(60.0)
        self.tb.connect(src, slow, self.tx, self.channel)
        self.rx = []
        for k, decoder in enumerate(decoders):
            rx = semcom.receiver(decoder if "," in decoder else model(decoder), "cpu", snrs[k], 8)
            name = "rx%d" % (k + 1)
            task = rx.task() if rx.num_classes() > 0 else "image"
            metrics = semcom.metrics_sink(1, 28, 28, rx.num_classes(), task, name, report_every, "",
                                          rx.image_port() >= 0, 4096)
            self.tb.connect((self.channel, k), rx)
            self.tb.connect(slow, (metrics, 0))
            # output 0: the scores (or, without them, the image); the image after the scores
            self.tb.connect((rx, 0), (metrics, 2 if rx.image_port() > 0 else 1))
            if rx.image_port() > 0:
                self.tb.connect((rx, rx.image_port()), (metrics, 1))
            self.tb.msg_connect(metrics, "metrics", self.display, "metrics")
            self.rx.append(rx)

    def __enter__(self):
        self.tb.start()
        return self

    def __exit__(self, *exc):
        self.tb.stop()
        self.tb.wait()

    def report(self, name):
        return self.display.latest(name)

    def reports_after(self, name, frames, key, windows=1):
        """The mean of `key` over the recent windows of the first `windows` reports of `name`
        that cover only frames decoded after `frames`, and when the first of them came."""
        values, first = [], None
        while len(values) < windows:
            def newer():
                m = self.report(name)
                if m and m["frames"] - m["recent"]["frames"] >= frames and m["recent"].get(key) is not None:
                    return m
                return None
            m = wait_for(newer)
            values.append(m["recent"][key])
            first = first or time.monotonic()
            frames = m["frames"]
        return sum(values) / len(values), first


class qa_live_controls(gr_unittest.TestCase):
    def test_channel_snr_moves_the_metrics_within_a_second(self):
        with Broadcast("deepscm_conv_encoder", ["deepscm_conv_rx1", "deepscm_conv_rx2"], ["awgn", "awgn"],
                       [-5.0, 20.0]) as b:
            wait_for(lambda: (b.report("rx2") or {}).get("frames", 0) >= 32)
            good, _ = b.reports_after("rx2", b.report("rx2")["frames"], "psnr_db", windows=4)
            # the slider: rx2 from 20 to -10 dB. What a display shows is the newest report: the
            # first whose recent PSNR is down by 3 dB must come within a second
            at_change = b.report("rx2")["frames"]
            start = time.monotonic()
            b.channel.set_snr(1, -10.0)

            def dropped():
                m = b.report("rx2")
                return m if m["frames"] > at_change and m["recent"]["psnr_db"] < good - 3.0 else None

            shown = wait_for(dropped, timeout=10.0)
            when = time.monotonic()
            # then, over frames sent wholly after the change (past those in the buffers)
            bad, _ = b.reports_after("rx2", b.rx[1].frames_decoded() + 64, "psnr_db", windows=4)
            measured, _ = b.reports_after("rx2", b.rx[1].frames_decoded(), "snr_db_measured")
            print("rx2 PSNR %.2f dB at 20 dB -> %.2f dB at -10 dB; the first report down 3 dB %.2f s after "
                  "the change, %d frames later" % (good, bad, when - start, shown["frames"] - at_change))
            self.assertLess(bad, good - 3.0)
            self.assertLess(when - start, 1.0)
            self.assertAlmostEqual(measured, -10.0, delta=0.5)  # AWGN: |h|^2 / noise_var exactly
            # and back
            b.channel.set_snr(1, 20.0)
            recovered, _ = b.reports_after("rx2", b.rx[1].frames_decoded() + 64, "psnr_db", windows=4)
            self.assertGreater(recovered, good - 2.0)  # means of 32 images each
            # rx1 untouched throughout: its SNR as set
            self.assertAlmostEqual(b.report("rx1")["recent"]["snr_db_measured"], -5.0, delta=0.5)

    def test_channel_model_changes_while_running(self):
        with Broadcast("deepscm_conv_encoder", ["deepscm_conv_rx1", "deepscm_conv_rx2"], ["awgn", "awgn"],
                       [-5.0, 20.0]) as b:
            wait_for(lambda: (b.report("rx2") or {}).get("frames", 0) >= 16)
            b.channel.set_channel(1, "rayleigh")
            self.assertEqual(b.channel.channels(), ["awgn", "rayleigh"])
            with self.assertRaises(ValueError):
                b.channel.set_channel(1, "rician:-1")
            with self.assertRaises(ValueError):
                b.channel.set_channels(["awgn", "awgn", "awgn"])
            self.assertEqual(b.channel.channels(), ["awgn", "rayleigh"])
            # the frames now carry a fading h: their measured SNRs spread around 20 dB
            start = b.rx[1].frames_decoded() + 64
            seen = []
            while len(seen) < 8:
                value, _ = b.reports_after("rx2", start, "snr_db_measured")
                seen.append(value)
                start = b.report("rx2")["frames"]
            self.assertGreater(max(seen) - min(seen), 1.0, seen)  # AWGN would give 20.0 each time
            self.assertEqual(b.channel.snrs(), [-5.0, 20.0])

    def test_power_shares_change_while_running(self):
        import numpy as np
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", 0, False, True)
        tx = semcom.transmitter(model("deepscm_conv_encoder"), "cpu", 8)
        sink = blocks.vector_sink_c()
        tb.connect(src, blocks.throttle(gr.sizeof_float * 784, IMAGES_PER_SECOND), tx, sink)
        with open(model("deepscm_conv_encoder")) as f:
            layers = [c["name"] for c in json.load(f)["constellations"]]
        shipped = tx.alphas()
        self.assertEqual(len(shipped), 2)
        # the super-constellations a mapper of these layers makes at the old and the new shares
        old_points = np.array(semcom.superposition_mapper(layers, shipped).super_constellation())
        tb.start()
        try:
            wait_for(lambda: len(sink.data()) >= 2000)
            tx.set_alphas([0.9, 0.1])
            self.assertAlmostEqual(tx.alphas()[0], 0.9, places=6)
            new_points = np.array(semcom.superposition_mapper(layers, [0.9, 0.1]).super_constellation())
            changed_at = len(sink.data())
            wait_for(lambda: len(sink.data()) >= changed_at + 20000)
            with self.assertRaises(ValueError):
                tx.set_alphas([0.2, 0.8])  # not decreasing: refused, the shares kept
            self.assertAlmostEqual(tx.alphas()[0], 0.9, places=6)
        finally:
            tb.stop()
            tb.wait()
        y = np.array(sink.data())

        def on(points, symbols):
            return np.min(np.abs(symbols[:, None] - points[None, :]), axis=1) < 1e-5

        # before: every symbol a point of the shipped super-constellation; once the buffers in
        # flight (at most a few thousand symbols) are out, every symbol one of the new
        self.assertTrue(np.all(on(old_points, y[:2000])))
        tail = y[changed_at + 10000:]
        self.assertGreater(len(tail), 5000)
        self.assertTrue(np.all(on(new_points, tail)))
        self.assertLess(np.mean(on(old_points, tail)), 0.1)
        tx.set_alphas([])  # the manifest's again
        self.assertEqual(tx.alphas(), shipped)
        one_layer = semcom.transmitter(model("mijscc_conv_q8_encoder"), "cpu")
        with self.assertRaisesRegex(ValueError, "no power shares"):
            one_layer.set_alphas([0.5, 0.5])

    def test_feedback_switches_off_and_on_while_running(self):
        with Broadcast("deepbroadcast_encoder", ["deepbroadcast_rx1", "deepbroadcast_rx2", "deepbroadcast_rx3"],
                       ["awgn", "awgn", "awgn"], [0.0, 5.0, 10.0]) as b:
            b.tx.set_snrs([4.0, 4.0, 4.0])
            encoder = dict(b.tx.blocks())["semantic_encoder"]

            def post(**reports):
                d = pmt.make_dict()
                for name, value in reports.items():
                    d = pmt.dict_add(d, pmt.intern(name), pmt.from_double(value))
                encoder.to_basic_block()._post(pmt.intern("snr"), d)

            post(rx2=6.0)
            wait_for(lambda: b.tx.snrs()[1] == 6.0)
            b.tx.set_feedback(False)
            self.assertFalse(b.tx.feedback())
            self.assertEqual(b.tx.snrs(), [4.0, 4.0, 4.0])  # back to the SNRs set
            post(rx2=7.0)
            wait_for(lambda: b.tx.reports_ignored() == 1)
            self.assertEqual(b.tx.snrs(), [4.0, 4.0, 4.0])
            # the frames sent now carry the values used: the metrics show them
            wait_for(lambda: (b.report("rx2") or {}).get("snr_db_used_last") == [4.0, 4.0, 4.0])
            b.tx.set_feedback(True)
            post(rx2=8.0)
            wait_for(lambda: b.tx.snrs()[1] == 8.0)
            wait_for(lambda: (b.report("rx2") or {}).get("snr_db_used_last", [0, 0])[1] == 8.0)

    def test_decoder_bank_switches_while_running(self):
        bank = model("deepscm_conv_decoders_rx1_0dB_rx2_15dB_rx2") + "," + \
            model("deepscm_conv_decoders_rx1_5dB_rx2_25dB_rx2")
        with Broadcast("deepscm_conv_encoder", [bank], ["awgn"], [25.0]) as b:
            rx = b.rx[0]
            wait_for(lambda: rx.frames_decoded() >= 16)
            self.assertTrue(rx.bank())
            first = rx.frames_per_model()
            self.assertEqual(first[0], 0)  # 25 dB: every frame to the model trained at 25 dB
            self.assertGreater(first[1], 0)
            rx.set_bank(False)
            wait_for(lambda: rx.frames_per_model()[0] >= 16)
            rx.set_bank(True)
            settled = rx.frames_per_model()[0]
            after = rx.frames_per_model()[1]
            wait_for(lambda: rx.frames_per_model()[1] >= after + 16)
            self.assertLessEqual(rx.frames_per_model()[0], settled + 8)  # at most the batch in flight

    def test_exit_threshold_moves_the_exits_while_running(self):
        with Broadcast("udeepsc_encoder", ["udeepsc_rx1", "udeepsc_rx2", "udeepsc_rx3"], ["awgn", "awgn", "awgn"],
                       [10.0, 10.0, 10.0]) as b:
            rx = b.rx[1]
            self.assertGreater(rx.exit_layers(), 1)
            rx.set_exit_threshold(1.0)  # never confident enough: the last layer
            wait_for(lambda: rx.frames_decoded() >= 16)
            before = list(rx.frames_per_exit_layer())
            wait_for(lambda: sum(rx.frames_per_exit_layer()) >= sum(before) + 16)
            rx.set_exit_threshold(1e-6)  # anything will do: the first exit
            mid = list(rx.frames_per_exit_layer())
            wait_for(lambda: rx.frames_per_exit_layer()[0] >= mid[0] + 16)
            self.assertAlmostEqual(rx.exit_threshold(), 1e-6, places=9)


if __name__ == "__main__":
    gr_unittest.run(qa_live_controls)
