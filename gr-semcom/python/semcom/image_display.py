#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Image Display: the latest frames of image streams as pictures, one row per stream.

A Qt widget for GNU Radio Companion and Python flowgraphs. Each input is read by its own small
sink (the metrics_sink habit: a receiver that drops or stalls never holds up the others), which
consumes every frame at once and keeps the newest ~1000 of each row (bounded memory); the widget
repaints from them at a bounded rate in the GUI thread. Display frames are dropped, never data:
the flowgraph runs as fast without it.
"""

import collections
import threading

import numpy as np
import pmt
from gnuradio import gr

FRAME_KEY = pmt.intern("semcom_frame")

# Fashion-MNIST's classes (DESIGN §4): the fine labels, the coarse hierarchy, the binary task
FASHION_FINE = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                "Ankle boot"]
FASHION_COARSE = ["tops", "trousers+dresses", "footwear", "bags"]
FASHION_COARSE_OF_FINE = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]
FASHION_BINARY = ["other", "long-sleeve top"]
TASK_CLASSES = {"fine": 10, "coarse": 4, "binary": 2}
TASK_NAMES = {"fine": FASHION_FINE, "coarse": FASHION_COARSE, "binary": FASHION_BINARY}


def task_label(task, fine, coarse):
    """The label of a frame for a task from its frame info's fine and coarse labels (-1: unknown)."""
    if task == "fine":
        return fine
    if task == "coarse":
        return coarse
    if task == "binary":
        return -1 if fine < 0 else int(fine in (2, 4, 6))
    return -1


def class_name(task, k):
    names = TASK_NAMES.get(task)
    if names is not None and 0 <= k < len(names):
        return names[k]
    return "class %d" % k


class _Frame:
    __slots__ = ("image", "decision", "fine", "coarse")

    def __init__(self):
        self.image = None
        self.decision = None
        self.fine = -1
        self.coarse = -1


class _Store:
    """The frames kept for display: per row, seq -> _Frame, the newest `keep` of them."""

    def __init__(self, rows, keep):
        self.lock = threading.Lock()
        self.rows = [collections.OrderedDict() for _ in range(rows)]
        self.keep = keep
        self.version = 0
        self.frames_seen = [0] * rows

    def frame(self, row, seq):
        # under self.lock
        frames = self.rows[row]
        f = frames.get(seq)
        if f is None:
            f = frames[seq] = _Frame()
            while len(frames) > self.keep:
                frames.popitem(last=False)
        return f


def _frame_infos(block, n):
    """seq, fine, coarse of each of the n items of input 0 (None where an item has no frame info)."""
    infos = [None] * n
    start = block.nitems_read(0)
    for tag in block.get_tags_in_window(0, 0, n, FRAME_KEY):
        value = tag.value
        if not pmt.is_dict(value):
            continue

        def get(name):
            v = pmt.dict_ref(value, pmt.intern(name), pmt.PMT_NIL)
            return pmt.to_long(v) if pmt.is_integer(v) else -1

        infos[tag.offset - start] = (get("seq"), get("fine"), get("coarse"))
    return infos


class _Tap(gr.sync_block):
    """One input of the display: takes every frame at once, keeps the newest (images or decisions)."""

    def __init__(self, store, row, size, kind, counts=True):
        gr.sync_block.__init__(self, name="image_display_" + kind, in_sig=[(np.float32, size)], out_sig=[])
        self._store, self._row, self._kind = store, row, kind
        self._counts = counts  # a row with images and scores counts its frames once, at the images
        self._untagged = 0  # an untagged stream's frames are numbered in arrival order

    def work(self, input_items, output_items):
        x = input_items[0]
        n = len(x)
        infos = _frame_infos(self, n)
        first = max(0, n - self._store.keep)  # older frames of this call would be evicted at once
        with self._store.lock:
            for i in range(first, n):
                info = infos[i]
                seq = info[0] if info and info[0] >= 0 else self._untagged + i
                f = self._store.frame(self._row, seq)
                if info:
                    f.fine, f.coarse = info[1], info[2]
                if self._kind == "image":
                    f.image = np.array(x[i], dtype=np.float32)
                else:
                    row = x[i]
                    f.decision = int(np.argmax(row)) if np.all(np.isfinite(row)) else -1
            if self._counts:
                self._store.frames_seen[self._row] += n
            self._store.version += 1
        self._untagged += n
        return n


