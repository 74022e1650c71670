"""scripts/distill_summary.py: the students' paired differences per seed and their mean over seeds
with a t interval, from finetune_decoders.py --report files; one line for a file that is not one."""

import json
import math
import os
import subprocess
import sys

from conftest import HERE

SCRIPT = os.path.join(HERE, "..", "..", "scripts", "distill_summary.py")


def report(path, seed, psnr_diff, acc_diff):
    row = {"receiver": 1, "task": "coarse", "snr_db": -5.0, "images": 10000,
           "source_accuracy": 0.95, "source_psnr_db": 17.1, "new_accuracy": 0.95 + acc_diff,
           "new_psnr_db": 17.1 + psnr_diff, "accuracy_diff": [acc_diff, acc_diff - 0.002, acc_diff + 0.002],
           "psnr_diff_db": [psnr_diff, psnr_diff - 0.01, psnr_diff + 0.01]}
    with open(path, "w") as f:
        json.dump({"seed": seed, "paired": [row]}, f)
    return str(path)


def run(*paths):
    return subprocess.run([sys.executable, SCRIPT, *paths], capture_output=True, text=True, timeout=60)


def test_mean_over_seeds_with_its_t_interval(tmp_path):
    diffs = [0.05, 0.03, 0.07]
    paths = [report(tmp_path / f"s{s}.json", s, d, 0.004) for s, d in zip((1, 2, 3), diffs)]
    r = run(*paths)
    assert r.returncode == 0, r.stderr
    rows = [line for line in r.stdout.splitlines() if line.startswith("| rx1")]
    assert len(rows) == 4  # three seeds and their mean
    assert "+0.050 [+0.040, +0.060]" in rows[0] and "+0.40 [+0.20, +0.60]" in rows[0]
    # mean 0.05, sample std 0.02, t(2) = 4.303: half-width 4.303 * 0.02 / sqrt(3) = 0.0497
    half = 4.303 * 0.02 / math.sqrt(3)
    assert f"**mean of 3** | | | **+0.050 [{0.05 - half:+.3f}, {0.05 + half:+.3f}]**" in rows[3], rows[3]


def test_a_file_that_is_no_report_gets_one_line(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"seed": 1}')
    r = run(str(bad))
    assert r.returncode != 0 and "not a finetune_decoders.py report" in r.stderr and "Traceback" not in r.stderr
    r = run(str(tmp_path / "missing.json"))
    assert r.returncode != 0 and "missing.json" in r.stderr and "Traceback" not in r.stderr
