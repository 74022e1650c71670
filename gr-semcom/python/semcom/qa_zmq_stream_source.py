#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of zmq_stream_source, the checked replacement of gr-zeromq's sub_source: what gr-zeromq's
pub_sink publishes (items and tags) arrives whole, with every tag at its item; hostile messages
(a short header, a tag count the bytes cannot hold, a tag key that claims a vector of 2^32
elements, a tag outside its items, items that are not whole, several frames) are refused and
counted while the block keeps running."""

import os
import socket
import struct
import time

import numpy as np
import pmt
import yaml
import zmq
from gnuradio import blocks, gr, gr_unittest, zeromq

from gnuradio import semcom

GRC = os.environ.get("GRC_BLOCKS_PATH", os.path.join(os.path.dirname(__file__), "..", "..", "grc"))
HUGE_VECTOR = b"\x08\xff\xff\xff\xff\x06\x06\x06\x06"
ITEM = 8  # gr_complex


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def message(offset, items, tags=(), header=True):
    """A message as gr-zeromq 3.10's pub_sink writes it: magic, version 1, offset, tag count, each
    tag (offset, key, value, srcid serialised), then the items."""
    out = b""
    if header:
        out = struct.pack("<HBQQ", 0x5FF0, 1, offset, len(tags))
        for at, key, value in tags:
            out += struct.pack("<Q", at) + pmt.serialize_str(pmt.intern(key)) + pmt.serialize_str(value) \
                + pmt.serialize_str(pmt.PMT_F)
    return out + np.asarray(items, dtype=np.complex64).tobytes()


class qa_zmq_stream_source(gr_unittest.TestCase):
    def wait_for(self, cond, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertTrue(cond(), "timed out")

    def test_what_pub_sink_publishes_arrives_with_its_tags(self):
        address = f"tcp://127.0.0.1:{free_port()}"
        n = 20000
        data = (np.arange(n) + 1j * np.arange(n)[::-1]).astype(np.complex64)
        tags = [gr.tag_utils.python_to_tag((at, pmt.intern("frame_info"), pmt.from_long(at), pmt.intern("src")))
                for at in (0, 1, 4095, 4096, 12345, n - 1)]
        tx = gr.top_block()
        src = blocks.vector_source_c(data.tolist(), False, 1, tags)
        pub = zeromq.pub_sink(ITEM, 1, address, 100, True, -1, "", False)
        tx.connect(src, pub)
        rx = gr.top_block()
        sub = semcom.zmq_stream_source(ITEM, address, 50, True)
        sink = blocks.vector_sink_c()
        rx.connect(sub, sink)
        rx.start()
        time.sleep(0.5)  # the subscription is up before the first message
        tx.run()
        self.wait_for(lambda: len(sink.data()) >= n)
        rx.stop()
        rx.wait()
        np.testing.assert_array_equal(np.array(sink.data()), data)
        got = [(t.offset, pmt.symbol_to_string(t.key), pmt.to_long(t.value)) for t in sink.tags()]
        self.assertEqual(got, [(at, "frame_info", at) for at in (0, 1, 4095, 4096, 12345, n - 1)])
        self.assertEqual(sub.messages_refused(), 0)
        self.assertGreater(sub.messages_received(), 0)

    def subscribed(self, pass_tags):
        """A pyzmq PUB that binds and a running flowgraph zmq_stream_source -> vector_sink
        connected to it; stopped and closed at the test's end."""
        port = free_port()
        ctx = zmq.Context()
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 0)
        pub.bind(f"tcp://127.0.0.1:{port}")
        rx = gr.top_block()
        sub = semcom.zmq_stream_source(ITEM, f"tcp://127.0.0.1:{port}", 50, pass_tags)
        sink = blocks.vector_sink_c()
        rx.connect(sub, sink)
        rx.start()

        def close():
            rx.stop()
            rx.wait()
            pub.close()
            ctx.term()
        self.addCleanup(close)
        return pub, sub, sink

    def test_hostile_messages_are_refused_and_counted(self):
        pub, sub, sink = self.subscribed(True)
        # until connected: a good message of one item (a PUB drops what it sends before that)
        while not sink.data():
            pub.send(message(0, [0j]))
            time.sleep(0.05)
        time.sleep(0.2)
        before, received = len(sink.data()), sub.messages_received()
        huge_key = struct.pack("<HBQQ", 0x5FF0, 1, 0, 1) + struct.pack("<Q", 0) + HUGE_VECTOR
        bad = [
            b"\xf0\x5f\x01",                                            # header cut short
            b"\x00" * 40,                                               # no magic
            struct.pack("<HBQQ", 0x5FF0, 2, 0, 0) + b"\x00" * 8,        # another version
            struct.pack("<HBQQ", 0x5FF0, 1, 0, 2**60) + b"\x00" * 64,  # tags the bytes cannot hold
            huge_key + b"\x00" * 8,                                     # a key claiming 2^32 items
            message(100, [1j, 2j], [(99, "k", pmt.PMT_T)]),            # a tag before its items
            message(100, [1j, 2j], [(102, "k", pmt.PMT_T)]),           # a tag after them
            message(0, [1j, 2j]) + b"\x01\x02\x03",                     # items not whole
            message(0, [], [(0, "k", pmt.PMT_T)]),                      # a tag and no items
        ]
        for b in bad:
            pub.send(b)
        pub.send_multipart([message(0, [5j]), b"second frame"])
        self.wait_for(lambda: sub.messages_received() >= received + len(bad) + 1)
        self.assertEqual(sub.messages_refused(), len(bad) + 1)
        self.assertEqual(len(sink.data()), before)  # nothing of them came out
        # still running: a later good message arrives with its tag
        pub.send(message(7, [3 + 4j, 5 + 6j], [(8, "good", pmt.from_long(42))]))
        self.wait_for(lambda: len(sink.data()) >= before + 2)
        self.assertEqual(list(sink.data()[-2:]), [3 + 4j, 5 + 6j])
        last = sink.tags()[-1]
        self.assertEqual(pmt.symbol_to_string(last.key), "good")
        self.assertEqual(last.offset, before + 1)

    def test_without_tags_the_messages_are_items(self):
        pub, sub, sink = self.subscribed(False)
        while not sink.data():
            pub.send(message(0, [1 + 1j, 2 + 2j], header=False))
            time.sleep(0.05)
        time.sleep(0.2)
        self.assertEqual(sub.messages_refused(), 0)
        self.assertEqual(len(sink.data()) % 2, 0)
        pub.send(b"\x00" * 12)  # not whole items
        self.wait_for(lambda: sub.messages_refused() == 1)

    def test_bad_parameters_are_named(self):
        with self.assertRaisesRegex(ValueError, "cannot connect to 'tcp://'"):
            semcom.zmq_stream_source(ITEM, "tcp://")
        with self.assertRaisesRegex(ValueError, "itemsize 0"):
            semcom.zmq_stream_source(0, "tcp://127.0.0.1:5555")
        with self.assertRaisesRegex(ValueError, "timeout_ms"):
            semcom.zmq_stream_source(ITEM, "tcp://127.0.0.1:5555", 0)

    def test_grc_block_is_documented(self):
        with open(os.path.join(GRC, "semcom_zmq_stream_source.block.yml")) as f:
            block = yaml.safe_load(f)
        self.assertEqual(block["id"], "semcom_zmq_stream_source")
        self.assertIn("parse_stream_message", block["documentation"])
        self.assertIn("make(", block["cpp_templates"]["make"])
        with open(os.path.join(GRC, "semcom.tree.yml")) as f:
            self.assertIn("semcom_zmq_stream_source", f.read())


if __name__ == "__main__":
    gr_unittest.run(qa_zmq_stream_source)
