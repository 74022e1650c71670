#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the SNR feedback loop's blocks (DeepBroadcast, issue #12): the encoder's "snr" port takes
dicts receiver -> SNR while a flowgraph runs (latest kept, clamped to each receiver's trained range,
every change logged, bad reports logged and ignored, no frame lost, the SNRs used in each frame's
info), and a receiver publishes the EWMA of the SNR it measures on its "snr_report" port."""

import json
import math
import os
import subprocess
import tempfile
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODELS = os.path.join(SOURCE, "models")
RANGES = [[-5.0, 19.0], [-3.0, 15.0], [0.0, 10.0]]


class captured_log:
    """What the C++ logger writes while the block runs: to file descriptors 1 and 2 (GNU Radio's
    log_file and debug_file settings name stdout or stderr)."""

    def __enter__(self):
        self.file = tempfile.TemporaryFile(mode="w+b")
        self.saved = [os.dup(1), os.dup(2)]
        for fd in (1, 2):
            os.dup2(self.file.fileno(), fd)
        return self

    def __exit__(self, *exc):
        for fd, saved in zip((1, 2), self.saved):
            os.dup2(saved, fd)
            os.close(saved)
        self.file.seek(0)
        self.text = self.file.read().decode(errors="replace")
        self.file.close()


def report(**by_receiver):
    """pmt dict from keyword arguments: r1=12.0 -> {1: 12.0}; other keys as symbols."""
    d = pmt.make_dict()
    for k, v in by_receiver.items():
        key = pmt.from_long(int(k[1:])) if k[0] == "r" and k[1:].isdigit() else pmt.intern(k)
        d = pmt.dict_add(d, key, v if isinstance(v, pmt.pmt_base) else pmt.from_double(v))
    return d


def frame_snrs(sink):
    """snr_db_used of every frame, in order."""
    out = []
    for t in sink.tags():
        if pmt.symbol_to_string(t.key) == "semcom_frame":
            out.append(list(pmt.f32vector_elements(pmt.dict_ref(t.value, pmt.intern("snr_db_used"), pmt.PMT_NIL))))
    return out


class qa_snr_feedback(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        d = cls.dir.name
        subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "make_test_models.py"), "--out", d],
                       check=True, capture_output=True)
        # the three-receiver toy encoder (all_receivers) with a trained range per receiver
        path = os.path.join(d, "snr3_encoder.json")
        with open(path) as f:
            manifest = json.load(f)
        manifest["scheme"] = "deepscm"  # a superposition row of the scheme table
        manifest["train_snr_db"] = RANGES
        with open(path, "w") as f:
            json.dump(manifest, f)
        cls.encoder = path

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def post(self, block, msg):
        block.to_basic_block()._post(pmt.intern("snr"), msg)

    def wait_for(self, what, timeout=10.0):
        end = time.time() + timeout
        while not what():
            self.assertLess(time.time(), end, "timed out")
            time.sleep(0.01)

    def test_reports_while_running_are_merged_clamped_logged_and_travel_with_the_frames(self):
        images = np.random.default_rng(2).random((50, 16), dtype=np.float32)
        tb = gr.top_block()
        src = blocks.vector_source_f(images.ravel().tolist(), True, 16)  # runs until stopped
        slow = blocks.throttle(gr.sizeof_float * 16, 400)
        enc = semcom.semantic_encoder(self.encoder, "cpu", 4)
        enc.set_snrs([10.0, 10.0, 10.0])
        sinks = [blocks.vector_sink_b() for _ in range(enc.num_outputs())]
        tb.connect(src, slow, enc)
        for k, s in enumerate(sinks):
            tb.connect((enc, k), s)
        frames = lambda: len(sinks[0].data()) // enc.channel_uses()
        with captured_log() as err:
            tb.start()
            self.wait_for(lambda: frames() >= 20)
            # reports by number, "rxK" and "K"; rx2 and rx3 outside their trained ranges
            self.post(enc, report(r1=12.0, rx2=30.0, **{"3": -7.0}))
            # bad reports: each logged, none changes anything, no frame lost
            self.post(enc, report(r4=5.0))
            self.post(enc, report(rx2=float("nan")))
            self.post(enc, report(rx1=pmt.intern("loud")))
            self.post(enc, report(rxx=3.0))
            self.post(enc, pmt.intern("garbage"))
            self.post(enc, report(r1=12.0))  # the same value again: no change, nothing logged
            self.wait_for(lambda: enc.snrs() == [12.0, 15.0, 0.0])
            seen = frames()
            self.wait_for(lambda: frames() >= seen + 20)
            tb.stop()
            tb.wait()
        self.assertEqual(enc.snrs(), [12.0, 15.0, 0.0])
        used = frame_snrs(sinks[0])
        # every image the encoder took left it as a frame, and every frame carries its info
        self.assertEqual(enc.nitems_written(0), enc.nitems_read(0) * enc.channel_uses())
        self.assertEqual(len(used), frames())
        self.assertGreaterEqual(len(used), 40)
        self.assertEqual(used[0], [10.0, 10.0, 10.0])
        self.assertEqual(used[-1], [12.0, 15.0, 0.0])
        # a message is handled between two calls of work: a frame holds the values before or after
        # the whole report, never a mixture
        for u in used:
            self.assertIn(u, ([10.0, 10.0, 10.0], [12.0, 15.0, 0.0]))
        text = err.text
        self.assertIn("receiver 1: 10.00 -> 12.00 dB (not clamped)", text)
        self.assertIn("receiver 2: 10.00 -> 15.00 dB (reported 30.00, clamped to the trained range)", text)
        self.assertIn("receiver 3: 10.00 -> 0.00 dB (reported -7.00, clamped to the trained range)", text)
        self.assertEqual(text.count("SNR used for"), 3, text)
        self.assertIn("receiver 4: not one of the receivers 1..3", text)
        self.assertIn("receiver 2: nan dB is not a finite number", text)
        self.assertIn("receiver 1: loud is not a number", text)
        self.assertIn("receiver rxx is not a number, 'rxK' or 'K'", text)
        self.assertIn("snr message ignored", text)
        self.assertEqual(text.count("snr report ignored") + text.count("snr message ignored"), 5, text)

    def test_numbers_and_vectors_still_set_every_value_unclamped(self):
        enc = semcom.semantic_encoder(self.encoder, "cpu", 4)
        tb = gr.top_block()
        src = blocks.vector_source_f([0.5] * 16, True, 16)  # runs until stopped
        slow = blocks.throttle(gr.sizeof_float * 16, 200)
        sink = blocks.vector_sink_b()
        tb.connect(src, slow, enc)
        tb.connect((enc, 0), sink)
        tb.connect((enc, 1), blocks.null_sink(1))
        tb.start()
        self.post(enc, pmt.from_double(25.0))  # an explicit setting, not a receiver's report
        self.wait_for(lambda: enc.snrs() == [25.0, 25.0, 25.0])
        self.post(enc, pmt.init_f32vector(3, [1.0, 2.0, 3.0]))
        self.wait_for(lambda: enc.snrs() == [1.0, 2.0, 3.0])
        self.post(enc, pmt.list3(pmt.from_double(4.0), pmt.from_double(5.0), pmt.from_double(6.0)))
        self.wait_for(lambda: enc.snrs() == [4.0, 5.0, 6.0])
        self.post(enc, report(snr_db=7.0))
        self.wait_for(lambda: enc.snrs() == [7.0, 7.0, 7.0])
        self.post(enc, pmt.init_f32vector(2, [1.0, 2.0]))  # two values for three receivers: ignored
        tb.stop()
        tb.wait()
        self.assertEqual(enc.snrs(), [7.0, 7.0, 7.0])

    def test_transmitter_forwards_its_snr_port_to_the_encoder(self):
        tb = gr.top_block()
        src = blocks.vector_source_f([0.25] * 16, True, 16)
        slow = blocks.throttle(gr.sizeof_float * 16, 200)
        tx = semcom.transmitter(self.encoder, "cpu", 4)
        self.assertEqual(tx.snr_width(), 3)
        strobe = blocks.message_strobe(report(rx3=4.0, r1=-20.0), 20)
        tb.connect(src, slow, tx, blocks.null_sink(gr.sizeof_gr_complex))
        tb.msg_connect((strobe, "strobe"), (tx, "snr"))
        tb.start()
        self.wait_for(lambda: tx.snrs() == [-5.0, 10.0, 4.0])  # rx1 clamped to its -5 dB
        tb.stop()
        tb.wait()

    def test_receiver_reports_the_ewma_of_the_measured_snr(self):
        """deepscm rx2 behind block Rayleigh fading at 10 dB and the genie equaliser: every 8 frames
        a dict {2: EWMA of |h|^2 / noise_var over linear SNRs}, as recomputed here from the CSI in
        the decoded frames' info."""
        count, every, weight = 240, 8, 1 / 16
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", "", "test", count)
        tx = semcom.transmitter(os.path.join(MODELS, "deepscm_conv_encoder.json"), "cpu", 16)
        ch = semcom.broadcast_channel(["awgn", "rayleigh"], [20.0, 10.0], "block", tx.channel_uses(), 4)
        eq = semcom.equaliser("zf")
        rx = semcom.receiver(os.path.join(MODELS, "deepscm_conv_rx2.json"), "cpu", 10.0, 16, False, 0, every,
                             weight)
        self.assertTrue(math.isnan(rx.reported_snr_db()))
        scores = blocks.vector_sink_f(rx.num_classes())
        dbg = blocks.message_debug()
        tb.connect(src, tx, ch)
        tb.connect((ch, 0), blocks.null_sink(gr.sizeof_gr_complex))
        tb.connect((ch, 1), eq, rx, scores)
        tb.connect((rx, 1), blocks.null_sink(gr.sizeof_float * rx.image_size()))
        tb.msg_connect((rx, "snr_report"), (dbg, "store"))
        tb.run()
        self.assertEqual(rx.frames_decoded(), count)
        self.assertEqual(dbg.num_messages(), count // every)
        # the reference: the same average over the frames' |h|^2 / noise_var
        lin = []
        for t in scores.tags():
            if pmt.symbol_to_string(t.key) == "semcom_frame":
                h = pmt.to_complex(pmt.dict_ref(t.value, pmt.intern("h"), pmt.PMT_NIL))
                nv = pmt.to_double(pmt.dict_ref(t.value, pmt.intern("noise_var"), pmt.PMT_NIL))
                lin.append(abs(h) ** 2 / nv)
        self.assertEqual(len(lin), count)
        mean, decay, expected = 0.0, 1.0, []
        for x in lin:
            mean = (1 - weight) * mean + weight * x
            decay *= 1 - weight
            expected.append(10 * math.log10(mean / (1 - decay)))
        for k in range(dbg.num_messages()):
            msg = dbg.get_message(k)
            self.assertEqual(pmt.length(pmt.dict_keys(msg)), 1)
            value = pmt.dict_ref(msg, pmt.from_long(2), pmt.PMT_NIL)
            self.assertTrue(pmt.is_real(value), pmt.write_string(msg))
            self.assertAlmostEqual(pmt.to_double(value), expected[(k + 1) * every - 1], places=3)
        self.assertAlmostEqual(rx.reported_snr_db(), expected[-1], places=3)
        # fading: the instantaneous SNRs spread over many dB, their linear mean is near the nominal 10
        self.assertGreater(max(lin) / min(lin), 10)
        self.assertAlmostEqual(10 * math.log10(np.mean(lin)), 10.0, delta=1.0)
        with self.assertRaisesRegex(ValueError, "report_weight in"):
            semcom.receiver(os.path.join(MODELS, "deepscm_conv_rx2.json"), "cpu", 10.0, 16, False, 0, 8, 0.0)


if __name__ == "__main__":
    gr_unittest.run(qa_snr_feedback)
