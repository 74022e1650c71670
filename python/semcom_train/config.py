#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Typed training configs: the YAML files of python/configs as dataclasses, with every default
in this file and nowhere else.

- `load(path, overrides)`: the YAML file; `base: OTHER.yaml` takes OTHER (relative to this file)
  and puts this file's top-level entries on top of it; `--set KEY=VALUE` overrides (VALUE parsed
  as YAML) rename the run to NAME_KEYVALUE (except `name` itself), so variants keep their files.
- Unknown keys are refused, at the top level, in a receiver and in a stage, with the key and the
  file named (a misspelt `refit_decorrelatorz` is an error, not a silent no-op).
- `Config.to_dict()` is the YAML form with every default filled in (what checkpoints store);
  `from_dict` reads it back, and reads the plain dicts older checkpoints stored.

Which scheme uses which entry is said at each field; a scheme ignores the entries of others.
"""

import dataclasses
import math
import os
from dataclasses import dataclass, field
from typing import List, Optional, Tuple, Union

import yaml


class ConfigError(ValueError):
    """A config that cannot be used; the message names the file and the key."""


# --- value checks (each returns the value in its canonical type or raises ConfigError) ---

def _int(v, where):
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(f"{where}: expected an integer, got {v!r}")
    return v


def _float(v, where):
    if isinstance(v, str):  # YAML 1.1 reads 1e-3 (no dot) as a string
        try:
            v = float(v)
        except ValueError:
            pass
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise ConfigError(f"{where}: expected a finite number, got {v!r}")
    return float(v)


def _str(v, where):
    if not isinstance(v, str):
        raise ConfigError(f"{where}: expected a string, got {v!r}")
    return v


def _bool(v, where):
    if not isinstance(v, bool):
        raise ConfigError(f"{where}: expected true or false, got {v!r}")
    return v


def _optional(check):
    return lambda v, where: None if v is None else check(v, where)


def _list(check):
    def f(v, where):
        if not isinstance(v, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {v!r}")
        return [check(x, f"{where}[{i}]") for i, x in enumerate(v)]
    return f


def _snr(v, where):
    """A fixed SNR in dB, or a range [low, high] drawn from per image."""
    if isinstance(v, (list, tuple)):
        if len(v) != 2:
            raise ConfigError(f"{where}: expected a number or a range [low, high], got {v!r}")
        return [_float(x, where) for x in v]
    return _float(v, where)


def _trainable(v, where):
    """`all`, or the parameter-name prefixes a stage trains."""
    if v == "all":
        return v
    return _list(_str)(v, where)


def _opt(default, check, key=None, doc=""):
    """A field with a default (the only place that default is written)."""
    meta = {"check": check, "key": key, "doc": doc}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def _req(check, key=None, doc=""):
    return field(metadata={"check": check, "key": key, "doc": doc, "required": True})


TASKS = ("coarse", "fine", "binary", "image")


@dataclass(frozen=True)
class Receiver:
    task: str = _req(_str, doc="coarse or fine (the label set it classifies; the image always); DeepBroadcast "
                     "also binary (long-sleeve tops {2, 4, 6} against the rest) and image (recovery only)")
    snr_db: Union[float, List[float]] = _req(_snr, doc="training SNR in dB, or [low, high] drawn per image")
    channel: str = _opt("awgn", _str, doc="awgn, rayleigh or rician:K")
    lam: float = _opt(100.0, _float, key="lambda", doc="weight of the image MSE against the task's CE")
    index_groups: Optional[int] = _opt(None, _optional(_int), doc="U-DeepSC: indices sent per kept token for this "
                                       "task (the first g of the config's index_groups; default all)")
    rho_l1: Optional[float] = _opt(None, _optional(_float), doc="U-DeepSC: this task's l1 weight on rho "
                                   "(default the config's rho_l1)")
    keep_schedule: List[float] = _opt([], _list(_float), doc="U-DeepSC: [kept fraction at 0 dB, at 18 dB], linear in "
                                      "the SNR, clamped at the ends, instead of the learned rho network ([]: learned)")
    eval_snr_db: Optional[float] = _opt(None, _optional(_float),
                                        doc="SNR of the metrics at export (default: snr_db, or its high end)")

    def __post_init__(self):
        if self.task not in TASKS:
            raise ConfigError(f"task must be one of {', '.join(TASKS)}, not '{self.task}'")

    @property
    def snr_range(self):
        """(low, high): a fixed SNR is the range (snr, snr)."""
        if isinstance(self.snr_db, list):
            return tuple(self.snr_db)
        return self.snr_db, self.snr_db

    @property
    def measure_snr_db(self):
        """The SNR the metrics at export are measured at."""
        if self.eval_snr_db is not None:
            return float(self.eval_snr_db)
        return float(self.snr_range[1])


@dataclass(frozen=True)
class Stage:
    name: str = _req(_str)
    epochs: int = _req(_int)
    loss: List[int] = _req(_list(_int), doc="receiver numbers (1-based) in this stage's loss")
    train: Union[str, List[str]] = _req(_trainable, doc="'all' or the parameter-name prefixes trained")
    lr: Optional[float] = _opt(None, _optional(_float), doc="learning rate (default: the config's lr)")
    active_layers: Optional[int] = _opt(None, _optional(_int),
                                        doc="DeepSCM: transmit only the first K layers (stage 1)")
    labelled: Optional[float] = _opt(None, _optional(_float),
                                     doc="semi-supervised: this stage sees only this fraction of the images")
    refit_decorrelators: bool = _opt(False, _bool,
                                     doc="DeepSCM: closed-form LMMSE decorrelators before every epoch and at the end")


@dataclass(frozen=True)
class Config:
    # --- every scheme ---
    name: str = _req(_str, doc="run name: checkpoints/NAME, models/NAME_*.pt")
    scheme: str = _req(_str, doc="a registered scheme (semcom_train.schemes.names())")
    channel_uses: int = _req(_int, doc="complex channel uses per image")
    receivers: Tuple[Receiver, ...] = _req(None)
    stages: Tuple[Stage, ...] = _req(None)
    dataset: str = _opt("fashion-mnist", _str)
    data_root: Optional[str] = _opt(None, _optional(_str), doc="dataset folder (CIFAR)")
    train_images: Optional[int] = _opt(None, _optional(_int), doc="train on a fixed subset of this size")
    init_from: Optional[str] = _opt(None, _optional(_str), doc="start from the weights of this run")
    seed: int = _opt(1, _int)
    batch_size: int = _opt(128, _int)
    lr: float = _opt(1e-3, _float)
    lr_schedule: str = _opt("constant", _str, doc="constant, or cosine: each stage's rate falls to 1 % of "
                            "its start along a half cosine over its epochs")
    eval_snr_db: List[float] = _opt([-10.0, -5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0], _list(_float),
                                    doc="evaluate's test SNRs")
    width: int = _opt(32, _int, doc="convolution width of encoders and image decoders")
    hidden: int = _opt(512, _int, doc="decoder trunk width")
    # --- DeepSCM and CM (superposition) ---
    layers: List[str] = _opt([], _list(_str), doc="constellation per layer, e.g. [4qam, 16qam]")
    alphas: List[float] = _opt([], _list(_float), doc="power share per layer")
    feature_dim: Optional[int] = _opt(None, _optional(_int), doc="features per encoder")
    architecture: str = _opt("mlp", _str, doc="mlp or conv")
    tau: float = _opt(1.7, _float, doc="Gumbel-softmax temperature")
    feature_norm: bool = _opt(False, _bool, doc="DeepSCM: unit-scale features (LayerNorm)")
    beta: float = _opt(2.0, _float, doc="weight of the second and further receivers' losses")
    modulator_lr_scale: float = _opt(1.0, _float, doc="learning rate of the probabilistic modulators (the "
                                     "probability layers) as a multiple of the stage's (the DeepSCM paper: 60)")
    # --- MIJSCC and A-MIJSCC ---
    bits: Optional[int] = _opt(None, _optional(_int), doc="quantizer bits; null: analog")
    mi_lambda: float = _opt(0.01, _float)
    mu_global: float = _opt(0.5, _float)
    mu_local: float = _opt(1.0, _float)
    eta: float = _opt(0.5, _float, doc="A-MIJSCC: mask threshold")
    rate_weight: float = _opt(0.02, _float, doc="A-MIJSCC: weight of the mean mask (symbols sent)")
    # --- ASC ---
    kappa: float = _opt(1e-3, _float, doc="ASC: weight of the CLUB mutual-information bound (0: ablation)")
    drop_train: float = _opt(0.0, _float, doc="ASC: fraction of training images that drop features "
                             "(importance-ordered dropout, ours; 0: the paper's inference-only ASC)")
    drop_max: float = _opt(0.9, _float, doc="ASC: largest ratio dropped in training")
    drop_order: str = _opt("gradcam", _str, doc="ASC dropout: the order dropped in training: gradcam (running "
                           "Grad-CAM weights) or fixed (feature K-1 first: nested dropout)")
    importance_images: int = _opt(10000, _int, doc="ASC: training images the Grad-CAM importance averages over")
    # --- DeepBroadcast (and its baselines) ---
    variant: str = _opt("deepbroadcast", _str, doc="DeepBroadcast: deepbroadcast, e2e (no bottleneck), mtoc, "
                        "mtoc_snr, wlca, wgcf, unicast (schemes/deepbroadcast.py)")
    task_weights: List[float] = _opt([], _list(_float), doc="DeepBroadcast: w_i of each receiver's loss (default 1/N)")
    kl_beta: float = _opt(1e-4, _float, doc="DeepBroadcast: beta of the bottleneck's (beta/N) sum KL_i")
    extractor_strides: List[int] = _opt([2, 2, 2, 1], _list(_int), doc="DeepBroadcast: strides of the 4 "
                                        "extractor convolutions (28x28: 2,2,2,1 -> 4x4; 2,2,1,1 -> 7x7)")
    decoder_snr: bool = _opt(False, _bool, doc="DeepBroadcast (an experiment, not the paper's): each classification "
                             "decoder also takes its own SNR; Python only")
    match_params: bool = _opt(True, _bool, doc="DeepBroadcast baselines: widen the serial encoder's hidden "
                              "layer until the parameter count matches DeepBroadcast's")

    # --- U-DeepSC ---
    encoder_layers: int = _opt(4, _int, doc="U-DeepSC: Transformer encoder blocks (selection before the last two)")
    decoder_layers: int = _opt(6, _int, doc="U-DeepSC: decoder layers, each with an exit head")
    code_dim: int = _opt(32, _int, doc="U-DeepSC: features per token before quantisation (D)")
    codebook_size: int = _opt(16, _int, doc="U-DeepSC: codewords (16: one index = one 16QAM point)")
    index_groups: int = _opt(4, _int, doc="U-DeepSC: indices per kept token (product quantisation, D / G each)")
    ratio_weight: float = _opt(10.0, _float, doc="U-DeepSC: weight of the keep-ratio loss (eq. 18)")
    rho_l1: float = _opt(0.1, _float, doc="U-DeepSC: weight of the l1 penalty on rho (fewer tokens)")
    da_weight: float = _opt(0.1, _float, doc="U-DeepSC: weight of the bounded domain-adaptation loss (0: off)")
    lcm_kappa: float = _opt(0.1, _float, doc="U-DeepSC: RMSE scale of the recovery certainty target (eq. 9)")
    hard_decisions: bool = _opt(False, _bool, doc="U-DeepSC: train on hard index decisions (the official code)")
    selection: bool = _opt(True, _bool, doc="U-DeepSC: dynamic feature selection (false: every token sent)")

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)

    def to_dict(self):
        return _to_dict(self)

    def stage_lr(self, stage):
        return stage.lr if stage.lr is not None else self.lr


_NESTED = {"receivers": Receiver, "stages": Stage}


def _key(f):
    return f.metadata.get("key") or f.name


def _keys(cls):
    return [_key(f) for f in dataclasses.fields(cls)]


def _to_dict(obj):
    out = {}
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        if f.name in _NESTED:
            v = [_to_dict(x) for x in v]
        elif isinstance(v, (list, tuple)):
            v = list(v)
        out[_key(f)] = v
    return out


def check_keys(raw, source, allow_base=False):
    """Refuses unknown keys in one file's entries (top level, receivers, stages)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: expected a mapping of config entries, got {type(raw).__name__}")
    known = _keys(Config) + (["base"] if allow_base else [])
    for k in raw:
        if k not in known:
            raise ConfigError(f"{source}: unknown key '{k}' (known: {', '.join(sorted(known))})")
    for name, cls in _NESTED.items():
        items = raw.get(name)
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            label = f"{name}[{i}]" + (f" ({item.get('name')})" if isinstance(item, dict) and item.get("name") else "")
            if not isinstance(item, dict):
                raise ConfigError(f"{source}: {label}: expected a mapping, got {item!r}")
            for k in item:
                if k not in _keys(cls):
                    raise ConfigError(f"{source}: {label}: unknown key '{k}' "
                                      f"(known: {', '.join(sorted(_keys(cls)))})")


