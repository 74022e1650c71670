#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The USRP flowgraphs grc/examples/semcom_usrp_tx.grc and grc/examples/semcom_usrp_rx.grc: they compile with grcc;
without a USRP each exits with one line; and with the UHD blocks swapped for a file (the rest of
the generated flowgraph unchanged) the transmitter's bursts decode with `semcom rx --file`, and
the receiver decodes the bursts of `semcom tx --file`."""

import glob
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
SEMCOM = os.environ.get("SEMCOM_APP", os.path.join(SOURCE, "build", "apps", "semcom"))
FLOWGRAPHS = ("semcom_usrp_tx", "semcom_usrp_rx")

# Runs a generated Qt flowgraph with its UHD block replaced by a file source or sink, headless.
HARNESS = textwrap.dedent("""
    import os, sys, time, types, subprocess
    out_dir, name, samples, images = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    sys.path.insert(0, out_dir)
    from PyQt5 import Qt
    from gnuradio import blocks, gr, uhd

    class _Radio(gr.hier_block2):
        # a USRP block's set_/get_ calls do nothing; samples go to or come from a file
        def __init__(self, source):
            io = gr.io_signature(1, 1, gr.sizeof_gr_complex)
            none = gr.io_signature(0, 0, 0)
            gr.hier_block2.__init__(self, "file_radio", none if source else io, io if source else none)
            if source:
                self.connect(blocks.file_source(gr.sizeof_gr_complex, samples, False), self)
            else:
                self.connect(self, blocks.file_sink(gr.sizeof_gr_complex, samples))
        def __getattr__(self, attr):
            if attr.startswith(("set_", "get_")):
                return lambda *args, **kwargs: None
            return gr.hier_block2.__getattr__(self, attr)

    uhd.usrp_source = lambda *args, **kwargs: _Radio(True)
    uhd.usrp_sink = lambda *args, **kwargs: _Radio(False)
    subprocess.run = lambda *args, **kwargs: types.SimpleNamespace(returncode=0)  # "a USRP is there"
    app = Qt.QApplication([])
    module = __import__(name)
    tb = getattr(module, name)(images=images)
    tb.start()
    deadline = time.time() + 120
    if name.endswith("_rx"):
        while tb.metrics.frames() < images and time.time() < deadline:
            time.sleep(0.1)
        tb.stop()
    tb.wait()
    result = {}
    if name.endswith("_rx"):
        result = {"frames": tb.metrics.frames(), "accuracy": tb.metrics.accuracy(), "psnr_db": tb.metrics.psnr_db()}
        _, _, grid = tb.image_view.snapshot()  # what the Image Display shows: pictures in each row
        result["pictures"] = [sum(cell["image"] is not None for cell in row) for row in grid]
        result["reports"] = sorted(tb.metrics_display.snapshot()[1])
    print("RESULT " + repr(result), flush=True)
    tb.close()
    os._exit(0)  # a Qt flowgraph may crash the interpreter at exit (DESIGN section 10)
