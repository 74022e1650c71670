#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""QA of frame_matcher: decoded frames are paired with their originals by seq, lost frames leave
their originals out, the pairs come out tagged; the GRC block is documented."""

import os

import numpy as np
import pmt
import yaml
from gnuradio import blocks, gr, gr_unittest

from gnuradio import semcom

GRC = os.environ.get("GRC_BLOCKS_PATH", os.path.join(os.path.dirname(__file__), "..", "..", "grc"))
D = 4  # floats per frame


def frames(seqs, offset=0.0):
    data = np.concatenate([np.full(D, s + offset, dtype=np.float32) for s in seqs])
    tags = []
    for i, s in enumerate(seqs):
        d = pmt.dict_add(pmt.make_dict(), pmt.intern("seq"), pmt.from_uint64(s))
        tags.append(gr.tag_utils.python_to_tag((i, pmt.intern("semcom_frame"), d)))
    return blocks.vector_source_f(data.tolist(), False, D, tags)


class qa_frame_matcher(gr_unittest.TestCase):
    def run_matcher(self, sent, decoded):
        tb = gr.top_block()
        m = semcom.frame_matcher(D)
        orig, dec = blocks.vector_sink_f(D), blocks.vector_sink_f(D)
        tb.connect(frames(sent), (m, 0))
        tb.connect(frames(decoded, offset=0.5), (m, 1))
        tb.connect((m, 0), orig)
        tb.connect((m, 1), dec)
        tb.run()
        o = np.array(orig.data()).reshape(-1, D)[:, 0]
        d = np.array(dec.data()).reshape(-1, D)[:, 0]
        seqs = [pmt.to_python(t.value)["seq"] for t in dec.tags()]
        return m, o, d, seqs

    def test_lost_frames_leave_their_originals_out(self):
        m, o, d, seqs = self.run_matcher(sent=[0, 1, 2, 3, 4, 5], decoded=[0, 2, 3, 5])
        np.testing.assert_array_equal(o, [0, 2, 3, 5])
        np.testing.assert_array_equal(d, [0.5, 2.5, 3.5, 5.5])
        self.assertEqual(seqs, [0, 2, 3, 5])
        self.assertEqual((m.matched(), m.missing()), (4, 2))

    def test_a_stale_frame_is_dropped(self):
        m, o, d, _ = self.run_matcher(sent=[10, 11, 12], decoded=[10, 12, 11])
        np.testing.assert_array_equal(o, [10, 12])
        np.testing.assert_array_equal(d, [10.5, 12.5])

    def test_bad_size_and_grc_block(self):
        with self.assertRaisesRegex(ValueError, "item_size"):
            semcom.frame_matcher(0)
        with open(os.path.join(GRC, "semcom_frame_matcher.block.yml")) as f:
            block = yaml.safe_load(f)
        self.assertEqual(block["id"], "semcom_frame_matcher")
        self.assertIn("seq", block["documentation"])
        self.assertEqual(len(block["inputs"]), 2)
        self.assertEqual(len(block["outputs"]), 2)


if __name__ == "__main__":
    gr_unittest.run(qa_frame_matcher)
