"""Smoke training of every scheme on a small subset: the loss falls, the export reloads and
reproduces its metrics, and the exported encoder's indices give exactly the trained symbols."""

import json
import os

import dataclasses

import pytest
import torch

from conftest import CONFIGS
from semcom_train import data, export, train
from semcom_train.schemes.base import symbols_from_indices
from semcom_train.__main__ import load_config


def small(cfg, epochs=3):
    return cfg.replace(stages=tuple(dataclasses.replace(s, epochs=epochs) for s in cfg.stages),
                       width=8, hidden=64, feature_dim=32, batch_size=64)


@pytest.mark.parametrize("config", ["deepscm.yaml", "cm_joint.yaml", "cm_rx1.yaml", "deepscm_k3.yaml",
                                    "deepscm_conv.yaml", "cm_joint_conv.yaml",
                                    "mijscc_q4.yaml", "mijscc_analog.yaml", "amijscc.yaml",
                                    "mijscc_conv_analog.yaml"])
def test_loss_falls_and_export_reloads(config, tmp_path):
    torch.set_num_threads(1)
    cfg = small(load_config(os.path.join(CONFIGS, config)))
    model, history = train.train(cfg, str(tmp_path / "ckpt"), threads=1, limit=768)
    for stage in cfg.stages:
        losses = [h["loss"] for h in history if h["stage"] == stage.name]
        assert len(losses) == stage.epochs
        assert min(losses[1:]) < losses[0], f"{config} stage {stage.name}: loss did not fall: {losses}"
    # every receiver trained reconstructs better at the end than when it started
    for r in range(1, len(cfg.receivers) + 1):
        mses = [h[f"mse{r}"] for h in history if f"mse{r}" in h]
        assert not mses or mses[-1] < mses[0], f"{config} rx{r}: image MSE did not fall: {mses}"
    test = data.fashion_mnist("test").subset(300)
    model, cfg_trained, _ = train.load_trained(cfg, str(tmp_path / "ckpt"), test)
    manifests = export.export(model, cfg_trained, test, str(tmp_path / "models"), "pytest", images=200)
    assert [m["role"] for m in manifests] == ["encoder"] + ["decoder"] * len(cfg.receivers)
    for m in manifests:
        assert m["format"] == "semcom-model/2" and m["scheme"] == cfg.scheme
        assert all("role" in t for t in m["inputs"] + m["outputs"])
        assert m["transmit"] == manifests[0]["transmit"]  # one section for the whole family
    kinds = {"deepscm": "superposition", "cm": "superposition", "amijscc": "quantized",
             "mijscc": "quantized" if cfg.bits is not None else "analog"}
    assert manifests[0]["transmit"]["kind"] == kinds[cfg.scheme]
    assert manifests[0]["transmit"]["receivers"] == len(cfg.receivers)
    assert manifests[0]["transmit"]["snr_inputs"] == ("own" if cfg.scheme == "amijscc" else "none")
    assert [o["task"] for m in manifests[1:] for o in m["outputs"] if o["role"] == "logits"] == \
        [rx.task for rx in cfg.receivers]
    for row in export.reload_check(cfg_trained, test, str(tmp_path / "models")):
        assert abs(row[2] - row[3]) < 1e-5, row
    if cfg.scheme in ("mijscc", "amijscc"):
        enc, man = export.load_exported(str(tmp_path / "models" / f"{cfg.name}_encoder.pt"))
        assert man["quantizer"] == (None if cfg.bits is None else {"bits": cfg.bits, "range_mode": "per_frame"})
        return
    # the exported indices, mapped through the C++-identical table, are the symbols trained on
    enc, man = export.load_exported(str(tmp_path / "models" / f"{cfg.name}_encoder.pt"))
    with torch.no_grad():
        idx = enc(test.images[:50])
        y_model, _, _ = model.encode(test.images[:50])
    assert len(idx) == len(cfg.layers)
    for k, i in enumerate(idx):
        assert i.dtype == torch.int64 and i.shape == (50, cfg.channel_uses)
        assert int(i.min()) >= 0 and int(i.max()) < man["constellations"][k]["order"]
    torch.testing.assert_close(symbols_from_indices(cfg, idx), y_model, atol=1e-5, rtol=0)