class image_display(gr.hier_block2):
    """The latest frames of one or more image streams as pictures in a grid.

    labels: one row per stream, e.g. ["Sent", "Rx1 (coarse)", "Rx2 (fine)"]; the first is
    normally the originals (from Image Source, with their frame-info tags).
    tasks: per row, the task its class scores are for ("fine", "coarse", "binary"), or "" for a
    row without scores. A row with a task has a scores input (vlen: its classes); its caption
    is the decided class, green when it matches the frame's label, red when not. A row without
    one shows its frame's true class (fine, with the coarse class in brackets).
    images: per row, whether it has an image input (default all); a row without (a receiver that
    only classifies) shows the first row's picture of the same frame, dimmed, under its decision.

    Inputs: first one image stream (float, vlen channels*height*width, values 0..1) per row with
    an image, in row order; then one scores stream per row with a task, in row order.

    Columns are frames, matched by the seq of their frame-info ("semcom_frame") tags: the newest
    `columns` frames up to the slowest receiver's newest, so each original stands above its
    reconstructions; a frame a row has not (yet) received is drawn as an empty cell. Untagged
    streams are numbered in arrival order. The widget repaints at most refresh_hz times a second;
    every input takes its frames at once and each row keeps only its newest ~1000, so the
    display never slows the flowgraph: it drops display frames, not data.
    """

    def __init__(self, labels=("Sent", "Received"), tasks=("", ""), images=None, channels=1, height=28, width=28,
                 columns=6, refresh_hz=5.0, title="", parent=None):
        labels, tasks = list(labels), list(tasks)
        images = [True] * len(labels) if images is None or len(images) == 0 else [bool(v) for v in images]
        if not labels:
            raise ValueError("image_display: labels: give at least one row")
        if len(tasks) != len(labels) or len(images) != len(labels):
            raise ValueError("image_display: labels, tasks and images need one entry per row (%d, %d, %d)"
                             % (len(labels), len(tasks), len(images)))
        for t in tasks:
            if t not in ("", "fine", "coarse", "binary"):
                raise ValueError("image_display: task '%s': use fine, coarse, binary or '' (no scores)" % t)
        if not images[0] and any(not v for v in images):
            raise ValueError("image_display: the first row must have images when another row has none")
        if channels not in (1, 3) or height < 1 or width < 1:
            raise ValueError("image_display: images must be 1 or 3 channels of at least 1x1 pixels")
        if columns < 1 or not refresh_hz > 0:
            raise ValueError("image_display: columns >= 1 and refresh_hz > 0")
        size = channels * height * width
        image_rows = [r for r in range(len(labels)) if images[r]]
        scored_rows = [r for r in range(len(labels)) if tasks[r]]
        sizes = [size * 4] * len(image_rows) + [TASK_CLASSES[tasks[r]] * 4 for r in scored_rows]
        gr.hier_block2.__init__(self, "image_display", gr.io_signaturev(len(sizes), len(sizes), sizes),
                                gr.io_signature(0, 0, 0))
        self.labels, self.tasks, self.images = labels, tasks, images
        self.shape = (channels, height, width)
        self.columns = columns
        # originals run ahead of the receivers by the frames in the buffers and the decoders'
        # batches (about a hundred in a throttled flowgraph): keep enough of them (3 MB of 28x28)
        self._store = _Store(len(labels), keep=max(4 * columns, 1024))
        self._taps = []
        port = 0
        for r in image_rows:
            tap = _Tap(self._store, r, size, "image")
            self.connect((self, port), tap)
            self._taps.append(tap)
            port += 1
        for r in scored_rows:
            tap = _Tap(self._store, r, TASK_CLASSES[tasks[r]], "scores", counts=not images[r])
            self.connect((self, port), tap)
            self._taps.append(tap)
            port += 1
        self._refresh_hz = float(refresh_hz)
        self._title = title
        self._parent = parent
        self._widget = None

    def qwidget(self):
        """The Qt widget (created on first call, in the GUI thread)."""
        if self._widget is None:
            from ._qt_widgets import ImageGridWidget
            self._widget = ImageGridWidget(self, self._refresh_hz, self._title, self._parent)
        return self._widget

    def snapshot(self):
        """What the widget would draw now: (column seqs, rows of cells), each cell a dict with
        image (H x W or H x W x 3 float array, or None), caption and whether the decision is right
        (None without one). Thread-safe; for tests and for drawing."""
        with self._store.lock:
            rows = [dict(frames) for frames in self._store.rows]
            version = self._store.version
        receiver_rows = range(1, len(rows)) if len(rows) > 1 else range(len(rows))
        seqs, fronts = set(), []
        for r in receiver_rows:
            shown = [seq for seq, f in rows[r].items() if f.image is not None or f.decision is not None]
            if shown:
                seqs.update(shown)
                fronts.append(max(shown))
        # up to the slowest receiver's newest frame, so each column is filled in every row that
        # got its frame (a faster receiver's newer frames wait for it)
        columns = sorted(s for s in seqs if not fronts or s <= min(fronts))[-self.columns:]
        grid = []
        for r, frames in enumerate(rows):
            cells = []
            for seq in columns:
                f = frames.get(seq)
                cells.append(self._cell(r, f, rows[0].get(seq)))
            grid.append(cells)
        return version, columns, grid

    def _cell(self, row, f, original):
        c, h, w = self.shape
        cell = {"image": None, "caption": "", "correct": None, "dimmed": False}
        if f is None:
            return cell
        image = f.image
        if image is None and not self.images[row] and original is not None and original.image is not None:
            image, cell["dimmed"] = original.image, True
        if image is not None:
            pixels = np.clip(image.reshape(c, h, w), 0.0, 1.0)
            cell["image"] = pixels[0] if c == 1 else np.transpose(pixels, (1, 2, 0))
        task = self.tasks[row]
        fine = f.fine if f.fine >= 0 else (original.fine if original is not None else -1)
        coarse = f.coarse if f.coarse >= 0 else (original.coarse if original is not None else -1)
        if task and f.decision is not None:
            if f.decision < 0:
                cell["caption"] = "NaN scores"
                cell["correct"] = False
            else:
                cell["caption"] = class_name(task, f.decision)
                truth = task_label(task, fine, coarse)
                cell["correct"] = None if truth < 0 else f.decision == truth
        elif not task and fine >= 0:
            cell["caption"] = class_name("fine", fine)
            if 0 <= coarse < len(FASHION_COARSE):
                cell["caption"] += " (%s)" % FASHION_COARSE[coarse]
        return cell

    def frames_seen(self):
        """Frames each row's inputs have taken (all of them, shown or not)."""
        with self._store.lock:
            return list(self._store.frames_seen)
