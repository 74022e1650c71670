#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Every flowgraph in grc/examples/ compiles with grcc (Python and C++ output); the headless ones run."""

import glob
import math
import os
import re
import subprocess
import sys
import tempfile
import unittest

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), ".."))
FLOWGRAPHS = sorted(glob.glob(os.path.join(SOURCE, "grc", "examples", "*.grc")))


def grcc(path, out_dir):
    return subprocess.run(["grcc", "-o", out_dir, path], capture_output=True, text=True, timeout=120)


def read(path):
    with open(path) as f:
        return f.read()


# What the C++ of each headless flowgraph must build. The DSP loopback: its mapper with the
# 4QAM x 16QAM layers. The neural broadcast: the whole chains through the composite blocks, one
# Semantic Transmitter (symbols out, sps 0) into the channel and one Semantic Receiver (equalised
# symbols in, sps 0) per channel output, with that receiver's model, SNR and no real-time drops.
MODEL = r"models \+ .{role}\.json."
CPP_EXPECTED = {
    "semcom_dsp_loopback.grc": [re.escape('gr::semcom::superposition_mapper::make(\n            {"4qam", "16qam"}')],
    "semcom_broadcast_sim.grc": [
        r"gr::semcom::transmitter::make\(" + MODEL.format(role="_encoder") + r', "auto", 32, 0, 200, 8, 1\);',
        r"gr::semcom::receiver::make\(" + MODEL.format(role="_rx1") + r', "auto", snr1, 32, false, 0, 16, 0\.03125, 0, false, 1\);',
        r"gr::semcom::receiver::make\(" + MODEL.format(role="_rx2") + r', "auto", snr2, 32, false, 0, 16, 0\.03125, 0, false, 1\);',
        re.escape("connect(this->source, 0, this->transmitter, 0);"),
        re.escape("connect(this->transmitter, 0, this->channel, 0);"),
        re.escape("connect(this->channel, 0, this->rx1, 0);"),
        re.escape("connect(this->channel, 1, this->rx2, 0);"),
        re.escape("connect(this->rx1, 1, this->rx1_metrics, 1);"),
        re.escape("connect(this->rx2, 1, this->rx2_metrics, 1);"),
    ],
    # DeepBroadcast case C with the SNR feedback loop: three receivers on their own channels, each
    # equalised, classification only, each receiver's snr_report into the transmitter's snr port
    "semcom_deepbroadcast_feedback_sim.grc": [
        r"gr::semcom::transmitter::make\(" + MODEL.format(role="_encoder") + r', "auto", 32, 0, 200, 8, 1\);',
        re.escape("this->transmitter->set_snr(feedback_start);"),
        re.escape('{"awgn", "rayleigh", "rician:2"}, {snr1, snr2, snr3},'),
        re.escape("connect(this->channel, 1, this->eq2, 0);"),
        re.escape("connect(this->eq3, 0, this->rx3, 0);"),
        r"gr::semcom::receiver::make\(" + MODEL.format(role="_rx2") + r', "auto", snr2, 32, false, 0, report_every, '
        r"report_weight, 0, false, 1\);",
        re.escape('gr::semcom::metrics_sink::make(1, 28, 28, 2, "binary", "rx2", 250, out_dir + \'/rx2.json\', false, 4096);'),
        re.escape('msg_connect(this->rx1, "snr_report", this->transmitter, "snr");'),
        re.escape('msg_connect(this->rx3, "snr_report", this->transmitter, "snr");'),
    ],
    # U-DeepSC (transmit kind codebook): one transmitter fed the three receivers' SNRs, three AWGN
    # receivers with the exit threshold and the index decisions of the command line (rx1 image
    # recovery, no class scores: its output 0 is the image), symbol level (sps 0)
    "semcom_udeepsc_sim.grc": [
        r"gr::semcom::transmitter::make\(" + MODEL.format(role="_encoder") + r', "auto", 32, 0, 200, 8, 1\);',
        re.escape("this->transmitter->set_snrs({snr1, snr2, snr3});"),
        re.escape('{"awgn", "awgn", "awgn"}, {snr1, snr2, snr3},\n            "block", channel_uses, 1);'),
        *(r"gr::semcom::receiver::make\(" + MODEL.format(role="_rx%d" % rx) + r', "auto", snr%d, 32, false, 0, 0, '
          r"0\.03125, exit_threshold, bool\(hard\), 1\);" % rx for rx in (1, 2, 3)),
        re.escape('gr::semcom::metrics_sink::make(1, 28, 28, 0, "image", "rx1", 250, out_dir + "/rx1.json", true, 4096);'),
        re.escape('gr::semcom::metrics_sink::make(1, 28, 28, 10, "fine", "rx2", 250, out_dir + "/rx2.json", false, 4096);'),
        re.escape('gr::semcom::metrics_sink::make(1, 28, 28, 4, "coarse", "rx3", 250, out_dir + "/rx3.json", false, 4096);'),
        re.escape("connect(this->source, 0, this->transmitter, 0);"),
        re.escape("connect(this->transmitter, 0, this->channel, 0);"),
        *(re.escape("connect(this->channel, %d, this->rx%d, 0);" % (rx - 1, rx)) for rx in (1, 2, 3)),
        *(re.escape("connect(this->rx%d, 0, this->rx%d_metrics, 1);" % (rx, rx)) for rx in (1, 2, 3)),
        re.escape("connect(this->rx1, 0, this->images_out, 1);"),
        *(re.escape("this->rx%d->set_exit_threshold(this->exit_threshold);" % rx) for rx in (1, 2, 3)),
    ],
}
# The neural flowgraphs build no encoder, mapper or decoder of their own: the composite blocks do
HAND_WIRED = ("semantic_encoder", "superposition_mapper", "quantized_mapper", "neural_decoder",
              "quantized_demapper")