def test_resume_from_checkpoint(tmp_path):
    cfg = small(load_config(os.path.join(CONFIGS, "cm_joint.yaml")), epochs=2)
    out = str(tmp_path / "ckpt")
    train.train(cfg, out, threads=1, limit=256)
    ckpt = torch.load(os.path.join(out, "checkpoint.pt"))
    assert ckpt["state"]["stage"] == 1  # finished
    # a run with more epochs continues from the saved state instead of starting over
    cfg2 = cfg.replace(stages=(dataclasses.replace(cfg.stages[0], epochs=3),))
    with pytest.raises(ValueError, match="another configuration"):
        train.train(cfg2, out, threads=1, limit=256)
    _, history = train.train(cfg, out, threads=1, limit=256)
    assert len(history) == 2  # nothing retrained


def test_superposition_encoder_refuses_non_uniform_cm():
    cfg = small(load_config(os.path.join(CONFIGS, "cm_joint.yaml"))).replace(alphas=[0.9, 0.1])
    with pytest.raises(ValueError, match="uniform"):
        train.build_model(cfg, data.fashion_mnist("test").subset(10))


def test_cli_help_and_errors():
    import subprocess
    import sys
    env = dict(os.environ, PYTHONPATH=os.path.join(CONFIGS, ".."))
    for cmd in ("train", "export", "evaluate", "plot"):
        r = subprocess.run([sys.executable, "-m", "semcom_train", cmd, "--help"], capture_output=True, text=True, env=env)
        assert r.returncode == 0 and "usage" in r.stdout
    r = subprocess.run([sys.executable, "-m", "semcom_train", "train", "--config", "/nonexistent.yaml"],
                       capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "config file not found" in r.stderr


def test_init_from_a_network_without_the_adaptive_modules(tmp_path):
    # A-MIJSCC conv starts from a trained MIJSCC conv network: its tensors are taken over, the
    # noise encoder and the attention start fresh; a run of another shape is refused
    torch.set_num_threads(1)
    analog = small(load_config(os.path.join(CONFIGS, "mijscc_conv_analog.yaml")), epochs=1)
    trained, _ = train.train(analog, str(tmp_path / "mijscc_conv_analog"), threads=1, limit=128)
    model = train.build_model(small(load_config(os.path.join(CONFIGS, "amijscc_conv.yaml"))),
                              data.fashion_mnist("test").subset(10))
    fresh = train.init_from(model, trained.state_dict(), "run")
    assert {k.split(".")[0] for k in fresh} == {"noise_encoder", "attention", "upper"}
    torch.testing.assert_close(model.decoder.state_dict(), trained.decoder.state_dict())
    other = small(load_config(os.path.join(CONFIGS, "mijscc_conv_analog.yaml"))).replace(width=16)
    with pytest.raises(ValueError, match=r"run does not fit this model: \d+ of another shape"):
        train.init_from(train.build_model(other, data.fashion_mnist("test").subset(10)), trained.state_dict(), "run")
    with pytest.raises(ValueError, match="tensors this model does not have"):
        train.init_from(trained, model.state_dict(), "run")


def test_export_sends_an_analog_network_through_a_quantizer(tmp_path):
    # the shipped mijscc_conv_q8 is the analog network exported with the 8-bit config; the other
    # way round (a quantized network exported analog) and other schemes are refused
    import subprocess
    import sys
    torch.set_num_threads(1)
    analog = small(load_config(os.path.join(CONFIGS, "mijscc_conv_analog.yaml")), epochs=1)
    train.train(analog, str(tmp_path / "analog"), threads=1, limit=128)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(os.path.join(CONFIGS, "..")))

    def export(config, ckpt):
        return subprocess.run([sys.executable, "-m", "semcom_train", "export", "--config", os.path.join(CONFIGS, config),
                               "--out", str(tmp_path / ckpt), "--models-dir", str(tmp_path / "models"),
                               "--images", "50", "--threads", "1"], capture_output=True, text=True, env=env)
    r = export("mijscc_conv_q8.yaml", "analog")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "trained with bits=None through a 8-bit quantizer" in r.stdout
    with open(tmp_path / "models" / "mijscc_conv_q8_encoder.json") as f:
        assert json.load(f)["quantizer"] == {"bits": 8, "range_mode": "per_frame"}
    quantized = small(load_config(os.path.join(CONFIGS, "mijscc_q8.yaml")), epochs=1)
    train.train(quantized, str(tmp_path / "q8"), threads=1, limit=128)
    r = export("mijscc_analog.yaml", "q8")
    assert r.returncode != 0 and "trained with bits=8; only an MIJSCC network's quantizer may differ" in r.stderr