""")


def grcc(name, out_dir):
    return subprocess.run(["grcc", "-o", out_dir, os.path.join(SOURCE, "grc", "examples", name + ".grc")],
                          capture_output=True, text=True, timeout=120)


def env(runtime_dir):
    e = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=runtime_dir)
    e.pop("UHD_LOG_CONSOLE_LEVEL", None)
    return e


class qa_grc_usrp(unittest.TestCase):
    def test_compile(self):
        for name in FLOWGRAPHS:
            with self.subTest(flowgraph=name), tempfile.TemporaryDirectory() as out:
                r = grcc(name, out)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertTrue(os.path.exists(os.path.join(out, name + ".py")))
                with open(os.path.join(out, name + ".py")) as f:
                    code = f.read()
                self.assertIn("uhd.usrp_" + ("sink" if name.endswith("tx") else "source"), code)
                self.assertIn("semcom.burst_" + ("transmitter" if name.endswith("tx") else "receiver"), code)
                # the symbols come from / go to the composite blocks at 0 samples per symbol; the
                # burst blocks stay separate (the transmitter's amplitude and timed first burst,
                # the receiver's equalised payload on the constellation plot)
                if name.endswith("tx"):
                    self.assertRegex(code, r"semcom\.transmitter\(models \+ ._encoder\.json., \"auto\", 32, 0, \d+, \d+, int\(1\)\)")
                    self.assertIn("self.connect((self.source, 0), (self.transmitter, 0))", code)
                    self.assertIn("self.connect((self.transmitter, 0), (self.bursts, 0))", code)
                    # ..., images per burst 1, spreading 1, no side information (DeepSCM needs none)
                    self.assertIn("amplitude, start_time, 1, int(1), 0)", code)
                else:
                    self.assertRegex(code, r"semcom\.receiver\(models \+ ._rx2\.json., \"auto\", 10, 32, True, 0, 16, 0\.03125, 0, False, int\(1\)\)")
                    self.assertIn("self.connect((self.bursts, 0), (self.receiver, 0))", code)
                    self.assertIn("self.connect((self.bursts, 0), (self.constellation, 0))", code)
                    self.assertIn("self.connect((self.receiver, 1), (self.metrics, 1))", code)
                for block in ("semantic_encoder", "superposition_mapper", "neural_decoder"):
                    self.assertNotIn("semcom.%s(" % block, code)

    def test_no_usrp_is_one_line(self):
        for name in FLOWGRAPHS:
            with self.subTest(flowgraph=name), tempfile.TemporaryDirectory() as out:
                self.assertEqual(grcc(name, out).returncode, 0)
                r = subprocess.run([sys.executable, os.path.join(out, name + ".py"), "-a", "type=b200,serial=none"],
                                   capture_output=True, text=True, timeout=300, cwd=SOURCE, env=env(out))
                self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
                lines = [l for l in r.stderr.splitlines() if l.strip()]
                self.assertEqual(lines, [f"{name}: no USRP found for device args 'type=b200,serial=none' "
                                         "(check the cable/network and uhd_find_devices)"], r.stderr)

    def run_harness(self, name, out, samples, images):
        self.assertEqual(grcc(name, out).returncode, 0)
        r = subprocess.run([sys.executable, "-c", HARNESS, out, name, samples, str(images)], capture_output=True,
                           text=True, timeout=300, cwd=SOURCE, env=env(out))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr[-3000:])
        results = [l for l in r.stdout.splitlines() if l.startswith("RESULT ")]
        self.assertEqual(len(results), 1, r.stdout + r.stderr[-3000:])
        return eval(results[0][7:])

    def test_tx_flowgraph_bursts_decode(self):
        with tempfile.TemporaryDirectory() as out:
            samples = os.path.join(out, "tx.cf32")
            self.run_harness("semcom_usrp_tx", out, samples, 30)
            self.assertGreater(os.path.getsize(samples), 0)
            j = os.path.join(out, "rx.json")
            r = subprocess.run([SEMCOM, "rx", "--file", samples, "--images", "30", "--receiver", "2", "--device",
                                "cpu", "--quiet", "--out-dir", out, "--json", j],
                               capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(j) as f:
                rx = json.load(f)
            self.assertEqual((rx["frames"], rx["missing"]), (30, 0))
            self.assertGreater(rx["psnr_db"], 17.0)

    def test_rx_flowgraph_decodes(self):
        with tempfile.TemporaryDirectory() as out:
            samples = os.path.join(out, "bursts.cf32")
            r = subprocess.run([SEMCOM, "tx", "--file", samples, "--images", "30", "--device", "cpu", "--quiet"],
                               capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(r.returncode, 0, r.stderr)
            result = self.run_harness("semcom_usrp_rx", out, samples, 30)
            self.assertEqual(result["frames"], 30)
            self.assertEqual(result["pictures"], [8, 8])  # sent and received, 8 columns each
            self.assertEqual(result["reports"], ["rx2"])
            self.assertGreater(result["psnr_db"], 17.0)
            self.assertGreater(result["accuracy"], 0.6)


if __name__ == "__main__":
    unittest.main()
