"""Training under torchrun: 2 processes on gloo step as 1 process with the combined batch (the same
images per step, gradients averaged), so their epoch losses and final weights agree within float
rounding; a batch that does not divide among the processes is refused with one line."""

import os
import shutil
import subprocess
import sys

import pytest
import torch

from conftest import HERE

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PLUGIN = os.path.join(HERE, "ddp_toy_scheme.py")
TORCHRUN = shutil.which("torchrun") or "/usr/bin/torchrun"

CONFIG = """
name: toy_ddp
scheme: toy_deterministic
dataset: fashion-mnist
layers: [16qam]
alphas: [1.0]
channel_uses: 16
feature_dim: 16
hidden: 32
train_images: 1024
batch_size: 64
seed: 5
receivers:
  - {task: fine, channel: awgn, snr_db: 200.0, lambda: 50}
stages:
  - {name: joint, epochs: 3, loss: [1], train: all}
eval_snr_db: [20]
lr: 0.003
"""
# float32 sums in another order (the all_reduce, the per-process means): rounding, no more
TOLERANCE = 1e-5  # measured: losses 2e-8 relative, weights 4e-7 apart


def torchrun(processes, config, out):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    # --redirects 1 --tee 1: torch 1.13's torchrun default (0) fails on Python 3.11 (Std.from_str
    # finds no Std.NONE among 3.11's flag members); stdout is then also teed to a log file
    return subprocess.run([TORCHRUN, "--standalone", "--nproc_per_node", str(processes), "--redirects", "1", "--tee",
                           "1", "--log_dir", os.path.join(out + "_logs"), "-m", "semcom_train",
                           "--scheme-module", PLUGIN, "train", "--config", config, "--out", out, "--threads", "1"],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)


@pytest.mark.skipif(not (torch.distributed.is_available() and torch.distributed.is_gloo_available()),
                    reason="this torch has no torch.distributed with gloo")
def test_two_processes_step_as_one_with_the_combined_batch(tmp_path):
    config = tmp_path / "toy_ddp.yaml"
    config.write_text(CONFIG)
    runs = {}
    for processes in (1, 2):
        out = str(tmp_path / f"p{processes}")
        r = torchrun(processes, str(config), out)
        assert r.returncode == 0, r.stderr[-3000:]
        assert r.stdout.count('"loss"') == 1  # one summary line: process 0's
        runs[processes] = torch.load(os.path.join(out, "weights.pt"))
    one, two = runs[1], runs[2]
    losses1 = [h["loss"] for h in one["history"]]
    losses2 = [h["loss"] for h in two["history"]]
    assert len(losses1) == len(losses2) == 3
    assert losses1[-1] < losses1[0]  # it trained
    for a, b in zip(losses1, losses2):
        assert abs(a - b) <= TOLERANCE * abs(a), (losses1, losses2)
    print("loss differences (relative):", [abs(a - b) / abs(a) for a, b in zip(losses1, losses2)],
          "largest weight difference:", max(float((w - two["model"][k]).abs().max()) for k, w in one["model"].items()))
    for name, w in one["model"].items():
        assert torch.allclose(w, two["model"][name], atol=TOLERANCE, rtol=TOLERANCE), name


def test_a_batch_that_does_not_divide_is_refused(tmp_path):
    config = tmp_path / "toy_ddp.yaml"
    config.write_text(CONFIG.replace("batch_size: 64", "batch_size: 63"))
    r = torchrun(2, str(config), str(tmp_path / "out"))
    assert r.returncode != 0
    assert "semcom_train: batch_size 63 does not divide among 2 processes" in r.stderr
