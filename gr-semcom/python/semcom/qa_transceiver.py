#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the composite chains semcom.transmitter / semcom.receiver: built from the shipped models'
manifests, they produce what the blocks wired by hand produce, decode end to end, and a receiver
refuses the bursts of another scheme."""

import json
import os
import subprocess
import tempfile

import numpy as np
import pmt
from gnuradio import blocks, channels, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
MODELS = os.path.join(SOURCE, "models")


def model(name):
    return os.path.join(MODELS, name + ".json")


def images(count):
    return semcom.image_source("fashion-mnist", "", "test", count)


def assert_mostly_equal(test, got, want, fraction=0.01, atol=1e-5):
    """Symbols or indices computed by the same networks in other batches: other batch blocking in
    BLAS (and other CPUs' kernels) moves scores in the last bits, which may flip a near-tie of an
    arg-max or a quantizer level. Tolerance: at most `fraction` of the values (and at least one)
    differ by more than atol."""
    got, want = np.asarray(got), np.asarray(want)
    test.assertEqual(got.shape, want.shape)
    differ = np.count_nonzero(np.abs(got - want) > atol)
    test.assertLessEqual(differ, max(1, int(fraction * want.size)), f"{differ} of {want.size} values differ")


class qa_transceiver(gr_unittest.TestCase):
    def symbols_by_hand_and_by_chain(self, encoder, count=24):
        """The same images through semantic_encoder + mapper wired by hand and through the chain."""
        tb = gr.top_block()
        tx = semcom.transmitter(model(encoder), "cpu", 8)
        enc = semcom.semantic_encoder(model(encoder), "cpu", 8)
        if tx.transmit_kind() == "superposition":
            mapper = semcom.superposition_mapper(["4qam", "16qam"], [16 / 21, 5 / 21])
            for k in range(enc.num_outputs()):
                tb.connect((enc, k), (mapper, k))
        else:
            mapper = semcom.quantized_mapper(2 * enc.channel_uses(), 8, "per_frame")
            tb.connect(enc, mapper)
        a, b = blocks.vector_sink_c(), blocks.vector_sink_c()
        src = images(count)
        tb.connect(src, tx, a)
        tb.connect(src, enc)
        tb.connect(mapper, b)
        tb.run()
        return tx, np.array(a.data()), np.array(b.data())

    def test_superposition_chain_equals_the_blocks_by_hand(self):
        tx, chain, by_hand = self.symbols_by_hand_and_by_chain("deepscm_conv_encoder")
        self.assertEqual(tx.scheme(), "deepscm")
        self.assertEqual(tx.header_code(), 1)
        self.assertEqual(tx.receivers(), 2)
        self.assertEqual(tx.snr_width(), 0)
        self.assertEqual(len(chain), 24 * tx.channel_uses())
        assert_mostly_equal(self, chain, by_hand)
        self.assertAlmostEqual(float(np.mean(np.abs(chain) ** 2)), 1.0, delta=0.15)

    def test_quantized_chain_equals_the_blocks_by_hand(self):
        tx, chain, by_hand = self.symbols_by_hand_and_by_chain("mijscc_conv_q8_encoder")
        self.assertEqual((tx.scheme(), tx.header_code(), tx.transmit_kind()), ("mijscc", 3, "quantized"))
        assert_mostly_equal(self, chain, by_hand)

    def test_adaptive_encoder_takes_its_receivers_snr(self):
        tx = semcom.transmitter(model("amijscc_conv_encoder"), "cpu", 8)
        self.assertEqual((tx.header_code(), tx.snr_width()), (4, 1))
        with self.assertRaises((ValueError, RuntimeError)):
            tx.set_snrs([1.0, 2.0])  # one value, not two

    def test_receiver_decodes_what_the_transmitter_sends(self):
        count = 200
        tb = gr.top_block()
        src = images(count)
        tx = semcom.transmitter(model("deepscm_conv_encoder"), "cpu", 16)
        rx = semcom.receiver(model("deepscm_conv_rx2"), "cpu", 25.0, 16)
        self.assertEqual((rx.task(), rx.num_classes(), rx.receiver_number()), ("fine", 10, 2))
        met = semcom.metrics_sink(1, 28, 28, rx.num_classes(), "fine", "rx2")
        tb.connect(src, tx, rx)
        tb.connect(src, (met, 0))
        tb.connect((rx, 1), (met, 1))
        tb.connect((rx, 0), (met, 2))
        tb.run()
        self.assertEqual(rx.frames_decoded(), count)
        self.assertEqual(met.frames(), count)
        # noiseless: the fine task at least as good as the shipped model's figure at 20 dB less 5 points
        self.assertGreater(met.accuracy(), 0.80)
        self.assertGreater(met.psnr_db(), 17.0)

    def bursts(self, encoder, decoder, count=12):
        tb = gr.top_block()
        src = images(count)
        tx = semcom.transmitter(model(encoder), "cpu", 8, 4, 300)
        ch = channels.channel_model(10 ** (-25 / 20), 0.0, 1.0, [1.0], 3)
        rx = semcom.receiver(model(decoder), "cpu", 25.0, 8, False, 4)
        scores = blocks.vector_sink_f(rx.num_classes())
        img = blocks.null_sink(gr.sizeof_float * rx.image_size())
        tb.connect(src, tx, ch, rx, scores)
        tb.connect((rx, 1), img)
        tb.run()
        return rx

    def test_receiver_refuses_the_bursts_of_another_scheme(self):
        # MIJSCC (header code 3) and A-MIJSCC (4) have the same payload length: only the header's
        # scheme tells them apart, and a receiver must not decode the other's frames.
        same = self.bursts("mijscc_conv_q8_encoder", "mijscc_conv_q8_rx1")
        self.assertEqual(same.frames_decoded(), 12)
        self.assertEqual(same.frames_rejected(), 0)
        other = self.bursts("mijscc_conv_q8_encoder", "amijscc_conv_rx1")
        self.assertEqual(other.header_code(), 4)
        self.assertEqual(other.frames_decoded(), 0)
        self.assertEqual(other.frames_rejected(), 12)

    def test_encoder_feeds_every_receivers_snr(self):
        """A model whose encoder takes the SNR of each of its 3 receivers (transmit.snr_inputs
        all_receivers) gets all three, per frame, in receiver order: its outputs equal TorchScript's
        for the same SNRs, and move when any one of them moves."""
        import torch
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["/usr/bin/python3", os.path.join(SOURCE, "tests", "make_test_models.py"), "--out", d],
                           check=True, capture_output=True)
            path = os.path.join(d, "snr3_encoder.json")
            with open(path) as f:
                manifest = json.load(f)
            manifest["scheme"] = "deepscm"  # a superposition row of the scheme table
            with open(path, "w") as f:
                json.dump(manifest, f)
            module = torch.jit.load(os.path.join(d, "snr3_encoder.pt"))
            rng = np.random.default_rng(5)
            images = rng.random((7, 16), dtype=np.float32)

            def run(snrs):
                tb = gr.top_block()
                src = blocks.vector_source_f(images.ravel().tolist(), False, 16)
                enc = semcom.semantic_encoder(path, "cpu", 4)
                self.assertEqual(enc.snr_width(), 3)
                enc.set_snrs(snrs)
                sinks = [blocks.vector_sink_b() for _ in range(enc.num_outputs())]
                tb.connect(src, enc)
                for k, sink in enumerate(sinks):
                    tb.connect((enc, k), sink)
                tb.run()
                with torch.no_grad():
                    ref = module(torch.from_numpy(images).reshape(-1, 1, 4, 4),
                                 torch.tensor([snrs] * len(images), dtype=torch.float32))
                got = [np.array(s.data()).reshape(len(images), -1) for s in sinks]
                for g, r in zip(got, ref):
                    assert_mostly_equal(self, g, r.numpy())
                return got

            base = run([1.5, 7.5, 12.5])
            for k in range(3):
                moved = [1.5, 7.5, 12.5]
                moved[k] += 1.0
                self.assertFalse(np.array_equal(run(moved)[1], base[1]), f"SNR {k + 1} not fed")
            enc = semcom.semantic_encoder(path, "cpu", 4)
            with self.assertRaisesRegex(ValueError, "takes 3 SNR value"):
                enc.set_snrs([1.0, 2.0])

    def test_symbol_level_receiver_refuses_frames_of_another_scheme(self):
        # no burst header here: the frame info's scheme code (set by the encoder) tells them apart
        for decoder, decoded, rejected in (("mijscc_conv_q8_rx1", 10, 0), ("amijscc_conv_rx1", 0, 10)):
            tb = gr.top_block()
            src = images(10)
            tx = semcom.transmitter(model("mijscc_conv_q8_encoder"), "cpu", 8)
            rx = semcom.receiver(model(decoder), "cpu", 20.0, 8)
            scores, img = blocks.vector_sink_f(rx.num_classes()), blocks.vector_sink_f(rx.image_size())
            tb.connect(src, tx, rx, scores)
            tb.connect((rx, 1), img)
            tb.run()
            self.assertEqual((rx.frames_decoded(), rx.frames_rejected()), (decoded, rejected), decoder)
            self.assertEqual(len(scores.data()), decoded * rx.num_classes())
            if decoded:
                info = [t for t in scores.tags() if pmt.symbol_to_string(t.key) == "semcom_frame"]
                self.assertEqual(len(info), decoded)
                d = info[0].value
                self.assertEqual(pmt.to_long(pmt.dict_ref(d, pmt.intern("scheme"), pmt.PMT_NIL)), 3)
                self.assertEqual(pmt.to_long(pmt.dict_ref(d, pmt.intern("bits"), pmt.PMT_NIL)), 8)
                self.assertTrue(pmt.dict_has_key(d, pmt.intern("seq")))

    def test_bad_models_are_refused_with_the_file_named(self):
        with self.assertRaisesRegex(ValueError, "deepscm_conv_rx1.json.*not an encoder"):
            semcom.transmitter(model("deepscm_conv_rx1"), "cpu")
        with self.assertRaisesRegex(RuntimeError, "nosuch.json"):
            semcom.receiver(os.path.join(MODELS, "nosuch.json"), "cpu")
        with self.assertRaisesRegex(ValueError, "does not match"):
            semcom.receiver(model("deepscm_conv_rx1") + "," + model("deepscm_conv_rx2"), "cpu")


if __name__ == "__main__":
    gr_unittest.run(qa_transceiver)
