#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of the UHD monitor blocks of `semcom tx` / `semcom rx`, without a radio: uhd_async_counter
counts the events of a usrp_sink's async messages, uhd_overflow_counter the overflows a
usrp_source's rx_time tags reveal."""

import os
import time

import pmt
import yaml
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

GRC = os.environ.get("GRC_BLOCKS_PATH", os.path.join(os.path.dirname(__file__), "..", "..", "grc"))


def async_msg(*events, wrapped=True):
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("channel"), pmt.from_long(0))
    d = pmt.dict_add(d, pmt.intern("event_code"), pmt.list1(pmt.intern(events[0])) if len(events) == 1 else
                     pmt.list2(pmt.intern(events[0]), pmt.intern(events[1])))
    return pmt.cons(pmt.intern("uhd_async_msg"), d) if wrapped else d


def rx_time(offset, secs):
    value = pmt.make_tuple(pmt.from_uint64(int(secs)), pmt.from_double(secs - int(secs)))
    return gr.tag_utils.python_to_tag((offset, pmt.intern("rx_time"), value))


class qa_uhd_monitor(gr_unittest.TestCase):
    def test_async_counter_counts_each_event_kind(self):
        counter = semcom.uhd_async_counter()
        port = pmt.intern("in")
        for msg in (async_msg("underflow"), async_msg("underflow_in_packet", wrapped=False),
                    async_msg("time_error"), async_msg("seq_error", "burst_ack"), async_msg("seq_error_in_burst"),
                    async_msg("burst_ack"), async_msg("burst_ack"), pmt.intern("not a dict"),
                    async_msg("something_else")):
            counter.to_basic_block()._post(port, msg)
        counter.drain()  # messages queued while no flowgraph runs: counted by drain()
        self.assertEqual((counter.underflows(), counter.late_bursts(), counter.sequence_errors(), counter.acks()),
                         (2, 1, 2, 3))

    def test_async_counter_in_a_flowgraph(self):
        tb = gr.top_block()
        strobe = blocks.message_strobe(async_msg("burst_ack"), 10)
        counter = semcom.uhd_async_counter()
        tb.msg_connect(strobe, "strobe", counter, "in")
        tb.start()
        time.sleep(0.3)
        tb.stop()
        tb.wait()
        counter.drain()
        self.assertGreater(counter.acks(), 0)
        self.assertEqual(counter.underflows(), 0)

    def test_overflow_counter_measures_the_samples_lost(self):
        rate = 1e6
        n = 3000
        # stream start at 5 s; an overflow lost 250 samples before sample 1000; a tag at 2000 with
        # the time that follows from the samples in between (no loss)
        tags = [rx_time(0, 5.0), rx_time(1000, 5.0 + 1250 / rate), rx_time(2000, 5.0 + 2250 / rate)]
        tb = gr.top_block()
        src = blocks.vector_source_c([0j] * n, False, 1, tags)
        counter = semcom.uhd_overflow_counter(rate)
        tb.connect(src, counter)
        tb.run()
        self.assertEqual(counter.overflows(), 1)
        self.assertEqual(counter.samples_lost(), 250)
        self.assertEqual(counter.samples(), n)

    def test_bad_rate(self):
        with self.assertRaisesRegex(ValueError, "sample_rate"):
            semcom.uhd_overflow_counter(0)

    def test_grc_blocks_are_documented(self):
        for name in ("semcom_uhd_async_counter", "semcom_uhd_overflow_counter"):
            with open(os.path.join(GRC, name + ".block.yml")) as f:
                block = yaml.safe_load(f)
            self.assertEqual(block["id"], name)
            self.assertIn("overflow" if "overflow" in name else "underflow", block["documentation"])
            self.assertIn("make(", block["cpp_templates"]["make"])


if __name__ == "__main__":
    gr_unittest.run(qa_uhd_monitor)
