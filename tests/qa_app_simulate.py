#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`semcom simulate` on the shipped DeepSCM models: the flowgraph runs, its per-receiver results
agree with the metrics measured at export, and bad input gives one line and a non-zero exit.
DeepBroadcast (models/deepbroadcast_*; SEMCOM_DEEPBROADCAST_MODELS=PREFIX runs the same tests on
another family of that scheme): three receivers on their trained channels, and the SNR feedback loop.
U-DeepSC (the codebook chain) on the tiny family tests/make_test_models.py writes (and on
SEMCOM_UDEEPSC_MODELS=PREFIX too, when set): per receiver the symbols of its segment, the exits and
the metric, against the Python reference (radio_link)."""

import csv
import json
import os
import subprocess
import sys
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")


DEEPBROADCAST = os.environ.get("SEMCOM_DEEPBROADCAST_MODELS", "")
UDEEPSC = os.environ.get("SEMCOM_UDEEPSC_MODELS", "")


def run(*args):
    return subprocess.run([SEMCOM, *args], capture_output=True, text=True, timeout=600, cwd=SOURCE)


_udeepsc = {}


def udeepsc_models():
    """The tiny U-DeepSC family (tests/make_test_models.py --udeepsc), written once per run."""
    if "prefix" not in _udeepsc:
        sys.path.insert(0, os.path.join(SOURCE, "tests"))
        import make_test_models
        _udeepsc["dir"] = tempfile.mkdtemp()
        _udeepsc["prefix"] = make_test_models.write_udeepsc_family(_udeepsc["dir"])
    return _udeepsc["prefix"]


def udeepsc_reference(prefix, images, snrs, threshold=0.9, hard=False):
    """Python's radio_link on the exported files: per receiver (metric, mean exit layer, mean symbols)."""
    code = (
        "import json, sys, torch\n"
        "from semcom_train import data, metrics\n"
        "from semcom_train.schemes import udeepsc\n"
        "torch.set_num_threads(1)\n"
        "p, n, snrs, thr, hard = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3]), float(sys.argv[4]), "
        "sys.argv[5] == 'hard'\n"
        "enc = torch.jit.load(p + '_encoder.pt')\n"
        "decs = [torch.jit.load(f'{p}_rx{r}.pt') for r in range(1, len(snrs) + 1)]\n"
        "cb = json.load(open(p + '_encoder.json'))['codebook']\n"
        "test = data.fashion_mnist('test')\n"
        "x = test.images[:n]\n"
        "with torch.no_grad():\n"
        "    res = udeepsc.radio_link(enc, decs, x, snrs, decs[0].point_log_prior(), 0, thr, hard, cb.get('task_groups'))\n"
        "out = []\n"
        "for task, (y, layers, symbols) in zip(cb['tasks'], res):\n"
        "    labels = test.fine if task == 'fine' else test.coarse\n"
        "    m = metrics.psnr(x, y).mean().item() if task == 'image' else "
        "(y.argmax(1) == labels[:n]).float().mean().item()\n"
        "    out.append([task, m, layers.float().mean().item(), symbols.float().mean().item()])\n"
        "print(json.dumps(out))\n")
    env = dict(os.environ, PYTHONPATH=os.path.join(SOURCE, "python"), OPENBLAS_NUM_THREADS="1")
    r = subprocess.run([sys.executable, "-c", code, prefix, str(images), json.dumps(snrs), str(threshold),
                        "hard" if hard else "soft"], cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise AssertionError(r.stderr[-2000:])
    return json.loads(r.stdout)


def deepbroadcast(*args):
    """semcom simulate on the shipped DeepBroadcast models (or SEMCOM_DEEPBROADCAST_MODELS)."""
    models = ["--models", DEEPBROADCAST] if DEEPBROADCAST else ["--scheme", "deepbroadcast"]
    return run("simulate", *models, "--device", "cpu", "--quiet", *args)


class qa_app_simulate(unittest.TestCase):
    def test_default_broadcast_matches_the_export_metrics(self):
        # the default models (deepscm_conv, no --models) and the coded-modulation peer of the same
        # architecture
        for prefix in ("deepscm_conv", "cm_joint_conv"):
            with self.subTest(models=prefix), tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "sim.json")
                extra = [] if prefix == "deepscm_conv" else ["--models", os.path.join("models", prefix)]
                r = run("simulate", "--images", "1000", "--json", out, "--out-dir", d, "--quiet", "--device", "cpu",
                        *extra)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("PSNR (dB)", r.stdout)
                with open(out) as f:
                    result = json.load(f)
                self.assertTrue(os.path.exists(os.path.join(d, "simulate_grid.png")))
                for k, rx in enumerate(result["receivers"], start=1):
                    with open(os.path.join(SOURCE, "models", f"{prefix}_rx{k}.json")) as f:
                        exported = json.load(f)["metrics"]
                    self.assertEqual(rx["frames"], 1000)
                    # same 1000 images and SNR, different noise draws: within 4 binomial standard errors
                    p = exported["accuracy"]
                    self.assertAlmostEqual(rx["accuracy"], p, delta=4 * (p * (1 - p) / 1000) ** 0.5 + 0.005)
                    self.assertAlmostEqual(rx["psnr_db"], exported["psnr_db"], delta=0.3)

    def test_fading_receivers_are_equalised(self):
        # ZF with the channel's CSI and the effective SNR: at 30 dB a Rician receiver does about as
        # well as an AWGN one (the DeepSCM models were trained on AWGN)
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "f.json")
            r = run("simulate", "--channel", "awgn,rician:10", "--snr", "30,30", "--images", "300", "--quiet",
                    "--json", out, "--out-dir", d, "--device", "cpu")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                awgn, rician = json.load(f)["receivers"]
        self.assertGreater(rician["psnr_db"], awgn["psnr_db"] - 1.5)
        r = run("simulate", "--fading", "per_symbol", "--images", "5", "--quiet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("per-symbol fading", r.stderr)

    def test_sweep_and_bench(self):
        with tempfile.TemporaryDirectory() as d:
            r = run("simulate", "--sweep", "0:20:20", "--images", "40", "--quiet", "--out-dir", d, "--bench",
                    "--device", "cpu")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "sweep.csv")) as f:
                rows = f.read().strip().splitlines()
            self.assertEqual(rows[0], "scheme,name,receiver,task,snr_db,accuracy,psnr_db,ssim,frames_sent,frames_scored")
            self.assertEqual(len(rows), 1 + 2 * 2)  # 2 SNRs x 2 receivers
            snrs = sorted({float(line.split(",")[4]) for line in rows[1:]})
            self.assertEqual(snrs, [0.0, 20.0])
            self.assertIn("where the time goes", r.stdout)
            self.assertIn("real time at 100 ksym/s", r.stdout)
        r = run("simulate", "--sweep", "5:0:1", "--quiet")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("LO:HI:STEP", r.stderr)

    def test_quantized_chain_reproduces_the_export_metrics(self):
        # a tiny MIJSCC (q = 8) trained here: encoder -> quantized mapper -> channel -> equaliser
        # -> quantized demapper -> decoder in C++ against the metrics measured in Python
        import sys
        code = (
            "import yaml, torch\n"
            "from semcom_train import train, data, export\n"
            "torch.set_num_threads(1)\n"
            "cfg = yaml.safe_load(open('python/configs/mijscc_q8.yaml'))\n"
            "cfg['stages'] = [dict(s, epochs=1) for s in cfg['stages']]; cfg['width'] = 8; cfg['hidden'] = 64\n"
            "train.train(cfg, sys.argv[1] + '/ckpt', threads=1, limit=512)\n"
            "test = data.fashion_mnist('test')\n"
            "m, c, _ = train.load_trained(cfg, sys.argv[1] + '/ckpt', test)\n"
            "export.export(m, c, test, sys.argv[1], 'qa', images=300)\n")
        with tempfile.TemporaryDirectory() as d:
            env = dict(os.environ, PYTHONPATH=os.path.join(SOURCE, "python"), OPENBLAS_NUM_THREADS="1")
            r = subprocess.run([sys.executable, "-c", "import sys\n" + code, d], cwd=SOURCE, env=env,
                               capture_output=True, text=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr[-2000:])
            out = os.path.join(d, "q.json")
            r = run("simulate", "--models", os.path.join(d, "mijscc_q8"), "--snr", "20", "--images", "300",
                    "--quiet", "--json", out, "--out-dir", d, "--device", "cpu")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rx = json.load(f)["receivers"][0]
            with open(os.path.join(d, "mijscc_q8_rx1.json")) as f:
                exported = json.load(f)["metrics"]
        p = exported["accuracy"]
        self.assertEqual(rx["frames"], 300)
        self.assertAlmostEqual(rx["accuracy"], p, delta=4 * (p * (1 - p) / 300) ** 0.5 + 0.01)
        self.assertAlmostEqual(rx["psnr_db"], exported["psnr_db"], delta=0.3)

    def test_amijscc_sends_fewer_symbols_at_high_snr(self):
        with open(os.path.join(SOURCE, "models", "amijscc_conv_rx1.json")) as f:
            exported = json.load(f)["metrics"]
        results = {}
        for snr in ("0", "20"):
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "sim.json")
                r = run("simulate", "--scheme", "amijscc", "--snr", snr, "--images", "500", "--json", out,
                        "--out-dir", d, "--quiet", "--device", "cpu")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("amijscc: variable length:", r.stdout)
                with open(out) as f:
                    results[snr] = json.load(f)
        high = results["20"]
        # the encoder's choice at 20 dB, as measured at export (the mask depends on the SNR only)
        self.assertAlmostEqual(high["symbols_per_image"], exported["symbols_per_image"], delta=0.5)
        self.assertLess(high["symbols_per_image"], 128)
        self.assertGreater(results["0"]["symbols_per_image"], high["symbols_per_image"])
        self.assertAlmostEqual(high["receivers"][0]["psnr_db"], exported["psnr_db"], delta=0.3)

    def test_asc_classifies_without_reconstructions(self):
        # ASC's receiver only classifies: metrics without PSNR, no image grid, accuracy as exported
        with open(os.path.join(SOURCE, "models", "asc_rx1.json")) as f:
            exported = json.load(f)["metrics"]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "sim.json")
            r = run("simulate", "--scheme", "asc", "--snr", str(exported["snr_db"]), "--images", "1000", "--json", out,
                    "--out-dir", d, "--quiet", "--device", "cpu")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rx = json.load(f)["receivers"][0]
            self.assertEqual(os.listdir(d), ["sim.json"])
        p = exported["accuracy"]
        self.assertEqual(rx["frames"], 1000)
        self.assertIsNone(rx["psnr_db"])
        self.assertAlmostEqual(rx["accuracy"], p, delta=4 * (p * (1 - p) / 1000) ** 0.5 + 0.01)

    def test_deepbroadcast_receivers_on_their_trained_channels(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "db.json")
            r = deepbroadcast("--snr", "15,10,5", "--images", "300", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertNotIn("warning: --channel", r.stderr)
            with open(out) as f:
                result = json.load(f)
        self.assertEqual(result["scheme"], "deepbroadcast")
        self.assertEqual(result["channel_uses"], 8)
        receivers = result["receivers"]
        self.assertEqual([rx["task"] for rx in receivers], ["coarse", "binary", "fine"])
        self.assertEqual([rx["channel"] for rx in receivers], ["awgn 15 dB", "rayleigh 10 dB", "rician:2 5 dB"])
        for rx, snr in zip(receivers, (15, 10, 5)):
            self.assertEqual(rx["frames"], 300)
            self.assertIsNone(rx["psnr_db"])  # classification only
            self.assertGreater(rx["accuracy"], 0.0)
            # told the true SNRs: every frame was encoded with them
            self.assertEqual(rx["encoder_snr_db_last"], snr)
            self.assertEqual(rx["encoder_snr_db_mean"], snr)
            self.assertAlmostEqual(rx["reported_snr_db"], snr, delta=3.0)
        self.assertIn("rx2 SNR: reported", r.stdout)
        # a --channel other than the trained ones is used, with one warning line
        r = deepbroadcast("--snr", "15,10,5", "--images", "20", "--channel", "awgn", "--out-dir", tempfile.gettempdir())
        self.assertEqual(r.returncode, 0, r.stderr)
        warnings = [l for l in r.stderr.splitlines() if "warning: --channel" in l]
        self.assertEqual(len(warnings), 1, r.stderr)
        self.assertIn("rx2 awgn (trained on rayleigh), rx3 awgn (trained on rician:2)", warnings[0])
        self.assertIn("rayleigh 10 dB", deepbroadcast("--snr", "15,10,5", "--images", "20", "--channel",
                                                      "awgn,rayleigh,rician:2").stdout)

    def test_deepbroadcast_feedback_converges_to_the_true_snrs(self):
        """From -5 dB for everyone, the receivers' reports bring the encoder's SNRs within 1 dB of
        the truth, and accuracy is that of the run told the true SNRs from the start."""
        common = ["--snr", "15,10,5", "--images", "2000", "--report-weight", "0.0078125"]
        results = {}
        with tempfile.TemporaryDirectory() as d:
            for name, extra in (("told", []), ("feedback", ["--feedback", "--feedback-start", "-5"])):
                out = os.path.join(d, name + ".json")
                r = deepbroadcast(*common, *extra, "--json", out, "--out-dir", d)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(out) as f:
                    results[name] = json.load(f)["receivers"]
        self.assertIn("SNR used for receiver 1: -5.00 -> ", r.stdout + r.stderr)  # the changes are logged
        for k, (told, fed, truth) in enumerate(zip(results["told"], results["feedback"], (15, 10, 5)), start=1):
            with self.subTest(receiver=k):
                self.assertEqual(fed["frames"], 2000)
                self.assertAlmostEqual(fed["encoder_snr_db_last"], truth, delta=1.0)
                self.assertAlmostEqual(fed["reported_snr_db"], truth, delta=1.0)
                # the first frames went out at -5 dB: the mean over the run is below the last value
                self.assertLess(fed["encoder_snr_db_mean"], fed["encoder_snr_db_last"])
                self.assertAlmostEqual(fed["accuracy"], told["accuracy"], delta=0.015)

    def test_deepbroadcast_flowgraph_reproduces_python(self):
        """The C++ chain (semcom simulate) against the exported modules in Python (radio_link: the
        same 8-bit quantizer, power, channel and zero forcing) on the same 3000 test images at
        three SNR triples: every receiver's accuracy agrees within the independent-noise interval
        of the difference (95 %) plus 0.3 point (results/deepbroadcast/crosscheck.csv: 10 000 images)."""
        families = [(DEEPBROADCAST or os.path.join(SOURCE, "models", "deepbroadcast"), "3000"),
                    (os.path.join(SOURCE, "models", "deepbroadcast_16qam"), "2000")]  # the digital (indices) chain
        for models, images in families:
            with tempfile.TemporaryDirectory() as d:
                csv_path = os.path.join(d, "cross.csv")
                env = dict(os.environ, PYTHONPATH=os.path.join(SOURCE, "python"), OPENBLAS_NUM_THREADS="1")
                r = subprocess.run([sys.executable, "-m", "semcom_train.deepbroadcast", "crosscheck", "--models",
                                    models, "--images", images, "--semcom", os.path.abspath(SEMCOM), "--csv", csv_path],
                                   cwd=SOURCE, env=env, capture_output=True, text=True, timeout=600)
                self.assertEqual(r.returncode, 0, r.stderr[-2000:])
                with open(csv_path) as f:
                    rows = list(csv.DictReader(f))
            self.assertEqual(len(rows), 9)
            for row in rows:
                with self.subTest(models=models, snrs=row["snrs"], receiver=row["receiver"]):
                    self.assertLessEqual(abs(float(row["diff"])), float(row["half95"]) + 0.003, row)
                    self.assertGreater(float(row["cpp"]), 0.5)

    def test_udeepsc_chain_reproduces_python(self):
        """semcom simulate on a U-DeepSC family (transmit kind codebook): each receiver decodes its
        segment of the packed frame (keep masks in the frame info), demaps it softly (or hard),
        scatters it and runs its multi-exit decoder. Against Python's radio_link on the same 300
        images (other noise draws): the same symbols per image (the encoder's choice, no noise),
        the accuracy within 4 binomial standard errors, the PSNR within 0.3 dB, the mean exit layer
        within 0.25."""
        images, snrs = 300, [6.0, 2.0, 10.0]
        runs = [(udeepsc_models(), 0.9, False), (udeepsc_models(), 0.5, True)]
        runs += [(UDEEPSC, 0.9, False)] if UDEEPSC else []
        for prefix, threshold, hard in runs:
            with self.subTest(models=prefix, threshold=threshold, hard=hard), tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "u.json")
                args = ["--exit-threshold", str(threshold)] + (["--hard-decisions"] if hard else [])
                r = run("simulate", "--models", prefix, "--snr", ",".join(map(str, snrs)), "--images", str(images),
                        "--device", "cpu", "--quiet", "--json", out, "--out-dir", d, *args)
                self.assertEqual(r.returncode, 0, r.stderr)
                with open(out) as f:
                    result = json.load(f)
                ref = udeepsc_reference(prefix, images, snrs, threshold, hard)
                self.assertIn("udeepsc: variable length:", r.stdout)
                self.assertAlmostEqual(result["symbols_per_image"], sum(row[3] for row in ref), places=4)
                for k, (rx, (task, metric, layer, symbols)) in enumerate(zip(result["receivers"], ref), start=1):
                    with self.subTest(receiver=k, task=task):
                        line = next(l for l in r.stdout.splitlines() if l.startswith(f"rx{k} {task}: "))
                        self.assertIn("symbols per image (its segment), mean exit layer", line)
                        self.assertIn("hard decisions" if hard else "soft posteriors", line)
                        self.assertEqual(rx["frames"], images)
                        self.assertEqual(rx["frames_invalid"], 0)
                        self.assertAlmostEqual(rx["symbols_per_image"], symbols, places=4)
                        self.assertTrue(1.0 <= rx["mean_exit_layer"] <= 6.0)
                        self.assertAlmostEqual(rx["mean_exit_layer"], layer, delta=0.25)
                        self.assertEqual(sum(rx["frames_per_exit_layer"]), images)
                        self.assertAlmostEqual(rx["exit_threshold"], threshold, places=6)
                        if task == "image":
                            self.assertIn("PSNR", line)
                            self.assertIsNone(rx["accuracy"])
                            self.assertAlmostEqual(rx["psnr_db"], metric, delta=0.3)
                        else:
                            self.assertIn("accuracy", line)
                            self.assertAlmostEqual(rx["accuracy"], metric,
                                                   delta=4 * (metric * (1 - metric) / images) ** 0.5 + 0.01)
                # rx1's table row: no accuracy (a dash), a PSNR
                row = next(l for l in r.stdout.splitlines() if l.startswith("1 "))
                self.assertRegex(row, r"^1\s+awgn 6 dB\s+image\s+-\s+\d")

    def test_udeepsc_tasks_and_bad_input(self):
        prefix = udeepsc_models()
        base = ["simulate", "--models", prefix, "--images", "20", "--device", "cpu", "--quiet", "--out-dir",
                tempfile.gettempdir()]
        common = base + ["--snr", "6,6,6"]
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "u.json")
            r = run(*common, "--task", "fine", "--task", "coarse", "--json", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                receivers = json.load(f)["receivers"]
        self.assertEqual([rx["task"] for rx in receivers], ["fine", "coarse"])
        self.assertNotIn("rx1 image:", r.stdout)
        self.assertIn("rx3 coarse:", r.stdout)
        r = run(*common, "--task", "image", "--exit-threshold", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("mean exit layer 6.00 of 6", r.stdout)
        for args, message in ((["--exit-threshold", "1.5"], "--exit-threshold 1.500000: must be in (0, 1]"),
                              (["--task", "recovery"], "--task recovery: no receiver of"),
                              (["--snr", "6,6"], "takes all their SNRs: --snr gives 2")):
            with self.subTest(args=args):
                r = run(*(base if "--snr" in args else common), *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr)
                self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith("semcom: error")]), 1, r.stderr)
        r = run("simulate", "--images", "10", "--quiet", "--exit-threshold", "0.5")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--exit-threshold: 'models/deepscm_conv_encoder.json' sends no codebook indices", r.stderr)

    def test_bad_input(self):
        cases = [(["--snr", "1,2,3"], "serves 2"), (["--models", "/nowhere/x"], "model not found"),
                 (["--scheme", "jpeg2000"], "--scheme: unknown scheme 'jpeg2000'"),
                 (["--channel", "awgn,awgn,awgn"], "--channel has 3 entries for 2 receivers"),
                 (["--device", "cuda:3"], "cuda")]
        for args, message in cases:
            with self.subTest(args=args):
                r = run("simulate", "--images", "10", "--quiet", *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr.lower() if message == "cuda" else r.stderr)
                self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith("semcom: error")]), 1, r.stderr)
        # the SNR feedback: a model that takes no SNR, a receiver count the model does not serve
        for args, message in ((["--feedback"], "--feedback: 'models/deepscm_conv_encoder.json' takes no SNR"),):
            r = run("simulate", "--images", "10", "--quiet", *args)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(message, r.stderr)
        r = deepbroadcast("--images", "10", "--snr", "15,10,5", "--feedback", "--feedback-start", "nan")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--feedback-start: 'nan' is not a finite number in [-100, 100] dB", r.stderr)  # (CLI11's)
        for args, message in ((["--snr", "15,10"], "serves 3 receivers and its encoder takes all their SNRs: "
                                                   "--snr gives 2"),
                              (["--snr", "15,10,5,0"], "--snr gives 4 receivers but"),
                              (["--snr", "15,10,5", "--channel", "awgn,rayleigh"],
                               "--channel has 2 entries for 3 receivers")):
            with self.subTest(args=args):
                r = deepbroadcast("--images", "10", *args)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn(message, r.stderr)
                self.assertEqual(len([l for l in r.stderr.splitlines() if l.startswith("semcom: error")]), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
