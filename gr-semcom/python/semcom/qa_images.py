#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of image_source, metrics_sink and image_sink."""

import gzip
import json
import os
import tempfile

import sys

import numpy as np
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", "..", ".."))
FMNIST = "/usr/share/datasets/fashion-mnist"


def idx_images(name):
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        raw = f.read()
    return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784).astype(np.float32) / 255


def idx_labels(name):
    with gzip.open(os.path.join(FMNIST, name), "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=8)


COARSE = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]


def tag(offset, seq, fine):
    t = gr.tag_t()
    t.offset = offset
    t.key = gr.pmt.intern("semcom_frame")
    d = gr.pmt.make_dict()
    d = gr.pmt.dict_add(d, gr.pmt.intern("seq"), gr.pmt.from_uint64(seq))
    d = gr.pmt.dict_add(d, gr.pmt.intern("fine"), gr.pmt.from_long(int(fine)))
    d = gr.pmt.dict_add(d, gr.pmt.intern("coarse"), gr.pmt.from_long(COARSE[int(fine)]))
    t.value = d
    return t


class qa_images(gr_unittest.TestCase):
    def test_fashion_mnist_frames_and_tags(self):
        src = semcom.image_source("fashion-mnist", limit=20)
        self.assertEqual(src.image_shape(), [1, 28, 28])
        sink = blocks.vector_sink_f(784)
        tb = gr.top_block()
        tb.connect(src, sink)
        tb.run()
        got = np.array(sink.data()).reshape(-1, 784)
        np.testing.assert_allclose(got, idx_images("t10k-images-idx3-ubyte.gz")[:20], atol=1e-7)
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:20]
        tags = [gr.pmt.to_python(t.value) for t in sink.tags()]
        self.assertEqual([t["seq"] for t in tags], list(range(20)))
        self.assertEqual([t["fine"] for t in tags], labels.tolist())
        self.assertEqual([t["coarse"] for t in tags], [COARSE[l] for l in labels])

    def test_shuffle_repeat_limit(self):
        tb = gr.top_block()
        src = semcom.image_source("fashion-mnist", limit=5, shuffle=True, repeat=True, seed=3)
        head = blocks.head(4 * 784, 12)
        sink = blocks.vector_sink_f(784)
        tb.connect(src, head, sink)
        tb.run()
        got = np.array(sink.data()).reshape(-1, 784)
        self.assertEqual(len(got), 12)
        first, second = got[:5], got[5:10]
        # every pass holds the same 5 images, each once
        key = lambda a: sorted(map(bytes, (a * 255).astype(np.uint8)))
        self.assertEqual(key(first), key(second))
        self.assertEqual(len(set(map(bytes, first))), 5)

    def test_errors(self):
        with self.assertRaisesRegex(ValueError, "dataset 'mnist'"):
            semcom.image_source("mnist")
        with self.assertRaisesRegex(RuntimeError, "not found"):
            semcom.image_source("cifar10", "/nonexistent")
        with self.assertRaisesRegex(RuntimeError, "no .png files"):
            semcom.image_source("png", tempfile.mkdtemp())
        with self.assertRaisesRegex(ValueError, "task"):
            semcom.metrics_sink(1, 28, 28, 10, "medium")

    def test_metrics_match_python_and_skip_missing_frames(self):
        import torch
        sys.path.insert(0, os.path.join(SOURCE, "tests"))
        import make_test_models as pym  # psnr, ssim as semcom-core defines them
        rng = np.random.default_rng(0)
        n = 20
        orig = idx_images("t10k-images-idx3-ubyte.gz")[:n]
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:n]
        recon = np.clip(orig + rng.normal(0, 0.05, orig.shape), 0, 1).astype(np.float32)
        keep = [i for i in range(n) if i not in (3, 7)]  # the receiver lost frames 3 and 7
        scores = np.zeros((n, 10), np.float32)
        for i in range(n):
            scores[i, labels[i] if i % 2 == 0 else (labels[i] + 1) % 10] = 1  # odd frames wrong
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "m.json")
            sink = semcom.metrics_sink(1, 28, 28, 10, "fine", "rx2", 5, path)
            tb = gr.top_block()
            tb.connect(blocks.vector_source_f(orig.ravel().tolist(), False, 784,
                                              [tag(i, i, labels[i]) for i in range(n)]), (sink, 0))
            tb.connect(blocks.vector_source_f(recon[keep].ravel().tolist(), False, 784,
                                              [tag(k, i, labels[i]) for k, i in enumerate(keep)]), (sink, 1))
            tb.connect(blocks.vector_source_f(scores[keep].ravel().tolist(), False, 10), (sink, 2))
            dbg = blocks.message_debug()
            tb.msg_connect((sink, "metrics"), (dbg, "store"))
            tb.run()
            self.assertEqual(sink.frames(), n - 2)
            self.assertEqual(sink.frames_missing(), 2)
            self.assertAlmostEqual(sink.accuracy(), sum(1 for i in keep if i % 2 == 0) / len(keep))
            t_o = torch.from_numpy(orig[keep].reshape(-1, 1, 28, 28))
            t_r = torch.from_numpy(recon[keep].reshape(-1, 1, 28, 28))
            self.assertAlmostEqual(sink.psnr_db(), pym.psnr(t_o, t_r).mean().item(), places=3)
            self.assertAlmostEqual(sink.ssim(), pym.ssim(t_o, t_r).mean().item(), places=4)
            with open(path) as f:
                summary = json.load(f)
            self.assertEqual(summary["receiver"], "rx2")
            self.assertEqual(summary["frames"], 18)
            self.assertGreaterEqual(dbg.num_messages(), 3)

    def test_binary_task_scores_long_sleeve_tops(self):
        """task binary: the label is 1 for Pullover 2, Coat 4 and Shirt 6, 0 for the rest; a
        decision from the fine label's long-sleeve-ness is always right, its negation never."""
        n = 40
        orig = idx_images("t10k-images-idx3-ubyte.gz")[:n]
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:n]
        long_sleeve = np.isin(labels, [2, 4, 6]).astype(int)
        self.assertTrue(0 < long_sleeve.sum() < n)
        for flip, accuracy in ((0, 1.0), (1, 0.0)):
            scores = np.zeros((n, 2), np.float32)
            scores[np.arange(n), long_sleeve ^ flip] = 1
            sink = semcom.metrics_sink(1, 28, 28, 2, "binary", "rx2", 0, "", False)
            tb = gr.top_block()
            tb.connect(blocks.vector_source_f(orig.ravel().tolist(), False, 784,
                                              [tag(i, i, labels[i]) for i in range(n)]), (sink, 0))
            tb.connect(blocks.vector_source_f(scores.ravel().tolist(), False, 2,
                                              [tag(i, i, labels[i]) for i in range(n)]), (sink, 1))
            tb.run()
            self.assertEqual(sink.frames(), n)
            self.assertEqual(sink.accuracy(), accuracy)
            self.assertEqual(json.loads(sink.summary_json())["task"], "binary")
        with self.assertRaisesRegex(ValueError, "task binary has 2 classes, num_classes is 10"):
            semcom.metrics_sink(1, 28, 28, 10, "binary")
        with self.assertRaisesRegex(ValueError, "unknown task 'medium' \\(fine, coarse, binary\\)"):
            semcom.metrics_sink(1, 28, 28, 10, "medium")

    def run_within(self, tb, seconds=60):
        """Runs tb; a flowgraph still running after `seconds` is stopped and fails the test (a hang)."""
        import threading
        done = threading.Event()
        tb.start()
        threading.Thread(target=lambda: (tb.wait(), done.set()), daemon=True).start()
        if not done.wait(seconds):
            tb.stop()
            tb.wait()
            self.fail(f"the flowgraph did not end within {seconds} s")

    def test_metrics_sink_counts_the_frames_lost_at_the_end(self):
        """Frames lost after the last decoded one are never passed by a later frame: the sink counts
        them when the flowgraph stops, against the originals it saw."""
        n, got = 20, 11
        orig = idx_images("t10k-images-idx3-ubyte.gz")[:n]
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:n]
        sink = semcom.metrics_sink(1, 28, 28, 10, "fine", "rx2", 0)
        tb = gr.top_block()
        tb.connect(blocks.vector_source_f(orig.ravel().tolist(), False, 784,
                                          [tag(i, i, labels[i]) for i in range(n)]), (sink, 0))
        tb.connect(blocks.vector_source_f(orig[:got].ravel().tolist(), False, 784,
                                          [tag(i, i, labels[i]) for i in range(got)]), (sink, 1))
        scores = np.eye(10, dtype=np.float32)[labels[:got]]
        tb.connect(blocks.vector_source_f(scores.ravel().tolist(), False, 10), (sink, 2))
        self.run_within(tb)
        self.assertEqual((sink.frames_sent(), sink.frames(), sink.frames_missing(), sink.frames_pending()),
                         (n, got, n - got, 0))
        self.assertEqual(sink.accuracy(), 1.0)  # over the frames received
        summary = json.loads(sink.summary_json())
        self.assertEqual((summary["sent"], summary["frames"], summary["missing"]), (n, got, n - got))

    def test_a_receiver_that_decodes_nothing_holds_up_no_other(self):
        """One source, two receivers: rx1 decodes nothing (its stream ends only when the source
        does), rx2 everything. Neither the metrics sinks nor the picture grid may wait for rx1: the
        run ends, rx2 scores every frame, rx1's are all counted missing, its grid row is black."""
        from PIL import Image
        n = 300  # many more frames than the buffers between the source and the sinks hold
        size = 784 * 4
        with tempfile.TemporaryDirectory() as d:
            tb = gr.top_block()
            src = semcom.image_source("fashion-mnist", limit=n)
            nothing = blocks.skiphead(size, 10 ** 9)  # consumes every frame, delivers none
            everything = blocks.copy(size)
            rx = [semcom.metrics_sink(1, 28, 28, 0, "image", f"rx{k}", 0) for k in (1, 2)]
            grid = semcom.image_sink(1, 28, 28, 3, d, 0, 4, "g")
            tb.connect(src, nothing)
            tb.connect(src, everything)
            for k, decoded in enumerate((nothing, everything)):
                tb.connect(src, (rx[k], 0))
                tb.connect(decoded, (rx[k], 1))
                tb.connect(decoded, (grid, k + 1))
            tb.connect(src, (grid, 0))
            self.run_within(tb)
            self.assertEqual((rx[0].frames_sent(), rx[0].frames(), rx[0].frames_missing()), (n, 0, n))
            self.assertEqual((rx[1].frames_sent(), rx[1].frames(), rx[1].frames_missing()), (n, n, 0))
            self.assertGreater(rx[1].psnr_db(), 90)  # identical images (PSNR capped)
            with Image.open(os.path.join(d, "g_grid.png")) as im:
                self.assertEqual(im.size, (4 * 28 + 3 * 2, 3 * 28 + 2 * 2))
                a = np.asarray(im.convert("L"), np.float32)
            originals, lost, copied = a[:28, :28], a[30:58, :28], a[60:88, :28]
            self.assertGreater(originals.max(), 0)
            self.assertEqual(lost.max(), 0)  # never came: black
            np.testing.assert_array_equal(copied, originals)

    def test_a_decoded_frame_of_an_unknown_seq_does_not_hang_the_sink(self):
        """A decoded frame whose seq is beyond every original (a stale or corrupt one) waits for its
        original only while originals may come: then it is counted unmatched, the rest scored."""
        n = 10
        orig = idx_images("t10k-images-idx3-ubyte.gz")[:n]
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:n]
        seqs = [0, 1, 10 ** 6]
        sink = semcom.metrics_sink(1, 28, 28, 0, "image", "rx1", 0)
        tb = gr.top_block()
        tb.connect(blocks.vector_source_f(orig.ravel().tolist(), False, 784,
                                          [tag(i, i, labels[i]) for i in range(n)]), (sink, 0))
        tb.connect(blocks.vector_source_f(orig[[0, 1, 2]].ravel().tolist(), False, 784,
                                          [tag(k, s, 0) for k, s in enumerate(seqs)]), (sink, 1))
        self.run_within(tb)
        self.assertEqual((sink.frames(), sink.frames_unmatched(), sink.frames_missing()), (2, 1, n - 2))

    def test_metrics_sink_window_and_nonfinite_outputs(self):
        """At most max_pending originals wait for their frames (the oldest beyond count missing);
        a decoded frame with NaN scores or pixels is counted, not scored (NaN logits would be
        class 0)."""
        n = 20
        orig = idx_images("t10k-images-idx3-ubyte.gz")[:n]
        labels = idx_labels("t10k-labels-idx1-ubyte.gz")[:n]
        got = [14, 15, 16, 17, 18]
        scores = np.eye(10, dtype=np.float32)[labels[got]]
        scores[1, :] = np.nan
        recon = orig[got].copy()
        recon[3, 100] = np.inf
        sink = semcom.metrics_sink(1, 28, 28, 10, "fine", "rx1", 0, "", True, 8)
        tb = gr.top_block()
        tb.connect(blocks.vector_source_f(orig.ravel().tolist(), False, 784,
                                          [tag(i, i, labels[i]) for i in range(n)]), (sink, 0))
        tb.connect(blocks.vector_source_f(recon.ravel().tolist(), False, 784,
                                          [tag(k, i, labels[i]) for k, i in enumerate(got)]), (sink, 1))
        tb.connect(blocks.vector_source_f(scores.ravel().tolist(), False, 10), (sink, 2))
        self.run_within(tb)
        # every original ends in one count: scored, non-finite or missing
        self.assertEqual(sink.frames_sent(), n)
        self.assertEqual(sink.frames_nonfinite(), 2)
        self.assertEqual(sink.frames() + sink.frames_nonfinite() + sink.frames_missing(), n)
        self.assertLessEqual(sink.frames(), 3)
        if sink.frames():
            self.assertEqual(sink.accuracy(), 1.0)
        with self.assertRaisesRegex(ValueError, "max_pending must be >= 1"):
            semcom.metrics_sink(1, 28, 28, 10, "fine", "rx1", 0, "", True, 0)

    def test_image_sink_files_and_grid(self):
        from PIL import Image
        with tempfile.TemporaryDirectory() as d:
            src = semcom.image_source("fashion-mnist", limit=6)
            sink = semcom.image_sink(1, 28, 28, 2, d, 4, 5, "rx")
            tb = gr.top_block()
            tb.connect(src, (sink, 0))
            tb.connect(src, (sink, 1))
            tb.run()
            files = sorted(f for f in os.listdir(d) if f.endswith(".png"))
            self.assertEqual(len(files), 2 * 4 + 1)
            with Image.open(os.path.join(d, "rx_grid.png")) as grid:
                self.assertEqual(grid.size, (5 * 28 + 4 * 2, 2 * 28 + 2))
            with Image.open(os.path.join(d, "rx_0_0.png")) as im:
                first = np.asarray(im, np.float32) / 255
            np.testing.assert_allclose(first.ravel(), idx_images("t10k-images-idx3-ubyte.gz")[0], atol=0.5 / 255)


if __name__ == "__main__":
    gr_unittest.run(qa_images)
