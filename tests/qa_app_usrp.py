#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`semcom tx` / `semcom rx` without a USRP: every path exits non-zero with one clear line (UHD's
own log kept out of it); bad profiles, schemes and models are refused in one line; --help works.
With --file the same transmit and receive chains run through a file of samples: every burst is
found and decoded, lost bursts are counted as missing."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")
NO_USRP = "no USRP found for device args '{}' (check the cable/network and uhd_find_devices)"


def run(*args, env=None):
    e = dict(os.environ)
    e.pop("UHD_LOG_CONSOLE_LEVEL", None)  # the app must quieten UHD by itself
    e.update(env or {})
    return subprocess.run([SEMCOM, *args], capture_output=True, text=True, timeout=300, cwd=SOURCE, env=e)


def usrp_attached():
    if not shutil.which("uhd_find_devices"):
        return False
    r = subprocess.run(["uhd_find_devices"], capture_output=True, text=True, timeout=60)
    return r.returncode == 0 and "serial" in r.stdout


def one_line(test, r, message):
    test.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
    lines = [l for l in r.stderr.splitlines() if l.strip()]
    test.assertEqual(len(lines), 1, r.stderr)
    test.assertIn(message, lines[0])
    test.assertEqual(r.stdout, "")


class qa_app_usrp(unittest.TestCase):
    def test_help(self):
        for role in ("tx", "rx"):
            with self.subTest(role=role):
                r = run(role, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                for option in ("--profile", "--args", "--rate", "--freq", "--gain", "--antenna", "--clock-source",
                               "--time-source", "--sps", "--scheme", "--models", "--images", "--start-delay",
                               "--json", "--file"):
                    self.assertIn(option, r.stdout)
        self.assertIn("--receiver", run("rx", "--help").stdout)
        self.assertIn("--duration", run("rx", "--help").stdout)

    @unittest.skipIf(usrp_attached(), "a USRP is attached")
    def test_no_usrp_is_one_line(self):
        cases = [(["--profile", "hardware/profiles/b210.yaml"], "type=b200"),
                 (["--profile", "n210"], "type=usrp2,addr=192.168.10.2"),
                 (["--profile", "x310", "--gain", "5"], "type=x300,addr=192.168.40.2"),
                 (["--args", "", "--freq", "2.45e9"], ""),
                 (["--args", "serial=0000", "--freq", "915e6", "--rate", "1e6", "--sps", "8"], "serial=0000")]
        for role in ("tx", "rx"):
            for args, device_args in cases:
                with self.subTest(role=role, args=args):
                    r = run(role, *args)
                    self.assertEqual(r.returncode, 1)
                    one_line(self, r, f"semcom {role}: " + NO_USRP.format(device_args))

    @unittest.skipIf(usrp_attached(), "a USRP is attached")
    def test_uhd_log_level_from_the_user_is_kept(self):
        # a level the user asked for is left alone (UHD may then log); the error line is still there
        # (UHD 4.3 logs its banner when it searches the network for an X310)
        r = run("tx", "--profile", "x310", env={"UHD_LOG_CONSOLE_LEVEL": "info"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("semcom tx: " + NO_USRP.format("type=x300,addr=192.168.40.2"), r.stderr)
        self.assertIn("[UHD]", r.stderr)

    def test_bad_input_is_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            def profile(name, text):
                path = os.path.join(d, name)
                with open(path, "w") as f:
                    f.write(text)
                return path
            cases = [
                (["--profile", "hardware/profiles/b211.yaml"], "--profile 'hardware/profiles/b211.yaml': no such file"),
                (["--profile", profile("typo.yaml", "args: type=b200\nrx_gian: 3\n")], "unknown field 'rx_gian'"),
                (["--profile", profile("nested.yaml", "args:\n  type: b200\n")], "must be a plain value"),
                (["--profile", profile("nan.yaml", "sample_rate: fast\n")], "sample_rate = 'fast' is not a number"),
                (["--profile", profile("bad.yaml", "args: \"type=b200\n")], "not valid YAML"),
                (["--profile", profile("list.yaml", "args: [a, b]\n")], "must be a plain value"),
                (["--profile", profile("empty.yaml", "")], "empty"),
                (["--profile", profile("clock.yaml", "clock_source: atomic\n")], "clock_source = 'atomic'"),
                (["--profile", "b210", "--scheme", "jpeg2000"], "--scheme: unknown scheme 'jpeg2000'"),
                (["--profile", "b210", "--scheme", "amijscc"], "--scheme amijscc"),
                (["--profile", "b210", "--models", "/nowhere/x"], "model not found: '/nowhere/x_encoder.json'"),
                (["--rate", "4e5"], "no centre frequency"),
            ]
            for role in ("tx", "rx"):
                for args, message in cases:
                    with self.subTest(role=role, args=args):
                        one_line(self, run(role, *args), message)
            one_line(self, run("rx", "--profile", "b210", "--receiver", "3"),
                     "--receiver 3: model not found: 'models/deepscm_conv_rx3.json'")
            one_line(self, run("rx", "--file", os.path.join(d, "none.cf32")), "no such file")
            r = run("tx", "--profile", "b210", "--clock-source", "atomic")  # CLI11's own check
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("--clock-source", r.stderr)
            # refused by the option checks: NaN is no "not given", infinity no setting, and --sps is
            # what the burst PHY takes (2..16)
            for role, args, message in (
                    ("tx", ["--rate", "-1"], "--rate: '-1' is not a finite number"),
                    ("rx", ["--rate", "nan"], "--rate: 'nan' is not a finite number"),
                    ("tx", ["--amplitude", "nan"], "--amplitude: 'nan' is not a finite number"),
                    ("tx", ["--amplitude", "inf"], "--amplitude: 'inf' is not a finite number"),
                    ("tx", ["--gain", "nan"], "--gain: 'nan' is not a finite number"),
                    ("rx", ["--freq", "1e400"], "--freq: '1e400' is not a finite number"),
                    ("rx", ["--idle-timeout", "nan"], "--idle-timeout: 'nan' is not a finite number"),
                    ("rx", ["--duration", "inf"], "--duration: 'inf' is not a finite number"),
                    ("tx", ["--start-delay", "nan"], "--start-delay: 'nan' is not a finite number"),
                    ("tx", ["--sps", "32"], "--sps: Value 32 not in range 2 to 16")):
                with self.subTest(role=role, args=args):
                    r = run(role, "--profile", "b210", *args)
                    self.assertNotEqual(r.returncode, 0)
                    self.assertIn(message, r.stderr)

    def test_a_receiver_that_decodes_nothing_fails(self):
        """A file with no burst in it: the report, then exit status 2 (it was 0)."""
        import numpy as np
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "zeros.cf32")
            np.zeros(100000, np.complex64).tofile(path)
            r = run("rx", "--file", path, "--images", "5", "--idle-timeout", "1", "--device", "cpu", "--quiet",
                    "--out-dir", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("semcom: error: rx1 decoded none of the 5 images expected", r.stderr)

    def test_a_full_disk_is_an_error(self):
        """GNU Radio's file sink dies on a write error, which used to leave the run waiting or end
        it with exit 0: now an error naming the file."""
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        r = run("tx", "--file", "/dev/full", "--images", "40", "--device", "cpu", "--quiet")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("semcom: error: --file '/dev/full': writing failed", r.stderr)

    def test_file_loopback(self):
        # tx -> file -> (noise, lost bursts) -> rx: the whole burst chain without a radio
        images = 40
        with tempfile.TemporaryDirectory() as d:
            samples = os.path.join(d, "bursts.cf32")
            r = run("tx", "--file", samples, "--images", str(images), "--device", "cpu", "--quiet",
                    "--images-per-burst", "1", "--json", os.path.join(d, "tx.json"))
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "tx.json")) as f:
                tx = json.load(f)
            self.assertEqual(tx["bursts"], images)
            x = np.fromfile(samples, dtype=np.complex64)
            per = tx["burst_samples"]
            self.assertEqual(x.size, images * per)
            # RMS sample magnitude 0.25 at the default amplitude (full scale 1 never reached)
            bursts = x.reshape(images, per)[:, : per - 1000]
            self.assertAlmostEqual(float(np.sqrt(np.mean(np.abs(bursts) ** 2))), 0.25, delta=0.03)
            self.assertLess(float(np.max(np.abs(x))), 1.0)

            # clean: every image arrives
            out = os.path.join(d, "rx2.json")
            r = run("rx", "--file", samples, "--images", str(images), "--receiver", "2", "--device", "cpu",
                    "--quiet", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("PSNR (dB)", r.stdout)
            with open(out) as f:
                rx = json.load(f)
            self.assertEqual((rx["frames"], rx["missing"], rx["header_errors"]), (images, 0, 0))
            self.assertGreater(rx["psnr_db"], 17.0)
            self.assertGreater(rx["accuracy"], 0.6)
            self.assertTrue(os.path.exists(os.path.join(d, "rx2_grid.png")))

            # 10 dB, a 300 Hz CFO, bursts 0, 5 and 9 wiped out: 37 frames, 3 missing
            rng = np.random.default_rng(1)
            y = x.copy().reshape(images, per)
            y[[0, 5, 9], :] = 0
            y = y.reshape(-1) * np.exp(2j * np.pi * 300 / 400e3 * np.arange(x.size))
            noise_var = 0.25 / 10 ** (10 / 10)  # symbol SNR = amplitude^2 / noise variance per sample
            y = y + np.sqrt(noise_var / 2) * (rng.standard_normal(y.size) + 1j * rng.standard_normal(y.size))
            noisy = os.path.join(d, "noisy.cf32")
            y.astype(np.complex64).tofile(noisy)
            out = os.path.join(d, "rx1.json")
            r = run("rx", "--file", noisy, "--images", str(images), "--receiver", "1", "--device", "cpu",
                    "--quiet", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rx = json.load(f)
            self.assertEqual((rx["frames"], rx["missing"]), (images - 3, 3))
            self.assertAlmostEqual(rx["snr_db"], 10.0, delta=1.5)
            self.assertGreater(rx["accuracy"], 0.8)  # coarse task, 4 classes

            # a receiver of another scheme finds the bursts and says why it decodes none (and, having
            # decoded nothing, exits 2)
            r = run("rx", "--file", samples, "--images", str(images), "--scheme", "mijscc", "--device", "cpu",
                    "--quiet", "--out-dir", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("another scheme", r.stdout)

    def test_file_loopback_at_minus_5_db_with_several_images_per_burst(self):
        # DeepSCM's weak receiver: 8 images per burst, preamble, header and pilots spread 16 times
        images = 40
        with tempfile.TemporaryDirectory() as d:
            samples = os.path.join(d, "bursts.cf32")
            r = run("tx", "--file", samples, "--images", str(images), "--device", "cpu", "--quiet",
                    "--spreading", "16", "--json", os.path.join(d, "tx.json"))
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(d, "tx.json")) as f:
                tx = json.load(f)
            self.assertEqual((tx["bursts"], tx["images_sent"], tx["images_per_burst"]), (5, images, 8))
            x = np.fromfile(samples, dtype=np.complex64)
            rng = np.random.default_rng(2)
            amplitude2 = 0.25 ** 2 * 4  # the default amplitude: 0.25 sqrt(sps)
            noise_var = amplitude2 / 10 ** (-5 / 10)
            y = x * np.exp(2j * np.pi * 200 / 400e3 * np.arange(x.size))
            y = y + np.sqrt(noise_var / 2) * (rng.standard_normal(y.size) + 1j * rng.standard_normal(y.size))
            noisy = os.path.join(d, "noisy.cf32")
            y.astype(np.complex64).tofile(noisy)
            out = os.path.join(d, "rx1.json")
            r = run("rx", "--file", noisy, "--images", str(images), "--receiver", "1", "--device", "cpu",
                    "--spreading", "16", "--quiet", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rx = json.load(f)
            self.assertEqual((rx["frames"], rx["missing"], rx["header_errors"]), (images, 0, 0))
            self.assertAlmostEqual(rx["snr_db"], -5.0, delta=1.0)
            # and a receiver without the spreading finds nothing it can decode
            r = run("rx", "--file", noisy, "--images", str(images), "--receiver", "1", "--device", "cpu",
                    "--quiet", "--json", out, "--out-dir", d)
            with open(out) as f:
                self.assertEqual(json.load(f)["frames"], 0)


if __name__ == "__main__":
    unittest.main()
