#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of snr_report_source, the ZeroMQ subscriber of the transmitter's SNR reports: a plain pyzmq
PUB socket sends it good reports, a 9-byte message that claims a vector of 2^32 elements (what
crashes gr-zeromq's sub_msg_source, which calls pmt::deserialize on it), random garbage and a
message of two frames; the bad ones are refused and counted, the block keeps running and stops
promptly."""

import os
import random
import socket
import time

import pmt
import yaml
import zmq
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

GRC = os.environ.get("GRC_BLOCKS_PATH", os.path.join(os.path.dirname(__file__), "..", "..", "grc"))

# The serialised PMT format (pmt_serial_tags.h): 0x08 a vector (u32 count, then the items), 0x0a a
# uniform vector (u8 type, u32 count, u8 padding, the elements; type 8 is f32), 0x06 nil.
HUGE_VECTOR = b"\x08\xff\xff\xff\xff\x06\x06\x06\x06"
HUGE_F32VECTOR = b"\x0a\x08\xff\xff\xff\xff\x00\x00\x00"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def report(**snrs):
    d = pmt.make_dict()
    for rx, snr in snrs.items():
        d = pmt.dict_add(d, pmt.intern(rx), pmt.from_double(snr))
    return d


def garbage(rng, n):
    # an unknown tag first (tags go up to 0x0d): a leading valid scalar would be read as that
    # scalar, the rest ignored, as pmt::deserialize does
    return bytes([rng.randrange(0x0e, 0x100)]) + bytes(rng.randrange(256) for _ in range(n - 1))


class qa_snr_report_source(gr_unittest.TestCase):
    def setUp(self):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.tb = gr.top_block()
        self.src = semcom.snr_report_source(self.address, 100, True)
        self.dbg = blocks.message_debug()
        self.tb.msg_connect(self.src, "out", self.dbg, "store")
        self.ctx = zmq.Context()
        self.pub = self.ctx.socket(zmq.PUB)
        self.pub.setsockopt(zmq.LINGER, 0)
        self.pub.connect(self.address)
        self.tb.start()

    def tearDown(self):
        self.tb.stop()
        self.tb.wait()
        self.pub.close()
        self.ctx.term()

    def send_until_stored(self, msg, timeout=10.0):
        """Sends msg until message_debug has one more message (a PUB drops what it sends before the
        connection is up); returns the last message stored."""
        n = self.dbg.num_messages()
        deadline = time.monotonic() + timeout
        while self.dbg.num_messages() == n:
            self.assertLess(time.monotonic(), deadline, "the report never arrived")
            self.pub.send(pmt.serialize_str(msg))
            time.sleep(0.05)
        time.sleep(0.2)  # copies of it still in flight
        return self.dbg.get_message(self.dbg.num_messages() - 1)

    def wait_for_count(self, count, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.src.messages_received() < count and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertGreaterEqual(self.src.messages_received(), count)

    def test_a_good_report_arrives(self):
        got = self.send_until_stored(report(rx1=12.5, rx2=3.0))
        self.assertTrue(pmt.equal(got, report(rx1=12.5, rx2=3.0)))
        self.assertEqual(self.src.messages_refused(), 0)
        self.assertEqual(self.src.messages_received(), self.dbg.num_messages())

    def test_malicious_and_garbage_messages_are_refused_and_counted(self):
        self.send_until_stored(report(rx1=1.0))  # connected
        received, stored = self.src.messages_received(), self.dbg.num_messages()
        rng = random.Random(15)
        bad = [HUGE_VECTOR, HUGE_F32VECTOR, b"", b"\x07\x06"] + [garbage(rng, rng.randrange(1, 200)) for _ in range(20)]
        for b in bad:
            self.pub.send(b)
        self.pub.send_multipart([pmt.serialize_str(report(rx1=2.0)), b"second frame"])
        self.wait_for_count(received + len(bad) + 1)
        self.assertEqual(self.src.messages_refused(), len(bad) + 1)
        self.assertEqual(self.dbg.num_messages(), stored)  # none of them published
        # still running: a later good report arrives
        got = self.send_until_stored(report(rx2=7.5))
        self.assertTrue(pmt.equal(got, report(rx2=7.5)))
        self.assertEqual(self.src.messages_refused(), len(bad) + 1)

    def test_stop_returns_within_a_second(self):
        self.send_until_stored(report(rx1=1.0))
        t = time.monotonic()
        self.tb.stop()
        self.tb.wait()
        self.assertLess(time.monotonic() - t, 1.0)
        self.tb.start()  # and starts again (tearDown stops it)
        self.send_until_stored(report(rx1=4.0))


class qa_snr_report_source_make(gr_unittest.TestCase):
    def test_bad_address_names_it(self):
        with self.assertRaisesRegex(ValueError, "cannot bind to 'nonsense:5556'"):
            semcom.snr_report_source("nonsense:5556")
        with self.assertRaisesRegex(ValueError, "cannot connect to 'tcp://'"):
            semcom.snr_report_source("tcp://", 100, False)

    def test_bad_timeout(self):
        with self.assertRaisesRegex(ValueError, "timeout_ms"):
            semcom.snr_report_source("tcp://127.0.0.1:0", 0)

    def test_connecting_side(self):
        # bind=False: connects to a publisher that binds
        port = free_port()
        ctx = zmq.Context()
        pub = ctx.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 0)
        pub.bind(f"tcp://127.0.0.1:{port}")
        tb = gr.top_block()
        src = semcom.snr_report_source(f"tcp://127.0.0.1:{port}", 50, False)
        dbg = blocks.message_debug()
        tb.msg_connect(src, "out", dbg, "store")
        tb.start()
        try:
            deadline = time.monotonic() + 10
            while dbg.num_messages() == 0 and time.monotonic() < deadline:
                pub.send(pmt.serialize_str(pmt.from_double(9.0)))
                time.sleep(0.05)
            self.assertGreater(dbg.num_messages(), 0)
            self.assertEqual(pmt.to_double(dbg.get_message(0)), 9.0)
        finally:
            tb.stop()
            tb.wait()
            pub.close()
            ctx.term()

    def test_grc_block_is_documented(self):
        with open(os.path.join(GRC, "semcom_snr_report_source.block.yml")) as f:
            block = yaml.safe_load(f)
        self.assertEqual(block["id"], "semcom_snr_report_source")
        self.assertIn("deserialize_checked", block["documentation"])
        self.assertIn("make(", block["cpp_templates"]["make"])
        with open(os.path.join(GRC, "semcom.tree.yml")) as f:
            self.assertIn("semcom_snr_report_source", f.read())


if __name__ == "__main__":
    gr_unittest.main()  # both classes