def _build(cls, raw, where):
    kwargs = {}
    for f in dataclasses.fields(cls):
        key = _key(f)
        if key not in raw:
            if f.metadata.get("required"):
                raise ConfigError(f"{where}: missing '{key}'")
            continue
        v = raw[key]
        if f.name in _NESTED:
            if not isinstance(v, (list, tuple)) or not v:
                raise ConfigError(f"{where}: '{key}' must be a non-empty list")
            v = tuple(_build(_NESTED[f.name], item, f"{where}: {key}[{i}]") for i, item in enumerate(v))
        else:
            v = f.metadata["check"](v, f"{where}: '{key}'")
        kwargs[f.name] = v
    try:
        return cls(**kwargs)
    except ConfigError as e:
        raise ConfigError(f"{where}: {e}") from None


def from_dict(raw, source="<dict>"):
    """A Config from a YAML-form dict (unknown keys refused, defaults filled in)."""
    if isinstance(raw, Config):
        return raw
    check_keys(raw, source)
    cfg = _build(Config, raw, source)
    for s in cfg.stages:
        for r in s.loss:
            if not 1 <= r <= len(cfg.receivers):
                raise ConfigError(f"{source}: stage '{s.name}': loss names receiver {r}, "
                                  f"but there are {len(cfg.receivers)}")
    return cfg


