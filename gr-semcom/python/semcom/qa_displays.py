#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the GUI blocks Image Display and Metrics Display: frames matched by seq into columns,
captions right and wrong, pictures drawn (not blank), bounded repaints, metrics messages into the
table, bad messages counted. Runs with Qt's offscreen platform (no display needed)."""

import json
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pmt  # noqa: E402
from gnuradio import blocks, gr, gr_unittest  # noqa: E402
from PyQt5 import Qt  # noqa: E402

from gnuradio import semcom  # noqa: E402

APP = Qt.QApplication.instance() or Qt.QApplication([])


def frame_tag(offset, seq, fine, coarse):
    info = pmt.make_dict()
    for key, value in (("seq", seq), ("fine", fine), ("coarse", coarse)):
        info = pmt.dict_add(info, pmt.intern(key), pmt.from_long(value))
    return gr.tag_utils.python_to_tag((offset, pmt.intern("semcom_frame"), info))


def pump(seconds):
    end = time.time() + seconds
    while time.time() < end:
        APP.processEvents()
        time.sleep(0.01)


class qa_displays(gr_unittest.TestCase):
    def images(self, seqs, fines, pixel=lambda k: 0.1 * k):
        """A float vector source of 28x28 frames (each a gradient of a level its own) with tags."""
        data, tags = [], []
        for k, (seq, fine) in enumerate(zip(seqs, fines)):
            frame = np.clip(np.linspace(0, 1, 784) * 0.5 + pixel(k), 0, 1)
            data.extend(frame.astype(np.float32))
            tags.append(frame_tag(k, seq, fine, [0, 1, 0, 1, 0, 2, 0, 2, 3, 2][fine]))
        return blocks.vector_source_f(data, False, 784, tags)

    @staticmethod
    def scores(decisions, classes, seqs, fines):
        """Class scores with the frame-info tags a receiver passes on."""
        data, tags = [], []
        for k, (d, seq, fine) in enumerate(zip(decisions, seqs, fines)):
            s = np.zeros(classes, np.float32)
            s[d] = 1.0
            data.extend(s)
            tags.append(frame_tag(k, seq, fine, [0, 1, 0, 1, 0, 2, 0, 2, 3, 2][fine]))
        return blocks.vector_source_f(data, False, classes, tags)

    def test_columns_match_frames_by_seq_with_decided_classes(self):
        # originals 10..15; the receiver lost seq 12 and got 13 wrong (class 0 for a Trouser)
        fines = [9, 1, 2, 1, 5, 8]
        display = semcom.image_display(["Sent", "Rx (fine)"], ["", "fine"], [], 1, 28, 28, 4, 20.0)
        tb = gr.top_block()
        tb.connect(self.images(range(10, 16), fines), (display, 0))
        received = [10, 11, 13, 14, 15]
        tb.connect(self.images(received, [fines[s - 10] for s in received]), (display, 1))
        tb.connect(self.scores([9, 1, 0, 5, 8], 10, received, [fines[s - 10] for s in received]), (display, 2))
        tb.run()
        _, columns, grid = display.snapshot()
        self.assertEqual(columns, [11, 13, 14, 15])  # the newest 4 the receiver row has
        self.assertEqual([c["caption"] for c in grid[0]],
                         ["Trouser (trousers+dresses)", "Trouser (trousers+dresses)", "Sandal (footwear)",
                          "Bag (bags)"])
        self.assertEqual([c["caption"] for c in grid[1]], ["Trouser", "T-shirt/top", "Sandal", "Bag"])
        self.assertEqual([c["correct"] for c in grid[1]], [True, False, True, True])
        self.assertEqual(display.frames_seen(), [6, 5])
        # the picture of column seq 13 is the originals' frame 3 (level 0.3 above the gradient)
        self.assertAlmostEqual(float(grid[0][1]["image"][0, 0]), 0.3, places=5)

        widget = display.qwidget()
        widget.resize(700, 320)
        widget.show()
        pump(0.3)
        picture = widget.grab().toImage()
        self.assertFalse(picture.isNull())
        # the cells hold pictures: many grey levels, not a blank widget
        width, height = picture.width(), picture.height()
        levels = {Qt.QColor(picture.pixel(x, y)).lightness() for x in range(0, width, 3) for y in range(0, height, 3)}
        self.assertGreater(len(levels), 30)
        widget.close()

    def test_a_classifier_row_shows_the_original_dimmed(self):
        display = semcom.image_display(["Sent", "Rx (binary)"], ["", "binary"], [True, False], 1, 28, 28, 2)
        tb = gr.top_block()
        tb.connect(self.images([0, 1], [6, 7]), (display, 0))  # Shirt (long sleeves), Sneaker
        # the classifier's scores: class 1 both times, its frames tagged as the receiver tags them
        decisions = blocks.vector_source_f([0, 1, 0, 1], False, 2, [frame_tag(0, 0, 6, 0), frame_tag(1, 1, 7, 2)])
        tb.connect(decisions, (display, 1))
        tb.run()
        _, columns, grid = display.snapshot()
        self.assertEqual(columns, [0, 1])
        self.assertEqual([c["caption"] for c in grid[1]], ["long-sleeve top", "long-sleeve top"])
        self.assertEqual([c["correct"] for c in grid[1]], [True, False])
        self.assertTrue(all(c["dimmed"] and c["image"] is not None for c in grid[1]))

    def test_bad_arguments_are_refused(self):
        with self.assertRaisesRegex(ValueError, "one entry per row"):
            semcom.image_display(["Sent", "Rx"], [""])
        with self.assertRaisesRegex(ValueError, "task 'finer'"):
            semcom.image_display(["Sent", "Rx"], ["", "finer"])
        with self.assertRaisesRegex(ValueError, "refresh_hz"):
            semcom.image_display(["Sent"], [""], [], 1, 28, 28, 4, 0.0)
        with self.assertRaisesRegex(ValueError, "history_s"):
            semcom.metrics_display(0.0)

    def test_repaints_are_bounded_and_only_when_something_came(self):
        # 3000 frames through as fast as they come: the widget repaints at most refresh_hz a second
        display = semcom.image_display(["Sent"], [""], [], 1, 28, 28, 4, 5.0)
        widget = display.qwidget()
        widget.show()
        tb = gr.top_block()
        src = blocks.vector_source_f(np.random.default_rng(1).random(784 * 100).astype(np.float32), True, 784)
        tb.connect(src, blocks.head(784 * 4, 3000), (display, 0))
        tb.start()
        start = time.time()
        pump(1.2)
        tb.wait()
        pump(0.5)
        elapsed = time.time() - start
        self.assertEqual(display.frames_seen(), [3000])
        self.assertLessEqual(widget.repaints, 5.0 * elapsed + 2)
        before = widget.repaints
        pump(0.6)  # nothing new: no repaint
        self.assertEqual(widget.repaints, before)
        widget.close()

    def test_metrics_display_takes_summaries_and_counts_the_rest(self):
        display = semcom.metrics_display(30.0, 10.0, "Metrics")
        summary = {"receiver": "rx2", "task": "fine", "frames": 64, "missing": 3, "nonfinite": 1,
                   "accuracy": 0.875, "psnr_db": 21.5, "ssim": 0.8,
                   "recent": {"frames": 16, "accuracy": 0.75, "psnr_db": 20.25, "ssim": 0.7,
                              "snr_db_measured": 19.9},
                   "snr_db_used_last": [3.0, 19.0, 7.0]}
        display.handle_metrics(pmt.intern(json.dumps(summary)))
        display.handle_metrics(pmt.intern("not json"))
        display.handle_metrics(pmt.from_long(3))
        display.handle_metrics(pmt.intern(json.dumps([1, 2])))
        self.assertEqual(display.bad_messages(), 3)
        self.assertEqual(display.latest("rx2")["recent"]["psnr_db"], 20.25)
        self.assertEqual(semcom.metrics_display.snr_used("rx2", summary), 19.0)
        self.assertEqual(semcom.metrics_display.snr_used("rx1", {"snr_db_used_last": [5.0]}), 5.0)
        widget = display.qwidget()
        widget.resize(900, 400)
        widget.show()
        pump(0.4)
        table = widget.table
        self.assertEqual(table.rowCount(), 1)
        row = [table.item(0, c).text() for c in range(table.columnCount())]
        self.assertEqual(row[:4], ["rx2", "fine", "64", "4"])
        self.assertEqual(row[4], "75.0 % / 87.5 %")
        self.assertEqual(row[5], "20.25 / 21.50")
        self.assertEqual(row[7:], ["19.9", "19.0"])
        self.assertGreaterEqual(widget.redraws, 1)
        widget.close()

    def test_metrics_arrive_through_the_message_port(self):
        display = semcom.metrics_display()
        tb = gr.top_block()
        strobe = blocks.message_strobe(pmt.intern(json.dumps({"receiver": "rx1", "frames": 5})), 20)
        tb.msg_connect(strobe, "strobe", display, "metrics")
        tb.start()
        time.sleep(0.3)
        tb.stop()
        tb.wait()
        self.assertEqual(display.latest("rx1")["frames"], 5)


if __name__ == "__main__":
    gr_unittest.run(qa_displays)
