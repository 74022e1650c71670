#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`semcom simulate` loses nothing silently and always ends (issue 15): every frame sent is
accounted for per receiver (scored, lost by the PHY, dropped, refused, non-finite, in flight at a
stop) in the table and the JSON; a receiver that decodes nothing fails the run, --strict fails it
on any loss; a run in which nothing moves ends after --idle-timeout; and the results are never
lost: --json is checked at the start and on writing, --sweep writes it too, and no option value
reaches a shell."""

import json
import os
import shlex
import socket
import subprocess
import tempfile
import time
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", ".")


def run(*args, timeout=600):
    return subprocess.run([SEMCOM, "simulate", "--device", "cpu", "--quiet", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=SOURCE)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def errors(r):
    return [line for line in r.stderr.splitlines() if line.startswith("semcom: error")]


class qa_app_losses(unittest.TestCase):
    def test_a_receiver_the_phy_cannot_serve_is_counted_and_fails_the_run(self):
        """At waveform level rx1 at -30 dB finds no burst: the run still ends, rx2 scores every
        frame (it used to wait for rx1 and score about half), rx1's frames are lost by the PHY,
        its metrics are dashes, and the exit status is 2."""
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "r.json")
            r = run("--waveform", "--snr", "-30,25", "--images", "24", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("semcom: error: rx1 decoded none of the 24 frames sent to it", r.stderr)
            with open(out) as f:
                rx1, rx2 = json.load(f)["receivers"]
            self.assertEqual((rx1["frames_sent"], rx1["frames_scored"], rx1["frames_lost"]), (24, 0, 24))
            self.assertEqual(rx1["frames_lost_phy"], 24)
            self.assertIsNone(rx1["accuracy"])
            self.assertEqual((rx2["frames_sent"], rx2["frames_scored"], rx2["frames_lost"]), (24, 24, 0))
            row = next(line for line in r.stdout.splitlines() if line.startswith("1 "))
            self.assertEqual(row.split()[-3:], ["24", "0", "24"])  # sent, decoded, lost
            self.assertIn("rx1: 24 of 24 frames lost: 24 by the PHY", r.stdout)
            self.assertTrue(os.path.exists(os.path.join(d, "simulate_grid.png")))

    def test_frames_that_never_come_end_the_run_counted_and_strict_fails_it(self):
        """A receiver process told to expect 20 frames from a transmitter that sends 10: it stops
        after --idle-timeout and counts the 10 as lost (in flight at the stop); the exit status
        is 0 with a warning, 2 with --strict."""
        for strict in (False, True):
            with self.subTest(strict=strict), tempfile.TemporaryDirectory() as d:
                address = f"tcp://127.0.0.1:{free_port()}"
                out = os.path.join(d, "rx.json")
                rx = subprocess.Popen([SEMCOM, "simulate", "--device", "cpu", "--quiet", "--role", "rx",
                                       "--receiver", "2", "--address", address, "--images", "20", "--idle-timeout",
                                       "10", "--json", out, "--out-dir", d, *(["--strict"] if strict else [])],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=SOURCE)
                tx = subprocess.run([SEMCOM, "simulate", "--device", "cpu", "--quiet", "--role", "tx", "--address",
                                     address, "--images", "10", "--start-delay", "2000"],
                                    capture_output=True, text=True, timeout=300, cwd=SOURCE)
                self.assertEqual(tx.returncode, 0, tx.stderr)
                _, err = rx.communicate(timeout=300)
                self.assertEqual(rx.returncode, 2 if strict else 0, err)
                self.assertIn("no frame for 10.0 s (--idle-timeout)", err)
                self.assertIn("frames lost: rx2 10 of 20", err)
                with open(out) as f:
                    (got,) = json.load(f)["receivers"]
                self.assertEqual((got["frames_sent"], got["frames_scored"], got["frames_lost"]), (20, 10, 10))
                self.assertEqual(got["frames_in_flight_at_stop"], 10)

    def test_results_are_never_lost(self):
        with tempfile.TemporaryDirectory() as d:
            # a folder that does not exist: refused at once, before the run
            t0 = time.monotonic()
            r = run("--images", "200", "--json", os.path.join(d, "no", "such", "r.json"), "--out-dir", d)
            self.assertEqual(r.returncode, 1)
            self.assertEqual(errors(r), [f"semcom: error: --json: cannot write '{d}/no/such/r.json'"])
            self.assertNotIn("PSNR", r.stdout)
            self.assertLess(time.monotonic() - t0, 30)
            # a full disk: an error, not exit 0 with nothing written
            if os.path.exists("/dev/full"):
                r = run("--images", "5", "--json", "/dev/full", "--out-dir", d)
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("--json: writing '/dev/full' failed", r.stderr)
            # --sweep writes --json too: every SNR's results
            out = os.path.join(d, "sweep.json")
            r = run("--sweep", "0:10:10", "--images", "8", "--json", out, "--out-dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                sweep = json.load(f)
            self.assertEqual([run_["snr_db"] for run_ in sweep["runs"]], [0.0, 10.0])
            self.assertEqual([rx["frames_scored"] for rx in sweep["runs"][1]["receivers"]], [8, 8])

    def test_no_option_reaches_a_shell(self):
        """--out-dir with shell syntax in it is a folder name, nothing else: nothing runs, and the
        printed plot command quotes it."""
        with tempfile.TemporaryDirectory() as d:
            marker = os.path.join(d, "pwned")
            evil = os.path.join(d, f"x'; touch {marker}; echo '\" $(touch {marker}) `touch {marker}`")
            r = run("--sweep", "0:0:1", "--images", "4", "--out-dir", evil)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertFalse(os.path.exists(marker))
            self.assertTrue(os.path.exists(os.path.join(evil, "sweep.csv")))
            plot = next(line for line in r.stdout.splitlines() if line.startswith("plots: "))
            words = shlex.split(plot[len("plots: "):])
            self.assertEqual(words[words.index("--out") + 1], evil)
            self.assertEqual(words[words.index("plot") + 1], os.path.join(evil, "sweep.csv"))

    def test_values_that_must_be_refused(self):
        cases = [(["--snr", "nan,20"], "--snr: 'nan' is not a finite number"),
                 (["--snr", "1e39,20"], "--snr: '1e39' is not a finite number"),
                 (["--snr", "-5,inf"], "--snr: 'inf' is not a finite number"),
                 (["--idle-timeout", "nan"], "--idle-timeout: 'nan' is not a finite number"),
                 (["--idle-timeout", "0"], "--idle-timeout: '0' is not a finite number in [0.1, 86400] s"),
                 (["--report-weight", "nan"], "--report-weight: 'nan' is not a finite number"),
                 (["--target-rate", "inf"], "--target-rate: 'inf' is not a finite number"),
                 (["--channel-uses", "-5"], "--channel-uses"),
                 (["--start-delay", "-1"], "--start-delay"),
                 (["--sweep", "-1e30:1e30:1"], "--sweep '-1e30:1e30:1': expected LO:HI:STEP"),
                 (["--sweep", "0:nan:1"], "expected LO:HI:STEP"),
                 (["--sweep", "0:100:0.01"], "10001 SNRs; at most 1000"),
                 (["--role", "rx", "--address", "tcp://no-port"], "--address 'tcp://no-port': "),
                 (["--role", "tx", "--address", "nonsense", "--start-delay", "0"], "--address 'nonsense': ")]
        for args, message in cases:
            with self.subTest(args=args):
                r = run("--images", "4", *args, timeout=120)
                self.assertNotEqual(r.returncode, 0)
                self.assertEqual(len([line for line in r.stderr.splitlines() if message in line]), 1, r.stderr)
                self.assertNotIn("Exception raised from", r.stderr)  # one line, no stack trace

    def test_receiver_manifests_must_belong_to_their_encoder(self):
        """A swapped rx1/rx2 pair, or a receiver of other power shares, used to decode and score
        wrong numbers without a word: refused, naming the file."""
        import shutil
        with tempfile.TemporaryDirectory() as d:
            def family(name, rx1_from="rx1", alphas=None):
                for part in ("encoder", "rx1", "rx2"):
                    src = {"rx1": rx1_from}.get(part, part)
                    with open(os.path.join(SOURCE, "models", f"deepscm_conv_{src}.json")) as f:
                        manifest = json.load(f)
                    shutil.copy(os.path.join(SOURCE, "models", manifest["file"]), os.path.join(d, manifest["file"]))
                    if part == "rx1" and alphas:
                        manifest["alphas"] = alphas
                    with open(os.path.join(d, f"{name}_{part}.json"), "w") as f:
                        json.dump(manifest, f)
                return os.path.join(d, name)
            for prefix, message in ((family("swapped", rx1_from="rx2"), "its manifest says receiver 2"),
                                    (family("alphas", alphas=[0.8, 0.2]), "its power shares (alphas) are")):
                with self.subTest(prefix=prefix):
                    r = run("--models", prefix, "--images", "4", "--out-dir", d)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertEqual(len(errors(r)), 1, r.stderr)
                    self.assertIn(f"{prefix}_rx1.json: cannot be receiver 1 of '{prefix}_encoder.json': {message}",
                                  errors(r)[0])


if __name__ == "__main__":
    unittest.main()
