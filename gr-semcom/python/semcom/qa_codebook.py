#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the codebook chain (U-DeepSC, transmit kind codebook) on the tiny family
tests/make_test_models.py writes (udeepsc_test: the scheme's own modules, untrained, exits that
depend on the SNR): the transmitter sends the encoder's packed indices with every receiver's keep
mask in the frame info; the decoder demaps its segment, scatters the posteriors and exits where
the scripted forward does; bad keep masks and indices outside the codebook are dropped and
counted; the exit threshold is checked; a receiver that only reconstructs has the image alone."""

import json
import math
import os
import shutil
import sys
import tempfile

import numpy as np
import pmt
import torch
from gnuradio import blocks, channels, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests"))
import make_test_models as fixtures  # noqa: E402

SNRS = [6.0, 3.0, 9.0]


def points16():
    return torch.tensor([complex(i, q) for i, q in fixtures.gray_qam_points(16)], dtype=torch.complex64)


def frame_tag(offset, fields):
    d = pmt.make_dict()
    for key, value in fields.items():
        d = pmt.dict_add(d, pmt.intern(key), value)
    return gr.tag_utils.python_to_tag((offset, pmt.intern("semcom_frame"), d))


def assert_exits_match(test, got, got_layers, want, want_layers):
    """A decoder's outputs and exit layers against Python's: an exit compares a float certainty
    with the threshold, so on other BLAS kernels (another CPU, other batches) a certainty within
    rounding of it may leave one layer earlier or later. Tolerance: at most one frame exits
    elsewhere (its output, another layer's, is not compared); the others' outputs within 1e-4."""
    got, want = np.asarray(got).reshape(len(want_layers), -1), np.asarray(want).reshape(len(want_layers), -1)
    same = np.asarray(got_layers) == np.asarray(want_layers)
    test.assertLessEqual(int((~same).sum()), 1, f"exit layers {list(got_layers)} against {list(want_layers)}")
    np.testing.assert_allclose(got[same], want[same], atol=1e-4)


def frame_infos(sink):
    return [t.value for t in sink.tags() if pmt.symbol_to_string(t.key) == "semcom_frame"]


class BadCodebookEncoder(torch.nn.Module):
    """image [B, 1, 28, 28] -> (indices [B, 2], keep_mask [B, 2]) by the image's mean value (the
    frame's code): 0 -> a good frame; 1 -> index 16 where it is sent; 2 -> keep mask byte 2;
    3 -> index 17 in the slot after the frame (never sent: fine)."""

    def forward(self, image):
        code = torch.round(image.flatten(1).mean(1)).long()
        b = image.shape[0]
        idx = torch.tensor([3, 5]).repeat(b, 1)
        keep = torch.ones(b, 2, dtype=torch.long)
        idx[:, 0] = torch.where(code == 1, torch.full_like(code, 16), idx[:, 0])
        keep[:, 0] = torch.where(code == 2, torch.full_like(code, 2), keep[:, 0])
        idx[:, 1] = torch.where(code == 3, torch.full_like(code, 17), idx[:, 1])
        keep[:, 1] = torch.where((code == 1) | (code == 3), torch.zeros_like(code), keep[:, 1])
        return idx, keep


class qa_codebook(gr_unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_num_threads(1)
        cls.dir = tempfile.mkdtemp()
        cls.base = fixtures.write_udeepsc_family(cls.dir)
        cls.test = fixtures.fashion_mnist("test")
        with open(cls.base + "_encoder.json") as f:
            cls.codebook = json.load(f)["codebook"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir)

    def encode(self, images):
        enc = torch.jit.load(self.base + "_encoder.pt")
        with torch.no_grad():
            return enc(images, torch.tensor([SNRS]).expand(len(images), -1).contiguous())

    def sent(self, keep):
        """Symbols each frame sends: every receiver's kept tokens x its task_groups."""
        n = self.codebook["tokens"]
        groups = torch.tensor(self.codebook["task_groups"])
        return (keep.view(len(keep), -1, n).sum(2) * groups).sum(1)

    def test_transmitter_sends_the_packed_indices_and_the_keep_masks(self):
        images = self.test.images[:20]
        indices, keep = self.encode(images)
        tb = gr.top_block()
        tx = semcom.transmitter(self.base + "_encoder.json", "cpu", 8)
        tx.set_snrs(SNRS)
        self.assertEqual(tx.transmit_kind(), "codebook")
        self.assertEqual(tx.channel_uses(), 588)
        sink = blocks.vector_sink_c()
        tb.connect(blocks.vector_source_f(images.numpy().ravel().tolist(), False, 784), tx, sink)
        tb.run()
        # every slot as the model packed it (zeros after the last segment), on Gray 16QAM
        # (the nearest code in batches of 8 against Python's one batch of 20: other BLAS row
        # blocking, or another CPU's kernels, may flip a near-tie: at most 1 % of the symbols)
        want = points16()[indices].numpy().ravel()
        got = np.array(sink.data())
        self.assertEqual(got.shape, want.shape)
        differ = np.count_nonzero(np.abs(got - want) > 1e-6)
        self.assertLessEqual(differ, max(1, want.size // 100), f"{differ} of {want.size} symbols differ")
        infos = frame_infos(sink)
        self.assertEqual(len(infos), 20)
        for f, info in enumerate(infos):
            mask = pmt.dict_ref(info, pmt.intern("keep_mask"), pmt.PMT_NIL)
            self.assertTrue(pmt.is_u8vector(mask))
            self.assertEqual(list(pmt.u8vector_elements(mask)), keep[f].tolist())
            self.assertEqual(pmt.to_long(pmt.dict_ref(info, pmt.intern("scheme"), pmt.PMT_NIL)), 9)
        self.assertAlmostEqual(tx.mean_symbols_sent(), self.sent(keep).float().mean().item(), places=4)
        self.assertLess(tx.mean_symbols_sent(), 588)
        self.assertEqual(tx.frames_dropped(), 0)

    def reference(self, r, indices, keep, snr, threshold, hard=False):
        """Receiver r's decoder on noiseless symbols, demapped as docs/model-manifest.md says:
        p(k | y) = softmax_k(log prior_k - |y - s_k|^2 / noise_var), scattered to the kept tokens'
        first task_groups[r] rows."""
        dec = torch.jit.load(f"{self.base}_rx{r}.pt")
        n, g = self.codebook["tokens"], self.codebook["groups"]
        groups = self.codebook["task_groups"]
        counts = keep.view(len(keep), 3, n).sum(2) * torch.tensor(groups)
        offsets = torch.cumsum(counts, 1) - counts
        b = len(keep)
        pts = points16()
        nv = torch.full((b, 1), 10.0 ** (-snr / 10.0))
        slot = (offsets[:, r - 1:r] + torch.arange(n * g).view(1, -1)).clamp_max(indices.shape[1] - 1)
        y = pts[torch.gather(indices, 1, slot)]
        prior = torch.tensor(self.codebook["point_log_prior"])
        post = torch.softmax(prior.view(1, 1, -1) - (y.unsqueeze(-1) - pts.view(1, 1, -1)).abs() ** 2 /
                             nv.unsqueeze(-1), -1)
        if hard:
            post = torch.nn.functional.one_hot(post.argmax(-1), 16).float()
        k_r = keep[:, (r - 1) * n:r * n]
        sent_rows = (k_r.unsqueeze(-1) * (torch.arange(g) < groups[r - 1]).long()).reshape(b, -1) > 0
        full = torch.zeros(b, n * g, 16)
        for i in range(b):
            rows = sent_rows[i].nonzero().flatten()
            full[i, rows] = post[i, :len(rows)]
        post = full
        with torch.no_grad():
            return dec(post, k_r.float(), torch.full((b, 1), snr), torch.full((b, 1), threshold))

    def decoder_flowgraph(self, r, symbols, tags, **kwargs):
        tb = gr.top_block()
        dec = semcom.neural_decoder(f"{self.base}_rx{r}.json", "cpu", 0.0, 8, **kwargs)
        src = blocks.vector_source_c(symbols.ravel().tolist(), False, 1, tags)
        sinks = [blocks.vector_sink_f(dec.num_classes() if dec.num_classes() else dec.image_size())]
        tb.connect(src, dec, sinks[0])
        return tb, dec, sinks[0]

    def test_decoder_drops_and_counts_frames_with_bad_keep_masks(self):
        images = self.test.images[:6]
        indices, keep = self.encode(images)
        symbols = points16()[indices].numpy()
        good = lambda f: pmt.init_u8vector(147, keep[f].tolist())  # noqa: E731
        bad_byte = keep[3].tolist()
        bad_byte[60] = 2
        cases = [good(0), None, pmt.init_u8vector(146, keep[2].tolist()[:146]), pmt.init_u8vector(147, bad_byte),
                 pmt.from_long(7), good(5)]
        tags = []
        for f, mask in enumerate(cases):
            fields = {"seq": pmt.from_uint64(f), "scheme": pmt.from_long(9), "snr_db": pmt.from_double(6.0)}
            if mask is not None:
                fields["keep_mask"] = mask
            tags.append(frame_tag(f * 588, fields))
        tb, dec, sink = self.decoder_flowgraph(2, symbols, tags)
        tb.run()
        self.assertEqual(dec.frames_decoded(), 2)
        self.assertEqual(dec.frames_invalid(), 4)
        self.assertEqual(dec.frames_dropped(), 4)
        infos = frame_infos(sink)
        self.assertEqual([pmt.to_uint64(pmt.dict_ref(i, pmt.intern("seq"), pmt.PMT_NIL)) for i in infos], [0, 5])
        layers = [pmt.to_long(pmt.dict_ref(i, pmt.intern("exit_layer"), pmt.PMT_NIL)) for i in infos]
        # the good frames decode as in Python: demapped (soft, with the point prior), scattered, exits
        logits, ref_layers = self.reference(2, indices[[0, 5]], keep[[0, 5]], 6.0, 0.9)
        assert_exits_match(self, sink.data(), layers, logits.numpy(), ref_layers.tolist())
        self.assertEqual(sum(dec.frames_per_exit_layer()), 2)
        self.assertAlmostEqual(dec.mean_exit_layer(), float(np.mean(layers)))
        self.assertAlmostEqual(dec.mean_symbols_received(), float(keep[[0, 5], 49:98].sum(1).float().mean()))

    def test_exit_threshold_and_hard_decisions(self):
        images = self.test.images[:8]
        indices, keep = self.encode(images)
        symbols = points16()[indices].numpy()
        tags = [frame_tag(f * 588, {"seq": pmt.from_uint64(f), "snr_db": pmt.from_double(3.0),
                                    "keep_mask": pmt.init_u8vector(147, keep[f].tolist())}) for f in range(8)]
        tb, dec, sink = self.decoder_flowgraph(3, symbols, tags, hard_decisions=True)
        self.assertAlmostEqual(dec.exit_threshold(), self.codebook["exit_threshold"], places=6)
        self.assertEqual(dec.exit_layers(), 6)
        self.assertTrue(math.isnan(dec.mean_exit_layer()))
        for bad in (0.0, -0.1, 1.5, float("nan")):
            with self.assertRaisesRegex(ValueError, r"exit_threshold must be in \(0, 1\]"):
                dec.set_exit_threshold(bad)
        dec.set_exit_threshold(0.5)
        self.assertEqual(dec.exit_threshold(), 0.5)
        tb.run()
        logits, layers = self.reference(3, indices, keep, 3.0, 0.5, hard=True)
        got_layers = [pmt.to_long(pmt.dict_ref(i, pmt.intern("exit_layer"), pmt.PMT_NIL)) for i in frame_infos(sink)]
        assert_exits_match(self, sink.data(), got_layers, logits.numpy(), layers.tolist())
        per_layer = [0] * 6
        for v in got_layers:
            per_layer[v - 1] += 1
        self.assertEqual(dec.frames_per_exit_layer(), per_layer)
        # exactly 1: no frame's certainty exceeds it, every frame runs every layer
        tb, dec, sink = self.decoder_flowgraph(3, symbols, tags, exit_threshold=1.0)
        tb.run()
        self.assertEqual(dec.frames_per_exit_layer(), [0, 0, 0, 0, 0, 8])
        with self.assertRaisesRegex(ValueError, r"exit_threshold must be in \(0, 1\]"):
            semcom.neural_decoder(f"{self.base}_rx3.json", "cpu", exit_threshold=1.5)

    def test_recovery_receiver_outputs_the_image_alone(self):
        rx = semcom.receiver(self.base + "_rx1.json", "cpu")
        self.assertEqual(rx.task(), "image")
        self.assertEqual(rx.num_classes(), 0)
        self.assertEqual(rx.image_port(), 0)
        self.assertEqual(rx.image_size(), 784)
        self.assertEqual(semcom.receiver(self.base + "_rx2.json", "cpu").image_port(), -1)
        m = semcom.metrics_sink(1, 28, 28, 0, "image", "rx1")
        self.assertTrue(math.isnan(m.accuracy()))
        with self.assertRaisesRegex(ValueError, "num_classes 0"):
            semcom.metrics_sink(1, 28, 28, 0, "fine", "rx1")
        with self.assertRaisesRegex(ValueError, "needs reconstructions"):
            semcom.metrics_sink(1, 28, 28, 0, "image", "rx1", 100, "", False)

    def test_keep_masks_ride_in_the_bursts(self):
        # at waveform level every image's keep masks travel in its burst's side-information
        # block (8 images per burst): the receiver's frames carry them as the encoder made them,
        # and its decisions are the symbol level's
        images = self.test.images[:20]
        _, keep = self.encode(images)

        def run(sps):
            tb = gr.top_block()
            tx = semcom.transmitter(self.base + "_encoder.json", "cpu", 8, sps, 100, 8)
            tx.set_snrs(SNRS)
            rx = semcom.receiver(self.base + "_rx2.json", "cpu", 20.0, 8, sps=sps)
            sink = blocks.vector_sink_f(rx.num_classes())
            src = blocks.vector_source_f(images.numpy().ravel().tolist(), False, 784)
            if sps:  # AWGN at 20 dB (noise variance 0.01 per sample, unit-energy pulse)
                tb.connect(src, tx, channels.channel_model(0.1, 0.0, 1.0, [1.0], 5), rx, sink)
            else:
                tb.connect(src, tx, rx, sink)
            tb.run()
            return rx, np.array(sink.data()).reshape(-1, rx.num_classes()), frame_infos(sink)

        _, want, _ = run(0)
        rx, got, infos = run(4)
        self.assertEqual((rx.bursts_detected(), rx.header_errors(), rx.frames_rejected()), (3, 0, 0))
        self.assertEqual(len(infos), 20)
        for f, info in enumerate(infos):
            self.assertEqual(pmt.to_python(pmt.dict_ref(info, pmt.intern("seq"), pmt.PMT_NIL)), f)
            mask = pmt.dict_ref(info, pmt.intern("keep_mask"), pmt.PMT_NIL)
            self.assertEqual(list(pmt.u8vector_elements(mask)), keep[f].tolist())
        self.assertGreaterEqual(np.mean(got.argmax(1) == want.argmax(1)), 0.9)

    def test_encoder_drops_frames_with_indices_outside_the_codebook(self):
        d = tempfile.mkdtemp()
        try:
            name = "bad_codebook_encoder"
            fixtures.write(d, name, BadCodebookEncoder(), None, {
                "role": "encoder", "transmit": fixtures.transmit("codebook", 1, "none", ["keep_mask"]),
                "inputs": [fixtures.spec("image", [-1, 1, 28, 28])],
                "outputs": [fixtures.spec("indices", [-1, 2], "int64"), fixtures.spec("keep_mask", [-1, 2], "int64")],
                "constellations": [{"name": "16qam", "order": 16, "points": fixtures.gray_qam_points(16)}],
                "alphas": [1.0],
                "codebook": {"size": 16, "dim": 1, "groups": 1, "tokens": 2, "labels": list(range(16)),
                             "point_log_prior": [0.0] * 16, "decoder_layers": 1}},
                scheme="udeepsc", channel_uses=2, references=False)
            codes = [0, 1, 2, 3, 0]
            images = np.concatenate([np.full(784, c, np.float32) for c in codes])
            tb = gr.top_block()
            enc = semcom.semantic_encoder(os.path.join(d, name + ".json"), "cpu", 8)
            sink = blocks.vector_sink_b()
            tb.connect(blocks.vector_source_f(images.tolist(), False, 784), enc, sink)
            tb.run()
            # frames 1 (index 16, sent) and 2 (keep mask byte 2) dropped; frame 3's 17 is not sent: 0
            self.assertEqual(list(sink.data()), [3, 5, 3, 0, 3, 5])
            self.assertEqual(enc.frames_dropped(), 2)
            self.assertAlmostEqual(enc.mean_symbols_sent(), (2 + 1 + 2) / 3)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    gr_unittest.run(qa_codebook)
