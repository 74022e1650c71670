"""scripts/finetune_decoders.py: students and bank members from the shipped TorchScript files, and
its refusals of bad arguments (one line, non-zero exit)."""

import json
import os
import subprocess
import sys

import pytest
import torch

from conftest import HERE

ROOT = os.path.join(HERE, "..", "..")
SCRIPT = os.path.join(ROOT, "scripts", "finetune_decoders.py")
MODELS = os.path.join(ROOT, "models", "deepscm_conv")


def run(*args, check=True):
    r = subprocess.run([sys.executable, SCRIPT, "--models", MODELS, *args], capture_output=True, text=True,
                       cwd=ROOT, env=dict(os.environ, OMP_NUM_THREADS="1"), timeout=600)
    if check:
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return r


def test_student_is_written_with_its_sources_contract_and_compared(tmp_path):
    out, report = str(tmp_path / "new" / "student"), str(tmp_path / "report.json")  # the folder made
    run("--student", "subpixel", "--receiver", "2", "--epochs", "1", "--images", "512", "--compare-images", "300",
        "--compare-snr", "10", "--snr-range", "0", "25", "--out", out, "--work", str(tmp_path / "work"),
        "--report", report)
    assert not os.path.exists(out + "_rx1.json")  # only the receiver asked for
    with open(out + "_rx2.json") as f:
        man = json.load(f)
    with open(MODELS + "_rx2.json") as f:
        src = json.load(f)
    for key in ("scheme", "role", "receiver", "tasks", "inputs", "outputs", "constellations", "alphas",
                "channel_uses", "transmit", "train_snr_db"):
        assert man[key] == src[key], key
    assert man["name"] == "student_rx2" and man["file"] == "student_rx2.pt" and "--student subpixel" in man["created_by"]
    student = torch.jit.load(out + "_rx2.pt")
    logits, image = student(torch.zeros(2, src["channel_uses"], 2), torch.full((2, 1), 20.0))
    assert logits.shape == (2, 10) and image.shape == (2, 1, 28, 28)
    with open(report) as f:
        rep = json.load(f)
    assert [(r["receiver"], r["snr_db"]) for r in rep["paired"]] == [(2, 20.0), (2, 10.0)]
    row = rep["paired"][0]
    assert row["images"] == 300 and 0.8 < row["source_accuracy"] < 1.0
    assert row["psnr_diff_db"][1] <= row["psnr_diff_db"][0] <= row["psnr_diff_db"][2]
    # one epoch on 512 images is far from the teacher: the comparison has to say so
    assert row["psnr_diff_db"][2] < 0
    # a second run resumes from the checkpoint: no epoch trained again
    again = run("--student", "subpixel", "--receiver", "2", "--epochs", "1", "--images", "512",
                "--compare-images", "300", "--snr-range", "0", "25", "--out", out, "--work", str(tmp_path / "work"))
    assert "resuming from" in again.stdout and "epoch 1/1 batch" not in again.stdout


@pytest.mark.parametrize("args, message", [
    (["--student", "subpixel", "--receiver", "3"], "--receiver must be within 1..2"),
    (["--snr", "nan", "20"], "--snr must be finite"),
    (["--epochs", "1"], "--snr is required for bank members"),
    (["--student", "subpixel", "--width", "15"], "--width even"),
    (["--snr", "5"], "--snr has 1 values"),
    (["--student", "subpixel", "--snr-range", "20", "5"], "--snr-range needs finite LOW < HIGH"),
    (["--student", "subpixel", "--snr-range", "0", "inf"], "--snr-range needs finite LOW < HIGH"),
    (["--snr", "5", "25", "--snr-range", "0", "20"], "--snr-range is for students"),
    (["--student", "subpixel", "--out", "/proc/no/such/student"], "cannot create its folder"),
])
def test_bad_arguments_get_one_line(args, message, tmp_path):
    r = run(*args, "--work", str(tmp_path / "work"), check=False)
    assert r.returncode != 0 and message in r.stderr and "Traceback" not in r.stderr, r.stderr
