#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Metrics Display: each receiver's figures from Metrics Sink messages, as numbers and curves."""

import collections
import json
import re
import threading
import time

import pmt
from gnuradio import gr


class metrics_display(gr.basic_block):
    """Per receiver: frames, frames lost, accuracy, PSNR and SSIM (over the frames since the last
    report and since the start), the SNR measured on the recent frames and the SNR the transmitter
    used for it (for DeepBroadcast, the value fed back), in a table; and curves of the recent
    accuracy, PSNR and measured SNR over the last history_s seconds.

    Message port "metrics" (in): Metrics Sink's JSON summaries; connect every receiver's Metrics
    Sink to it (the receiver field names the row). Messages that are not such a summary are
    counted (bad_messages) and otherwise ignored. The widget redraws at most refresh_hz times a
    second, only when something new came, so a fast report rate costs no drawing.
    """

    def __init__(self, history_s=60.0, refresh_hz=2.0, title="", parent=None):
        gr.basic_block.__init__(self, name="metrics_display", in_sig=None, out_sig=None)
        if not history_s > 0 or not refresh_hz > 0:
            raise ValueError("metrics_display: history_s and refresh_hz must be > 0")
        self.message_port_register_in(pmt.intern("metrics"))
        self.set_msg_handler(pmt.intern("metrics"), self.handle_metrics)
        self._lock = threading.Lock()
        self._latest = {}
        self._history = collections.defaultdict(collections.deque)
        self._history_s = float(history_s)
        self._refresh_hz = float(refresh_hz)
        self._version = 0
        self._bad = 0
        self._title = title
        self._parent = parent
        self._widget = None

    def handle_metrics(self, msg):
        try:
            text = pmt.symbol_to_string(msg) if pmt.is_symbol(msg) else None
            m = json.loads(text) if text is not None else None
            if not isinstance(m, dict) or not isinstance(m.get("receiver"), str):
                raise ValueError("not a metrics summary")
        except ValueError:  # json.JSONDecodeError is one
            with self._lock:
                self._bad += 1
                if self._bad == 1:
                    gr.logger("metrics_display").warn(" a message that is not a Metrics Sink summary: ignored (counted)")
            return
        now = time.monotonic()
        name = m["receiver"]
        with self._lock:
            self._latest[name] = m
            h = self._history[name]
            h.append((now, m.get("recent") or {}))
            while h and h[0][0] < now - self._history_s:
                h.popleft()
            self._version += 1

    @staticmethod
    def snr_used(name, summary):
        """The SNR the transmitter used for receiver `name` (its snr_db_used_last entry), or None."""
        used = summary.get("snr_db_used_last")
        if not used:
            return None
        if len(used) == 1:
            return used[0]
        k = re.fullmatch(r"rx(\d+)", name)
        index = int(k.group(1)) - 1 if k else -1
        return used[index] if 0 <= index < len(used) else None

    def snapshot(self):
        """(version, latest summary per receiver, history per receiver: [(time, recent dict)])."""
        with self._lock:
            return (self._version, dict(self._latest),
                    {name: list(h) for name, h in self._history.items()})

    def latest(self, receiver):
        """The newest summary of a receiver (a dict), or None."""
        with self._lock:
            return self._latest.get(receiver)

    def bad_messages(self):
        with self._lock:
            return self._bad

    def qwidget(self):
        """The Qt widget (created on first call, in the GUI thread)."""
        if self._widget is None:
            from ._qt_widgets import MetricsWidget
            self._widget = MetricsWidget(self, self._refresh_hz, self._history_s, self._title, self._parent)
        return self._widget
