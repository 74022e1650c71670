"""Typed configs: every shipped config loads; unknown keys are refused with the key and the file
named; base: inheritance, --set overrides and the checkpoint form round-trip."""

import glob
import os

import pytest

from conftest import CONFIGS
from semcom_train import config


@pytest.mark.parametrize("path", sorted(glob.glob(os.path.join(CONFIGS, "*.yaml"))))
def test_every_shipped_config_loads(path):
    cfg = config.load(path)
    assert cfg.name and cfg.stages and cfg.receivers
    assert config.from_dict(cfg.to_dict()) == cfg  # what checkpoints store reads back equal


def test_defaults_are_filled_in():
    cfg = config.load(os.path.join(CONFIGS, "mijscc_q8.yaml"))
    assert cfg.tau == 1.7 and cfg.feature_norm is False and cfg.architecture == "mlp"
    assert cfg.stages[0].lr is None and cfg.stage_lr(cfg.stages[0]) == cfg.lr
    assert cfg.receivers[0].lam == 100


def test_base_inheritance_and_set():
    cfg = config.load(os.path.join(CONFIGS, "deepscm_conv.yaml"), ["channel_uses=64", "width=16"])
    assert cfg.architecture == "conv" and cfg.layers == ["4qam", "16qam"]  # from deepscm.yaml
    assert cfg.channel_uses == 64 and cfg.width == 16 and cfg.name == "deepscm_conv_n64_width16"
    assert config.load(os.path.join(CONFIGS, "deepscm.yaml"), ["name=x"]).name == "x"


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


BASE = """name: t
scheme: deepscm
channel_uses: 16
feature_dim: 16
layers: [4qam]
alphas: [1.0]
receivers:
  - {task: fine, snr_db: 10.0}
stages:
  - {name: one, epochs: 1, loss: [1], train: all}
"""


def test_misspelt_stage_key_names_the_key_and_the_file(tmp_path):
    path = write(tmp_path, "bad.yaml", BASE.replace("train: all}", "train: all, refit_decorrelatorz: true}"))
    with pytest.raises(config.ConfigError, match=r"bad\.yaml: stages\[0\] \(one\): unknown key 'refit_decorrelatorz'"):
        config.load(path)


def test_unknown_keys_anywhere_are_refused(tmp_path):
    base = write(tmp_path, "base.yaml", BASE)
    variant = write(tmp_path, "variant.yaml", "base: base.yaml\nname: v\nwidht: 8\n")
    with pytest.raises(config.ConfigError, match=r"variant\.yaml: unknown key 'widht'"):
        config.load(variant)
    rx = write(tmp_path, "rx.yaml", BASE.replace("snr_db: 10.0}", "snr_db: 10.0, lamda: 3}"))
    with pytest.raises(config.ConfigError, match=r"rx\.yaml: receivers\[0\]: unknown key 'lamda'"):
        config.load(rx)
    with pytest.raises(config.ConfigError, match="--set tua=2: unknown key 'tua'"):
        config.load(base, ["tua=2"])


def test_missing_and_mistyped_values(tmp_path):
    with pytest.raises(config.ConfigError, match=r"m\.yaml: missing 'channel_uses'"):
        config.load(write(tmp_path, "m.yaml", BASE.replace("channel_uses: 16\n", "")))
    with pytest.raises(config.ConfigError, match=r"'epochs': expected an integer"):
        config.load(write(tmp_path, "e.yaml", BASE.replace("epochs: 1", "epochs: one")))
    with pytest.raises(config.ConfigError, match="loss names receiver 2"):
        config.load(write(tmp_path, "l.yaml", BASE.replace("loss: [1]", "loss: [2]")))
    with pytest.raises(config.ConfigError, match="config file not found"):
        config.load(str(tmp_path / "nowhere.yaml"))


def test_an_older_checkpoints_plain_dict_equals_the_typed_config():
    import yaml
    with open(os.path.join(CONFIGS, "deepscm.yaml")) as f:
        raw = yaml.safe_load(f)  # what checkpoints held before typed configs
    from semcom_train import train
    assert train.same_config(raw, config.load(os.path.join(CONFIGS, "deepscm.yaml")))
    assert not train.same_config(dict(raw, width=16), config.load(os.path.join(CONFIGS, "deepscm.yaml")))


def test_set_reads_exponent_numbers_and_refuses_non_finite(tmp_path):
    base = write(tmp_path, "base.yaml", BASE)
    assert config.load(base, ["lr=1e-3"]).lr == pytest.approx(1e-3)  # YAML 1.1 reads 1e-3 as a string
    with pytest.raises(config.ConfigError, match=r"'lr': expected a finite number, got nan"):
        config.load(base, ["lr=.nan"])
    with pytest.raises(config.ConfigError, match=r"'lr': expected a finite number, got 'fast'"):
        config.load(base, ["lr=fast"])


def test_modulator_lr_scale_makes_its_own_adam_group(tmp_path):
    import torch
    from semcom_train import data, schemes, train
    cfg = config.load(write(tmp_path, "base.yaml", BASE), ["modulator_lr_scale=60"])
    model = schemes.get(cfg.scheme).build(cfg, data.fashion_mnist("test").subset(8))
    groups = train.param_groups(model, cfg)
    assert [g["lr_scale"] for g in groups] == [1.0, 60.0]
    modulator = {id(p) for p in model.modulators.parameters()}
    assert {id(p) for p in groups[1]["params"]} == modulator
    assert not modulator & {id(p) for p in groups[0]["params"]}
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))
    one = train.param_groups(model, config.load(write(tmp_path, "b1.yaml", BASE)))
    assert len(one) == 1 and one[0]["lr_scale"] == 1.0
    opt = torch.optim.Adam(groups, lr=1e-3)
    assert len(opt.param_groups) == 2
