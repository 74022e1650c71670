"""A test-only scheme (tests/toy_scheme/toy_scheme.py) trains and exports through the normal CLI
with --scheme-module, touching nothing in the package: the manifests are format 2 with scheme toy."""

import json
import os
import subprocess
import sys

import torch

from conftest import HERE

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
PLUGIN = os.path.join(ROOT, "tests", "toy_scheme", "toy_scheme.py")
CONFIG = os.path.join(ROOT, "tests", "toy_scheme", "toy.yaml")


def cli(*args):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run([sys.executable, "-m", "semcom_train", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=300)


def test_toy_scheme_trains_and_exports_through_the_cli(tmp_path):
    ckpt, models = str(tmp_path / "ckpt"), str(tmp_path / "models")
    r = cli("train", "--config", CONFIG, "--out", ckpt, "--threads", "1")
    assert r.returncode != 0 and "unknown scheme 'toy'" in r.stderr  # not in the package
    # the plugin before the command ...
    r = cli("--scheme-module", PLUGIN, "train", "--config", CONFIG, "--out", ckpt, "--threads", "1")
    assert r.returncode == 0, r.stderr[-3000:]
    # ... or after it
    r = cli("export", "--scheme-module", PLUGIN, "--config", CONFIG, "--out", ckpt, "--models-dir", models,
            "--images", "200", "--threads", "1")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "reload check rx1 accuracy" in r.stdout
    with open(os.path.join(models, "toy_encoder.json")) as f:
        enc = json.load(f)
    with open(os.path.join(models, "toy_rx1.json")) as f:
        dec = json.load(f)
    for m in (enc, dec):
        assert m["format"] == "semcom-model/2" and m["scheme"] == "toy"
        assert m["transmit"] == {"kind": "superposition", "receivers": 1, "snr_inputs": "none", "side_info": []}
        assert [c["name"] for c in m["constellations"]] == ["16qam"] and m["alphas"] == [1.0]
        assert m["channel_uses"] == 16
    assert [(t["name"], t["role"]) for t in enc["inputs"]] == [("image", "image")]
    assert [(t["name"], t["role"], t["dtype"]) for t in enc["outputs"]] == [("layer1", "layer", "int64")]
    assert [t["role"] for t in dec["inputs"]] == ["symbols", "snr_db"]
    assert [(t["role"], t.get("task")) for t in dec["outputs"]] == [("logits", "fine"), ("image", None)]
    assert dec["receiver"] == 1 and dec["tasks"] == ["fine", "image"]
    # a few thousand parameters, and the encoder's single output is a tensor
    weights = torch.load(os.path.join(ckpt, "weights.pt"))["model"]
    assert 1000 < sum(v.numel() for v in weights.values()) < 20000
    idx = torch.jit.load(os.path.join(models, "toy_encoder.pt"))(torch.rand(3, 1, 28, 28))
    assert isinstance(idx, torch.Tensor) and idx.shape == (3, 16) and int(idx.max()) < 16


def test_register_refuses_a_taken_name():
    import pytest
    from semcom_train import schemes
    from semcom_train.schemes.base import SuperpositionScheme
    schemes.load_module(PLUGIN)
    schemes.load_module(PLUGIN)  # the same file again registers the same scheme: fine
    assert "toy" in schemes.names()

    class Other(SuperpositionScheme):
        name = "deepscm"

    with pytest.raises(ValueError, match="'deepscm' is already registered"):
        schemes.register(Other())
