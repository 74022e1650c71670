#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""`semcom alloc`: the CRRA / CRRAUS scheduler from a users file — the table and JSON agree with the
model, CRRA is never below its baselines, sweeps behave as the paper's figures should, bad input
gets one clear line and a non-zero exit, and the allocation driving a multi-user run through the
shipped ASC models lands inside the scheduler's 95 % interval for every user."""

import csv
import json
import math
import os
import subprocess
import tempfile
import unittest

SEMCOM = os.environ.get("SEMCOM_APP", "build/apps/semcom")
SOURCE = os.environ.get("SEMCOM_SOURCE_DIR", os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
EXAMPLES = os.path.join(SOURCE, "examples")


def run(*args, timeout=600):
    return subprocess.run([SEMCOM, "alloc", *args], capture_output=True, text=True, timeout=timeout)


def q_tail(x):
    return 0.5 * math.erfc(x / math.sqrt(2))


class qa_app_alloc(unittest.TestCase):
    def allocate(self, config, *args, timeout=600):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "a.json")
            r = run("--config", config, "--json", out, "--quiet", *args, timeout=timeout)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                return json.load(f), r.stdout

    def test_paper_scenario_all_algorithms(self):
        result, text = self.allocate(os.path.join(EXAMPLES, "alloc_paper.json"), "--algorithm", "all")
        self.assertIn("crra", text)
        budget = result["budget"]
        allocations = result["allocations"]
        self.assertEqual(set(allocations), {"crra", "crra-weighted", "crraus", "fcr", "fra", "msr"})
        users = result["users"]
        for name, a in allocations.items():
            sel = [u for u in a["users"] if u["selected"]]
            # budgets and minimums hold
            self.assertLessEqual(sum(u["bandwidth_hz"] for u in sel), budget["bandwidth_hz"] * (1 + 1e-6), name)
            self.assertLessEqual(sum(u["power_w"] for u in sel), budget["power_w"] * (1 + 1e-6), name)
            for u, user in zip(a["users"], users):
                if not u["selected"]:
                    continue
                self.assertGreaterEqual(u["bandwidth_hz"], budget["min_bandwidth_hz"] * (1 - 1e-6), name)
                self.assertGreaterEqual(u["power_w"], budget["min_power_w"] * (1 - 1e-6), name)
                self.assertTrue(0 <= u["ratio"] < 1, name)
                # the table's x and success follow Lemma 1 from the allocation itself
                bits = user["data_bits"] * (1 - u["ratio"]) / (u["bandwidth_hz"] * user["delay_s"])
                x = budget["noise_psd_w_per_hz"] * u["bandwidth_hz"] * (2 ** bits - 1) / (user["gain"] * u["power_w"])
                self.assertAlmostEqual(u["x"], x, delta=1e-6 * max(1, x), msg=name)
                self.assertAlmostEqual(u["success_q"], 2 * q_tail(x), delta=1e-9, msg=name)
                self.assertAlmostEqual(u["success_exponential"], math.exp(-x * x / 2), delta=1e-9, msg=name)
                self.assertGreaterEqual(u["success_exponential"] + 1e-12, u["success_q"], name)
        total = {k: a["total"] for k, a in allocations.items()}
        self.assertGreaterEqual(total["crra"], total["fcr"] - 1e-9)
        self.assertGreaterEqual(total["crra"], total["fra"] - 1e-9)
        self.assertGreaterEqual(total["crra"], total["msr"] - 1e-9)
        weighted = {k: a["weighted_total"] for k, a in allocations.items()}
        self.assertGreaterEqual(weighted["crraus"], weighted["crra-weighted"] - 1e-9)
        self.assertGreaterEqual(weighted["crra-weighted"], weighted["crra"] - 1e-9)
        # CRRA's history never falls
        h = allocations["crra"]["history"]
        self.assertTrue(all(b >= a - 1e-9 for a, b in zip(h, h[1:])), h)

    def test_listed_users(self):
        result, text = self.allocate(os.path.join(EXAMPLES, "alloc_users.json"), "--algorithm", "crraus")
        names = [u["name"] for u in result["users"]]
        self.assertEqual(names, ["cam1", "cam2", "drone", "robot"])
        self.assertEqual([u["weight"] for u in result["users"]], [0.8, 0.4, 0.2, 0.4])
        self.assertAlmostEqual(result["users"][1]["gain_db"], -115, places=9)
        self.assertAlmostEqual(result["users"][0]["gain_db"], -(128.1 + 37.6 * math.log10(0.12)), places=9)
        for name in names:
            self.assertIn(name, text)

    def test_sweep_bandwidth_rises_and_crra_leads(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "s.csv")
            r = run("--config", os.path.join(EXAMPLES, "alloc_paper.json"), "--algorithm", "all",
                    "--sweep", "bandwidth=1e6:30e6:x4", "--curves", "power=1e-3", "--drops", "2", "--csv", out, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                rows = list(csv.DictReader(f))
        self.assertEqual(len(rows), 4 * 6)
        by = {}
        for row in rows:
            by.setdefault(row["algorithm"], []).append((float(row["value"]), float(row["average"])))
        for algorithm, pts in by.items():
            pts.sort()
            # more bandwidth never hurts (up to solver tolerance)
            for (b0, s0), (b1, s1) in zip(pts, pts[1:]):
                self.assertGreaterEqual(s1, s0 - 1e-3, (algorithm, pts))
        for i in range(4):
            for base in ("fcr", "fra", "msr"):
                self.assertGreaterEqual(by["crra"][i][1], by[base][i][1] - 1e-6, (base, by))

    def test_ratio_sweep_has_an_interior_maximum(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "s.csv")
            r = run("--config", os.path.join(EXAMPLES, "alloc_paper.json"), "--sweep", "ratio=0.05:0.95:0.05",
                    "--curves", "bandwidth=5e6", "--drops", "2", "--csv", out, "--quiet")
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                pts = [(float(row["value"]), float(row["average"])) for row in csv.DictReader(f)]
        best = max(range(len(pts)), key=lambda i: pts[i][1])
        self.assertTrue(0 < best < len(pts) - 1, pts)
        self.assertGreater(pts[best][1], pts[0][1] + 0.01)
        self.assertGreater(pts[best][1], pts[-1][1] + 0.01)

    def bad(self, config_text, expected, *args):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "c.json")
            with open(path, "w") as f:
                f.write(config_text if isinstance(config_text, str) else json.dumps(config_text))
            r = run("--config", path, "--quiet", *args)
        self.assertNotEqual(r.returncode, 0, r.stdout)
        lines = [line for line in r.stderr.splitlines() if line.strip()]
        self.assertEqual(len(lines), 1, r.stderr)
        self.assertIn(expected, lines[0])
        self.assertNotIn("Traceback", r.stderr)

    def test_bad_input(self):
        base = {"budget": {"bandwidth_hz": 1e6, "min_bandwidth_hz": 1e4, "power_w": 1e-3, "min_power_w": 1e-5},
                "defaults": {"eta": {"zeta": [-1e-16, 35.7, 0.95, -0.04]}},
                "service_levels": [0.2, 0.8],
                "users": [{"name": "a", "path_gain_db": -100}, {"name": "b", "path_gain_db": -110}]}

        def with_(**changes):
            c = json.loads(json.dumps(base))
            for k, v in changes.items():
                c[k] = v
            return c

        self.bad(with_(budget={"bandwidth_hz": 1.5e4, "min_bandwidth_hz": 1e4}), "bandwidth")
        self.bad(with_(budget={"power_w": 1e-5, "min_power_w": 1e-5}), "power")
        self.bad(with_(users=[{"gain": -1e-10}]), "users[0].gain")
        self.bad(with_(users=[{"path_gain_db": -100, "service_level": 3}]), "unknown service level 3")
        self.bad(with_(users=[{"path_gain_db": -100, "eta": {"zeta": [1, 2]}}]), "users[0].eta.zeta")
        self.bad(with_(users=[{"path_gain_db": -100, "eta": {"zeta": [0.5, 0, 0.9, 0]}}]), "users[0].eta")
        self.bad(with_(users=[{"path_gain_db": -100, "eta": {"table": "alexnet"}}]), "Table IV")
        self.bad(with_(users=[{"path_gain_db": -100, "eta": {"manifest": "nope.json"}}]), "cannot read")
        self.bad(with_(users=[{"path_gain_db": -100, "gian": 1}]), "unknown field 'gian'")
        self.bad(with_(users=[{"path_gain_db": "NaN"}]), "users[0].path_gain_db: expected a number")
        self.bad(json.dumps(with_(users=[{"path_gain_db": 12345.0}])).replace("12345.0", "1e999"), "number overflow")
        self.bad("{ not json", "not JSON")
        self.bad(base, "--sweep", "--sweep", "speed=1:2:1")
        self.bad(base, "--sweep users needs a `cell`", "--sweep", "users=2:4:1")
        self.bad(base, "--algorithm: unknown 'foo'", "--algorithm", "crra,foo")
        self.bad(base, "--simulate needs", "--simulate", "10")

    def test_a_sweep_step_below_the_start_s_precision_ends(self):
        # 1e20 + 1 == 1e20: stepping by adding looped for ever, growing the list until bad_alloc
        r = run("--config", os.path.join(EXAMPLES, "alloc_paper.json"), "--sweep", "power=1e20:1e20:1", "--drops",
                "1", "--quiet", timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len([line for line in r.stdout.splitlines() if line.startswith("power,")]), 1, r.stdout)

    def test_help(self):
        r = subprocess.run([SEMCOM, "alloc", "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        for option in ("--algorithm", "--sweep", "--simulate", "--selection", "--resources"):
            self.assertIn(option, r.stdout)

    def test_allocation_drives_the_multi_user_run(self):
        frames = 2000
        result, text = self.allocate(os.path.join(EXAMPLES, "alloc_asc.json"), "--algorithm", "crra",
                                     "--simulate", str(frames), timeout=900)
        sim = result["simulation"]
        users = [u for u in sim["users"] if u["selected"]]
        self.assertGreaterEqual(len(users), 5)
        for u in users:
            self.assertEqual(u["frames"], frames)
            # every user inside the family-wise 95 % interval (Bonferroni over the served users)
            low, high = u["success_family_ci95"]
            self.assertTrue(low <= u["predicted_success"] <= high, u)
            self.assertTrue(u["inside_family_ci95"])
            # the delivery rate alone follows 2Q(x) (the link model, no network involved)
            p = u["predicted_delivery_q"]
            self.assertAlmostEqual(u["delivered"], p, delta=4 * math.sqrt(p * (1 - p) / frames) + 1e-9, msg=u)
        self.assertEqual(sim["outside_family_ci95"], 0)
        # and each user's own 95 % interval misses about 1 in 20: more than 3 of 10 would be a bias
        self.assertLessEqual(sim["outside_ci95"], 3)
        # somebody is actually at risk, or the check would be empty
        self.assertTrue(any(u["predicted_delivery_q"] < 0.99 for u in users), users)


if __name__ == "__main__":
    unittest.main()