def _read(path):
    if not os.path.exists(path):
        raise ConfigError(f"config file not found: {path}")
    with open(path) as f:
        raw = yaml.safe_load(f)
    check_keys(raw if raw is not None else {}, path, allow_base=True)
    raw = dict(raw or {})
    if "base" in raw:  # a variant: the base config (relative to this one) with these entries on top
        base_path = os.path.join(os.path.dirname(path), raw.pop("base"))
        raw = {**_read(base_path), **raw}
    return raw


def load(path, overrides=()):
    """The typed config of a YAML file, with KEY=VALUE overrides."""
    raw = _read(path)
    for item in overrides or ():
        if "=" not in item:
            raise ConfigError(f"--set expects KEY=VALUE, got '{item}'")
        key, value = item.split("=", 1)
        if key not in _keys(Config):
            raise ConfigError(f"--set {item}: unknown key '{key}' (known: {', '.join(sorted(_keys(Config)))})")
        raw[key] = yaml.safe_load(value)
        if key != "name":
            raw["name"] = f"{raw.get('name')}_{key.replace('channel_uses', 'n').replace('_', '')}{value}"
    return from_dict(raw, path)


def describe():
    """Every key with its default and what it is for (python/README.md's table)."""
    lines = []
    for cls, prefix in ((Config, ""), (Receiver, "receivers[]."), (Stage, "stages[].")):
        for f in dataclasses.fields(cls):
            if f.metadata.get("required"):
                default = "required"
            elif f.default_factory is not dataclasses.MISSING:
                default = repr(f.default_factory())
            else:
                default = repr(f.default)
            lines.append(f"{prefix}{_key(f)}: {default}  {f.metadata.get('doc', '')}".rstrip())
    return "\n".join(lines)