class qa_grc_flowgraphs(unittest.TestCase):
    def test_there_are_flowgraphs(self):
        self.assertGreaterEqual(len(FLOWGRAPHS), 2)

    def test_outputs_default_outside_the_committed_results(self):
        # results/ holds the project's measured results; a flowgraph run from the source tree
        # writes under semcom-grc/ (ignored by git) unless told otherwise
        for fg in FLOWGRAPHS:
            with open(fg) as f:
                text = f.read()
            with self.subTest(flowgraph=os.path.basename(fg)):
                self.assertIsNone(re.search(r"value: '?\"?results/", text))

    def test_all_compile_to_python(self):
        for fg in FLOWGRAPHS:
            with self.subTest(flowgraph=os.path.basename(fg)), tempfile.TemporaryDirectory() as out:
                result = grcc(fg, out)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertEqual(len(glob.glob(os.path.join(out, "*.py"))), 1)
                # grcc leaves out (and exits 0 for) the blocks of a block file it could not load
                self.assertNotIn("Error while loading", result.stdout + result.stderr)
                code = read(glob.glob(os.path.join(out, "*.py"))[0])
                import yaml
                with open(fg) as f:
                    graph = yaml.safe_load(f)
                for block in graph["blocks"]:
                    if block["id"].startswith("semcom_") and block["states"]["state"] == "enabled":
                        self.assertIn("self.%s = " % block["name"], code, block["name"])

    def test_every_block_file_loads(self):
        import yaml
        blocks_dir = os.path.join(SOURCE, "gr-semcom", "grc")
        files = sorted(glob.glob(os.path.join(blocks_dir, "*.block.yml")))
        self.assertGreaterEqual(len(files), 20)
        with open(os.path.join(blocks_dir, "semcom.tree.yml")) as f:
            tree = yaml.safe_load(f)["[Semantic Communication]"]
        for path in files:
            with self.subTest(block=os.path.basename(path)):
                with open(path) as f:
                    block = yaml.safe_load(f)
                self.assertIn(block["id"], tree)  # in the GRC block tree
                self.assertGreater(len(block.get("documentation", "")), 80)  # documented

    def test_cpp_templates_render(self):
        # GRC's Qt range widgets have no C++ template: check the headless flowgraphs
        headless = [f for f in FLOWGRAPHS if "generate_options: no_gui" in read(f)]
        self.assertEqual(sorted(os.path.basename(f) for f in headless), sorted(CPP_EXPECTED))
        for fg in headless:
            with self.subTest(flowgraph=os.path.basename(fg)), tempfile.TemporaryDirectory() as out:
                text = read(fg).replace("output_language: python", "output_language: cpp")
                if "id: snippet" in text:  # GRC's Python Snippets have no C++: disabled for C++ output
                    import yaml
                    graph = yaml.safe_load(text)
                    for block in graph["blocks"]:
                        if block["id"] == "snippet":
                            block["states"]["state"] = "disabled"
                    text = yaml.safe_dump(graph, sort_keys=False)
                cpp_fg = os.path.join(out, "cpp_" + os.path.basename(fg))
                with open(cpp_fg, "w") as f:
                    f.write(text)
                result = grcc(cpp_fg, out)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                sources = glob.glob(os.path.join(out, "*", "*.cpp"))
                self.assertEqual(len(sources), 1)
                code = read(sources[0])
                for pattern in CPP_EXPECTED[os.path.basename(fg)]:
                    self.assertRegex(code, pattern)
                if "semcom::transmitter::make(" in code:
                    for block in HAND_WIRED:
                        self.assertNotIn("gr::semcom::%s::make(" % block, code)

    def test_neural_flowgraphs_use_the_composite_blocks(self):
        # the Python of both simulated broadcasts: the same chain as the C++ check above, the GUI
        # one with its throttle on the images (the air rate), its displays and live controls
        for name, throttled in (("semcom_broadcast_sim", False), ("semcom_broadcast_gui", True)):
            with self.subTest(flowgraph=name), tempfile.TemporaryDirectory() as out:
                result = grcc(os.path.join(SOURCE, "grc", "examples", name + ".grc"), out)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                code = read(os.path.join(out, name + ".py"))
                self.assertRegex(code, r"semcom\.transmitter\(" + MODEL.format(role="_encoder")
                                 + r', "auto", 32, 0, 200, 8, int\(1\)\)')
                for rx, classes in ((1, 4), (2, 10)):
                    # the GUI's receivers: the default decoder first, then the bank's (its checkbox)
                    model = (re.escape("','.join([models + '_rx%d.json'] + [models + s + '_rx%d.json' for s in "
                                       "bank_suffixes.split(',') if s])" % (rx, rx)) if throttled
                             else MODEL.format(role="_rx%d" % rx))
                    self.assertRegex(code, r"semcom\.receiver\(" + model
                                     + r', "auto", snr%d, 32, False, 0, 16, 0\.03125, 0, False, int\(1\)\)' % rx)
                    if throttled:
                        self.assertIn("self.rx%d.set_bank(self.use_bank)" % rx, code)
                    self.assertIn("self.connect((self.channel, %d), (self.rx%d, 0))" % (rx - 1, rx), code)
                    self.assertIn("self.connect((self.rx%d, 1), (self.rx%d_metrics, 1))" % (rx, rx), code)
                    self.assertIn("self.connect((self.rx%d, 0), (self.rx%d_metrics, 2))" % (rx, rx), code)
                    self.assertIn("semcom.metrics_sink(1, 28, 28, %d, " % classes, code)
                    if throttled:  # the GUI's SNR slider reaches the receiver's decoder
                        self.assertIn("self.rx%d.set_snr(self.snr%d)" % (rx, rx), code)
                self.assertIn("self.connect((self.transmitter, 0), (self.channel, 0))", code)
                if throttled:
                    self.assertIn("self.connect((self.source, 0), (self.throttle, 0))", code)
                    self.assertIn("self.connect((self.throttle, 0), (self.transmitter, 0))", code)
                    # the pictures: sent, then each receiver's image, then each one's class scores
                    self.assertIn("semcom.image_display(['Sent', 'Rx1 (coarse task)', 'Rx2 (fine task)'], "
                                  "['', 'coarse', 'fine'], [], 1, 28, 28, ", code)
                    for port, (block, out_port) in enumerate((("throttle", 0), ("rx1", 1), ("rx2", 1), ("rx1", 0),
                                                              ("rx2", 0))):
                        self.assertIn("self.connect((self.%s, %d), (self.images, %d))" % (block, out_port, port),
                                      code)
                    for rx in (1, 2):
                        self.assertIn("self.msg_connect((self.rx%d_metrics, 'metrics'), (self.metrics, 'metrics'))"
                                      % rx, code)
                    # the live controls reach the blocks
                    self.assertIn("self.channel.set_channels([self.rx1_channel, self.rx2_channel])", code)
                    self.assertIn("self.transmitter.set_alphas([self.alpha, 1 - self.alpha])", code)
                    self.assertIn("self.channel.set_snrs([self.snr1, self.snr2])", code)
                else:
                    self.assertIn("self.connect((self.source, 0), (self.transmitter, 0))", code)
                for block in HAND_WIRED:
                    self.assertNotIn("semcom.%s(" % block, code)

    def test_headless_loopback_runs(self):
        fg = os.path.join(SOURCE, "grc", "examples", "semcom_dsp_loopback.grc")
        with tempfile.TemporaryDirectory() as out:
            self.assertEqual(grcc(fg, out).returncode, 0)
            script = os.path.join(out, "semcom_dsp_loopback.py")
            result = subprocess.run([sys.executable, script, "-n", "50000", "--snr1", "0"],
                                    capture_output=True, text=True, timeout=120)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


    def test_headless_broadcast_runs_on_the_shipped_models(self):
        import json
        fg = os.path.join(SOURCE, "grc", "examples", "semcom_broadcast_sim.grc")
        with tempfile.TemporaryDirectory() as out:
            self.assertEqual(grcc(fg, out).returncode, 0)
            script = os.path.join(out, "semcom_broadcast_sim.py")
            result = subprocess.run([sys.executable, script, "-n", "200", "-o", os.path.join(out, "res")],
                                    capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            for rx in ("rx1", "rx2"):
                with open(os.path.join(out, "res", rx + ".json")) as f:
                    summary = json.load(f)
                self.assertEqual(summary["frames"], 200)
                self.assertEqual(summary["missing"], 0)
                # far better than guessing (1/4 coarse, 1/10 fine): the trained models work
                self.assertGreater(summary["accuracy"], 0.5)
            self.assertTrue(os.path.exists(os.path.join(out, "res", "broadcast_grid.png")))

    def test_headless_deepbroadcast_feedback_runs_on_the_shipped_models(self):
        """Case C with the loop closed: from -5 dB the encoder's SNRs follow the receivers' reports
        to within 1.5 dB of the channel SNRs (15, 10, 5 dB), no frame is lost, the tasks work."""
        import json
        name = "semcom_deepbroadcast_feedback_sim"
        with tempfile.TemporaryDirectory() as out:
            self.assertEqual(grcc(os.path.join(SOURCE, "grc", "examples", name + ".grc"), out).returncode, 0)
            code = read(os.path.join(out, name + ".py"))
            for rx in (1, 2, 3):
                self.assertIn("self.msg_connect((self.rx%d, 'snr_report'), (self.transmitter, 'snr'))" % rx, code)
            res = os.path.join(out, "res")
            os.makedirs(res)
            result = subprocess.run([sys.executable, os.path.join(out, name + ".py"), "-n", "1000", "-o", res],
                                    capture_output=True, text=True, timeout=300, cwd=SOURCE)
            self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
            self.assertIn("SNR used for receiver 2: -5.00 -> ", result.stdout + result.stderr)
            for rx, task, chance, truth in ((1, "coarse", 0.25, 15), (2, "binary", 0.5, 10), (3, "fine", 0.1, 5)):
                with open(os.path.join(res, "rx%d.json" % rx)) as f:
                    summary = json.load(f)
                self.assertEqual((summary["task"], summary["frames"], summary["missing"]), (task, 1000, 0))
                self.assertIsNone(summary["psnr_db"])
                self.assertGreater(summary["accuracy"], chance + 0.3)
                self.assertAlmostEqual(summary["snr_db_used_last"][rx - 1], truth, delta=1.5)
                self.assertLess(summary["snr_db_used_mean"][rx - 1], summary["snr_db_used_last"][rx - 1] + 0.5)

    def test_udeepsc_flowgraphs_python(self):
        """The U-DeepSC pair's Python: the transmitter fed the three receivers' SNRs (and, in the
        GUI, following the sliders), three receivers with the exit threshold (the GUI slider's
        callback reaches every one) and the index decisions, rx1's image into its metrics sink."""
        for name, gui in (("semcom_udeepsc_sim", False), ("semcom_udeepsc", True)):
            with self.subTest(flowgraph=name), tempfile.TemporaryDirectory() as out:
                result = grcc(os.path.join(SOURCE, "grc", "examples", name + ".grc"), out)
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                code = read(os.path.join(out, name + ".py"))
                self.assertRegex(code, r"semcom\.transmitter\(" + MODEL.format(role="_encoder")
                                 + r', "auto", 32, 0, 200, 8, int\(1\)\)')
                self.assertIn("self.transmitter.set_snrs([snr1, snr2, snr3])", code)
                self.assertIn("semcom.broadcast_channel(['awgn', 'awgn', 'awgn'], [snr1, snr2, snr3], 'block', "
                              "channel_uses, 1)", code)
                for rx, (classes, task) in enumerate(((0, "image"), (10, "fine"), (4, "coarse")), start=1):
                    self.assertRegex(code, r"semcom\.receiver\(" + MODEL.format(role="_rx%d" % rx)
                                     + r', "auto", snr%d, 32, False, 0, 0, 0\.03125, exit_threshold, bool\(hard\), int\(1\)\)' % rx)
                    self.assertIn("semcom.metrics_sink(1, 28, 28, %d, '%s', \"rx%d\"" % (classes, task, rx), code)
                    self.assertIn("self.connect((self.channel, %d), (self.rx%d, 0))" % (rx - 1, rx), code)
                    self.assertIn("self.connect((self.rx%d, 0), (self.rx%d_metrics, 1))" % (rx, rx), code)
                    self.assertIn("self.rx%d.set_exit_threshold(self.exit_threshold)" % rx, code)
                if gui:
                    self.assertIn("self.transmitter.set_snrs([self.snr1, self.snr2, self.snr3])", code)
                    self.assertIn("self.connect((self.throttle, 0), (self.transmitter, 0))", code)
                    # the pictures: sent, rx1's reconstruction, then rx2's and rx3's decisions
                    for port, block in enumerate(("throttle", "rx1", "rx2", "rx3")):
                        self.assertIn("self.connect((self.%s, 0), (self.images, %d))" % (block, port), code)
                        if port:
                            self.assertIn("self.msg_connect((self.rx%d_metrics, 'metrics'), (self.metrics, "
                                          "'metrics'))" % port, code)
                    for rx in (1, 2, 3):
                        self.assertIn("self.rx%d.mean_exit_layer()" % rx, code)
                else:
                    self.assertIn("self.connect((self.source, 0), (self.transmitter, 0))", code)
                for block in HAND_WIRED:
                    self.assertNotIn("semcom.%s(" % block, code)

    def test_headless_udeepsc_runs_on_the_test_family(self):
        """The headless U-DeepSC chain on the tiny untrained family of tests/make_test_models.py
        --udeepsc (and on the shipped models/udeepsc when they are there): every frame decoded by
        the three receivers, sane metrics; the exit threshold reaches the receivers (1: every frame
        runs all 6 layers); a receiver's segment shrinks as its SNR rises, grows as it falls."""
        import json
        name = "semcom_udeepsc_sim"
        with tempfile.TemporaryDirectory() as out:
            self.assertEqual(grcc(os.path.join(SOURCE, "grc", "examples", name + ".grc"), out).returncode, 0)
            env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
            made = subprocess.run(
                [sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import make_test_models as m; "
                 "print(m.write_udeepsc_family(sys.argv[2]))", os.path.join(SOURCE, "tests"),
                 os.path.join(out, "models")], capture_output=True, text=True, timeout=300, env=env)
            self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
            prefix = made.stdout.strip().splitlines()[-1]
            images = 40
            runs = [(prefix, ["--snr1", "0", "--snr2", "6", "--snr3", "12", "-e", "0.9"]),
                    (prefix, ["--snr1", "12", "--snr2", "6", "--snr3", "0", "-e", "1", "--hard", "1"])]
            shipped = os.path.join(SOURCE, "models", "udeepsc")
            if os.path.exists(shipped + "_encoder.json"):
                runs.append((shipped, ["--snr1", "6", "--snr2", "6", "--snr3", "6"]))
            symbols = []
            for k, (models, args) in enumerate(runs):
                with self.subTest(models=models, args=args):
                    res = os.path.join(out, "res%d" % k)
                    os.makedirs(res)
                    result = subprocess.run([sys.executable, os.path.join(out, name + ".py"), "-n", str(images),
                                             "-m", models, "-o", res, *args],
                                            capture_output=True, text=True, timeout=300, cwd=SOURCE, env=env)
                    log = result.stdout + result.stderr
                    self.assertEqual(result.returncode, 0, log)
                    per_rx = {}
                    for rx, task in ((1, "image"), (2, "fine"), (3, "coarse")):
                        with open(os.path.join(res, "rx%d.json" % rx)) as f:
                            summary = json.load(f)
                        self.assertEqual((summary["task"], summary["frames"], summary["missing"]), (task, images, 0))
                        if task == "image":
                            self.assertIsNone(summary["accuracy"])
                            self.assertTrue(math.isfinite(summary["psnr_db"]) and summary["psnr_db"] > 0, summary)
                        else:
                            self.assertIsNone(summary["psnr_db"])
                            self.assertTrue(0.0 <= summary["accuracy"] <= 1.0, summary)
                        line = re.search(r"udeepsc rx%d \(%s\): ([\d.]+) symbols per image, mean exit layer "
                                         r"([\d.]+) of 6, %d frames decoded, 0 dropped" % (rx, task, images), log)
                        self.assertIsNotNone(line, log)
                        sent, layer = float(line.group(1)), float(line.group(2))
                        self.assertTrue(0 < sent <= 196 and 1.0 <= layer <= 6.0, line.group(0))
                        if "-e" in args and args[args.index("-e") + 1] == "1":
                            self.assertEqual(layer, 6.0)  # no certainty exceeds 1: every layer runs
                        per_rx[rx] = (sent, summary)
                    self.assertIn("udeepsc transmitter: ", log)
                    self.assertTrue(os.path.exists(os.path.join(res, "udeepsc_grid.png")))
                    # recovery sends 4 indices per kept token, the classes 1
                    self.assertGreater(per_rx[1][0], per_rx[3][0])
                    if models == shipped:  # trained: far better than guessing
                        self.assertGreater(per_rx[1][1]["psnr_db"], 12.0)
                        self.assertGreater(per_rx[2][1]["accuracy"], 0.4)
                        self.assertGreater(per_rx[3][1]["accuracy"], 0.55)
                    symbols.append({rx: v[0] for rx, v in per_rx.items()})
            # rx1 0 -> 12 dB: fewer symbols; rx3 12 -> 0 dB: more; rx2 stays at 6 dB: the same
            self.assertLess(symbols[1][1], symbols[0][1])
            self.assertGreater(symbols[1][3], symbols[0][3])
            self.assertEqual(symbols[1][2], symbols[0][2])


if __name__ == "__main__":
    unittest.main()
