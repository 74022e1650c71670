#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Qt widgets of Image Display and Metrics Display (imported only when a widget is made, so
`from gnuradio import semcom` needs no Qt)."""

import math
import time

import numpy as np
from PyQt5 import Qt, QtCore, QtGui

GOOD = QtGui.QColor(0, 130, 0)
BAD = QtGui.QColor(200, 0, 0)
GREY = QtGui.QColor(150, 150, 150)


class ImageGridWidget(Qt.QWidget):
    """Rows of pictures with captions, repainted from image_display.snapshot() on a timer."""

    def __init__(self, display, refresh_hz, title="", parent=None):
        Qt.QWidget.__init__(self, parent)
        self._display = display
        self._title = title
        self._version = -1
        self._grid = ([], [])
        self.repaints = 0
        self.setMinimumSize(200 + 80 * display.columns, 40 + 110 * len(display.labels))
        self.setSizePolicy(Qt.QSizePolicy.Expanding, Qt.QSizePolicy.Expanding)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(max(1, int(1000.0 / refresh_hz)))

    def refresh(self):
        version, columns, grid = self._display.snapshot()
        if version == self._version:
            return  # nothing new: no repaint
        self._version = version
        self._grid = (columns, grid)
        self.update()

    @staticmethod
    def _qimage(pixels):
        data = np.ascontiguousarray(np.rint(pixels * 255.0).astype(np.uint8))
        h, w = data.shape[:2]
        if data.ndim == 2:
            image = QtGui.QImage(data.data, w, h, w, QtGui.QImage.Format_Grayscale8)
        else:
            image = QtGui.QImage(data.data, w, h, 3 * w, QtGui.QImage.Format_RGB888)
        return image.copy()  # own its pixels: data is freed on return

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        labels = self._display.labels
        columns, grid = self._grid
        ncol = self._display.columns
        top = 0
        fm = p.fontMetrics()
        if self._title:
            f = p.font()
            f.setBold(True)
            p.setFont(f)
            p.drawText(QtCore.QRect(0, 0, self.width(), fm.height() + 6), QtCore.Qt.AlignCenter, self._title)
            f.setBold(False)
            p.setFont(f)
            top = fm.height() + 8
        label_w = max(fm.horizontalAdvance(t) for t in labels) + 12
        caption_h = fm.height() + 4
        row_h = (self.height() - top) / max(1, len(labels))
        cell_w = (self.width() - label_w) / ncol
        side = max(8, int(min(cell_w - 8, row_h - caption_h - 8)))
        p.setRenderHint(QtGui.QPainter.SmoothPixmapTransform, False)  # show the pixels as they are
        for r, label in enumerate(labels):
            y0 = top + r * row_h
            p.setPen(self.palette().windowText().color())
            p.drawText(QtCore.QRectF(0, y0, label_w, row_h - caption_h), QtCore.Qt.AlignVCenter | QtCore.Qt.AlignLeft,
                       label)
            cells = grid[r] if r < len(grid) else []
            for c in range(ncol):
                x = label_w + c * cell_w + (cell_w - side) / 2
                target = QtCore.QRectF(x, y0 + 4, side, side)
                cell = cells[c] if c < len(cells) else None
                if cell is None or cell["image"] is None:
                    p.setPen(QtGui.QPen(GREY, 1, QtCore.Qt.DashLine))
                    p.drawRect(target)
                else:
                    if cell["dimmed"]:
                        p.setOpacity(0.35)
                    p.drawImage(target, self._qimage(cell["image"]))
                    p.setOpacity(1.0)
                if cell is not None and cell["caption"]:
                    colour = {True: GOOD, False: BAD}.get(cell["correct"], self.palette().windowText().color())
                    p.setPen(colour)
                    text = fm.elidedText(cell["caption"], QtCore.Qt.ElideRight, int(cell_w) - 2)
                    p.drawText(QtCore.QRectF(label_w + c * cell_w, y0 + side + 6, cell_w, caption_h),
                               QtCore.Qt.AlignHCenter | QtCore.Qt.AlignTop, text)
        p.end()
        self.repaints += 1


def _fmt(value, fmt, scale=1.0):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return fmt % (value * scale)


class MetricsWidget(Qt.QWidget):
    """A table of each receiver's figures and curves of the recent ones over time."""

    COLUMNS = ["Receiver", "Task", "Frames", "Lost", "Accuracy (recent / all)", "PSNR dB (recent / all)",
               "SSIM (recent / all)", "SNR measured dB", "SNR used by Tx dB"]

    def __init__(self, display, refresh_hz, history_s, title="", parent=None):
        Qt.QWidget.__init__(self, parent)
        from matplotlib.backends.backend_qt5agg import FigureCanvasQTAgg
        from matplotlib.figure import Figure
        self._display = display
        self._history_s = history_s
        self._version = -1
        self.redraws = 0
        layout = Qt.QVBoxLayout(self)
        if title:
            heading = Qt.QLabel("<b>%s</b>" % title)
            heading.setAlignment(QtCore.Qt.AlignCenter)
            layout.addWidget(heading)
        self.table = Qt.QTableWidget(0, len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(Qt.QAbstractItemView.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(Qt.QHeaderView.ResizeToContents)
        self.table.setSizePolicy(Qt.QSizePolicy.Expanding, Qt.QSizePolicy.Minimum)
        layout.addWidget(self.table)
        self._figure = Figure(figsize=(6, 2.4), tight_layout=True)
        self._axes = [self._figure.add_subplot(1, 3, k + 1) for k in range(3)]
        self._canvas = FigureCanvasQTAgg(self._figure)
        self._canvas.setMinimumHeight(180)
        layout.addWidget(self._canvas, stretch=1)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self.refresh)
        self._timer.start(max(1, int(1000.0 / refresh_hz)))

    def refresh(self):
        version, latest, history = self._display.snapshot()
        if version == self._version:
            return
        self._version = version
        self._fill_table(latest)
        self._plot(history)
        self.redraws += 1

    def _fill_table(self, latest):
        names = sorted(latest)
        self.table.setRowCount(len(names))
        for row, name in enumerate(names):
            m = latest[name]
            recent = m.get("recent") or {}
            lost = m.get("missing", 0) + m.get("nonfinite", 0)
            values = [
                name, m.get("task", ""), str(m.get("frames", 0)), str(lost),
                "%s / %s" % (_fmt(recent.get("accuracy"), "%.1f %%", 100), _fmt(m.get("accuracy"), "%.1f %%", 100)),
                "%s / %s" % (_fmt(recent.get("psnr_db"), "%.2f"), _fmt(m.get("psnr_db"), "%.2f")),
                "%s / %s" % (_fmt(recent.get("ssim"), "%.3f"), _fmt(m.get("ssim"), "%.3f")),
                _fmt(recent.get("snr_db_measured"), "%.1f"),
                _fmt(self._display.snr_used(name, m), "%.1f"),
            ]
            for col, text in enumerate(values):
                item = Qt.QTableWidgetItem(text)
                item.setTextAlignment(QtCore.Qt.AlignCenter)
                self.table.setItem(row, col, item)
        self.table.setFixedHeight(self.table.horizontalHeader().height() + 4 +
                                  sum(self.table.rowHeight(r) for r in range(len(names))))

    def _plot(self, history):
        now = time.monotonic()
        panels = (("accuracy", "Accuracy (%)", 100.0), ("psnr_db", "PSNR (dB)", 1.0),
                  ("snr_db_measured", "SNR measured (dB)", 1.0))
        for ax, (key, title, scale) in zip(self._axes, panels):
            ax.clear()
            ax.set_title(title, fontsize=9)
            ax.tick_params(labelsize=8)
            ax.set_xlim(-self._history_s, 0)
            ax.grid(True, alpha=0.3)
            drawn = False
            for name in sorted(history):
                points = [(t - now, v[key] * scale) for t, v in history[name] if v.get(key) is not None]
                if points:
                    t, v = zip(*points)
                    ax.plot(t, v, marker=".", markersize=3, linewidth=1, label=name)
                    drawn = True
            if drawn and key == "accuracy":
                ax.legend(fontsize=7, loc="lower left")
            if not drawn:
                ax.text(0.5, 0.5, "none reported", transform=ax.transAxes, ha="center", va="center",
                        color="grey", fontsize=9)
        self._axes[-1].set_xlabel("seconds ago", fontsize=8)
        self._canvas.draw_idle()
