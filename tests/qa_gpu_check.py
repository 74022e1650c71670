#!/usr/bin/python3
"""scripts/gpu-check.sh on its CPU path: over this build (no rebuild, no tests), it benchmarks the
given models through the C++ runtime and writes a JSON and a table whose symbol rates are the
images/s times the manifests' channel uses; bad arguments get one line and exit status 2."""

import json
import os
import subprocess
import tempfile
import unittest

SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BUILD = os.environ.get("SEMCOM_BUILD_DIR", os.path.join(SOURCE, "build"))
SCRIPT = os.path.join(SOURCE, "scripts", "gpu-check.sh")


def check(*args):
    return subprocess.run(["bash", SCRIPT, *args], cwd=SOURCE, capture_output=True, text=True, timeout=600)


class qa_gpu_check(unittest.TestCase):
    def test_cpu_path_writes_the_report(self):
        with tempfile.TemporaryDirectory() as out:
            r = check(out, "--build-dir", BUILD, "--no-tests", "--device", "cpu", "--batches", "1 8",
                      "--seconds", "0.05", "--models", "mijscc_conv_q8", "--jobs", "1")
            self.assertEqual(r.returncode, 0, r.stdout[-2000:] + r.stderr[-2000:])
            with open(os.path.join(out, "gpu-check.json")) as f:
                report = json.load(f)
            with open(os.path.join(out, "gpu-check.md")) as f:
                table = f.read()
        self.assertEqual(report["gpu"], "none")
        self.assertEqual(report["models_failed"], 0)
        rows = {(r["model"], r["batch"]): r for r in report["rows"]}
        self.assertEqual(set(rows), {(m, b) for m in ("mijscc_conv_q8_encoder", "mijscc_conv_q8_rx1") for b in (1, 8)})
        for (model, batch), row in rows.items():
            self.assertEqual(row["device"], "cpu")
            self.assertEqual(row["channel_uses"], 128)
            self.assertGreater(row["images_per_s"], 0)
            self.assertAlmostEqual(row["msym_per_s"], row["images_per_s"] * 128 / 1e6, places=6)
            self.assertAlmostEqual(row["latency_ms"], 1e3 * batch / row["images_per_s"], delta=0.02 * row["latency_ms"])
            self.assertIsNone(row["gpu_memory_used_mib"])
            self.assertGreater(row["mflop_per_item"], 1.0)  # the conv networks: 5.8 and 21 MFLOP
            self.assertAlmostEqual(row["gflop_per_s"], row["images_per_s"] * row["mflop_per_item"] / 1e3, places=6)
            self.assertIn(f"| {model} | cpu | {batch} |", table)

    def test_bad_arguments_get_one_line(self):
        with tempfile.TemporaryDirectory() as out:
            for args, message in (
                    (["--batches", "0 8"], "--batches: '0' is not a positive integer"),
                    (["--seconds", "fast"], "--seconds: 'fast' is not a number of seconds"),
                    (["--device", "cuda"], "--device cuda: this PyTorch sees no CUDA device"),
                    (["--frobnicate"], "unknown option '--frobnicate'"),
                    (["--models", "no_such_model", "--no-tests", "--build-dir", BUILD, "--device", "cpu"],
                     "0 test(s) and 1 model(s) failed")):
                r = check(out, *args)
                self.assertEqual(r.returncode, 2, (args, r.stderr))
                self.assertIn(message, r.stderr.strip().splitlines()[-1], args)
        r = check("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--fetch-deps", r.stdout)


if __name__ == "__main__":
    unittest.main()
