"""ASC (issue #14): the mask rule the C++ side implements, the closed-form CLUB bound, the eta fit,
the manifest's asc object, Grad-CAM, and a smoke training + export with the asc object."""

import dataclasses
import json
import math
import os

import numpy as np
import pytest
import torch

from conftest import CONFIGS
from semcom_train import asc, channels, data, export, train
from semcom_train.__main__ import load_config
from semcom_train.schemes import asc as scheme_asc
from semcom_train.schemes import mijscc


def test_mask_rule_count_and_which_features():
    k = 64
    order = torch.randperm(k, generator=torch.Generator().manual_seed(3))
    for j in range(k + 1):
        o = j / k  # every grid point, including ones where o*K is 0.99999... in floating point
        assert scheme_asc.dropped_count(o, k) == j
        m = scheme_asc.keep_mask(order, o)
        assert int(m.sum()) == k - j
        assert torch.all(m[order[:j]] == 0) and torch.all(m[order[j:]] == 1)
        kept = scheme_asc.kept_indices(order, o)
        assert kept.tolist() == sorted(order[j:].tolist())
    # off-grid ratios round down; 0.65 and 0.8 of 64
    assert scheme_asc.dropped_count(0.65, 64) == 41 and scheme_asc.dropped_count(0.8, 64) == 51
    assert scheme_asc.dropped_count(0.5, 64) == 32 and scheme_asc.dropped_count(1.0, 64) == 64
    assert scheme_asc.dropped_count(0.3, 10) == 3  # 0.3*10 = 2.9999999999999996 in binary
    with pytest.raises(ValueError):
        scheme_asc.dropped_count(1.5, 64)


def test_analog_link_power_and_noise_follow_the_project_convention():
    torch.manual_seed(0)
    s = torch.rand(4000, 64) * 3
    keep = scheme_asc.keep_mask(torch.arange(64), 21 / 64)  # 43 kept: 22 symbols, the last half empty
    r, x, y = scheme_asc.analog_link(s, keep, 0.0)
    symbols = math.ceil(43 / 2)
    torch.testing.assert_close((x ** 2).sum(1), torch.full((4000,), float(symbols)))  # unit power per symbol
    assert torch.all(r[:, keep == 0] == 0) and torch.all(x[:, keep == 0] == 0)
    # noise per real feature sigma^2 / 2 with sigma^2 = 10^(-SNR/10), as channels.channel's CN(0, sigma^2)
    n = (y - x)[:, keep == 1]
    assert abs(n.var().item() - 0.5) < 0.01
    ref, _ = channels.channel(torch.zeros(4000, 32, dtype=torch.complex64), 0.0)
    assert abs(channels.to_real(ref).var().item() - n.var().item()) < 0.02
    # the receiver sees s + noise / gain
    gain = x[:, keep == 1][:, 0] / s[:, keep == 1][:, 0]
    torch.testing.assert_close(r[:, keep == 1], s[:, keep == 1] + n / gain[:, None], atol=1e-4, rtol=1e-4)


def test_club_awgn_matches_its_analytic_value():
    """For x ~ N(0, P I_d) and y = x + N(0, s_r^2 I_d) the CLUB bound is E||x_i - x_j||^2 / (2 s_r^2)
    = d P / s_r^2 (plus the noise terms, which cancel); it is >= I(X;Y) = (d/2) log(1 + P / s_r^2)."""
    torch.manual_seed(1)
    b, d, p = 2000, 16, 1.0
    snr_db = 3.0
    nv = 10 ** (-snr_db / 10)
    sr2 = nv / 2
    x = torch.randn(b, d) * math.sqrt(p)
    y = x + torch.randn(b, d) * math.sqrt(sr2)
    est = scheme_asc.club_awgn(x, y, torch.full((b,), snr_db)).item()
    analytic = d * p / sr2 * (1 - 1 / b)  # mean over i,j includes i = j
    assert abs(est - analytic) / analytic < 0.03
    assert est >= 0.5 * d * math.log(1 + p / sr2)
    # limits: no dependence between x and y -> about 0; more noise -> smaller bound
    y_ind = torch.randn(b, d)
    assert abs(scheme_asc.club_awgn(torch.zeros(b, d), y_ind, torch.full((b,), snr_db)).item()) < 1e-3
    assert scheme_asc.club_awgn(x, y, torch.full((b,), -5.0)) < scheme_asc.club_awgn(x, y, torch.full((b,), 5.0))


def test_eta_fit_recovers_known_zeta():
    # Table IV (b), ResNet 0 dB, and a made-up smooth one
    for zeta in ([-2.893e-16, 35.68, 0.9482, -0.04151], [-6.205e-08, 16.45, 0.9228, -0.06917],
                 [-1e-3, 6.0, 0.85, -0.2]):
        o = np.arange(65) / 64
        pts = [[float(a), float(b)] for a, b in zip(o, np.clip(asc.eta_model(zeta, o), 0, 1))]
        fit = asc.fit_eta(pts)
        assert fit["rmse"] < 2e-3, (zeta, fit)
        pred = asc.eta_model(fit["zeta"], o)
        assert np.max(np.abs(np.clip(pred, 0, 1) - np.array([p[1] for p in pts]))) < 1e-2
        assert abs(fit["zeta"][2] - zeta[2]) < 0.01 and abs(fit["zeta"][3] - zeta[3]) < 0.03
        assert fit["zeta"][0] < 0
        # the fast term's log-coefficient and rate agree where they matter (o near 1)
        assert abs(fit["zeta"][0] * math.exp(fit["zeta"][1]) - zeta[0] * math.exp(zeta[1])) < 0.05


def test_quantize_kept_uses_the_range_of_the_kept_features_only():
    s = torch.tensor([[0.0, 10.0, 1.0, 2.0, 3.0]])
    keep = torch.tensor([1.0, 0.0, 1.0, 1.0, 1.0])
    q = scheme_asc.quantize_kept(s, keep, 2)  # kept range [0, 3], 4 levels: exact
    torch.testing.assert_close(q, torch.tensor([[0.0, 0.0, 1.0, 2.0, 3.0]]))
    torch.testing.assert_close(q[:, keep == 1], mijscc.quantize_ste(s[:, keep == 1], 2))


def test_gradcam_equals_pooled_gradient():
    cfg = load_config(os.path.join(CONFIGS, "asc.yaml"))
    torch.manual_seed(0)
    test = data.fashion_mnist("test").subset(16)
    model = scheme_asc.ASCScheme().build(cfg, test)
    w = scheme_asc.gradcam_batch(model, test.images, test.fine)
    s = model.encoder(test.images).detach().requires_grad_(True)
    model.receiver(s).gather(1, test.fine[:, None]).sum().backward()
    torch.testing.assert_close(w, s.grad / 49, atol=1e-6, rtol=1e-5)
    assert asc.order_of([0.3, -1.0, 0.3, 2.0]) == [1, 0, 2, 3]


def complete_object(k=8):
    imp = list(np.linspace(-1, 1, k))
    pts = [[j / k, 0.9 - 0.5 * (j / k) ** 4] for j in range(k + 1)]
    return {"features": k, "bits_per_feature": 8, "importance_method": "gradcam-mean-trueclass",
            "importance": imp, "order": list(range(k)), "dropped_rule": "floor(o*K+1e-9) first entries of order",
            "eta": [{"path": "digital", "snr_db": None, "zeta": [-1e-3, 5.0, 0.9, -0.1], "rmse": 0.01, "points": pts},
                    {"path": "analog", "snr_db": 0.0, "zeta": [-1e-3, 5.0, 0.9, -0.1], "rmse": 0.01, "points": pts}]}


def test_asc_object_checks():
    asc.check_asc_object(complete_object())
    for breakage in (lambda o: o.pop("order"), lambda o: o.__setitem__("order", [0, 0, 1, 2, 3, 4, 5, 6]),
                     lambda o: o["importance"].pop(), lambda o: o.__setitem__("order", list(range(8))[::-1]),
                     lambda o: o["eta"].pop(0), lambda o: o["eta"][1].__setitem__("snr_db", None),
                     lambda o: o["eta"][0].__setitem__("zeta", [1, 2, 3])):
        obj = complete_object()
        breakage(obj)
        with pytest.raises(ValueError):
            asc.check_asc_object(obj)


def test_smoke_training_analyse_export(tmp_path):
    torch.set_num_threads(1)
    cfg = load_config(os.path.join(CONFIGS, "asc_dropout.yaml"))
    cfg = cfg.replace(stages=tuple(dataclasses.replace(s, epochs=2) for s in cfg.stages), width=8,
                      importance_images=200)
    ckpt = str(tmp_path / "ckpt")
    _, history = train.train(cfg, ckpt, threads=1, limit=1024)
    assert history[-1]["loss"] < history[0]["loss"] and history[-1]["dropped"] > 0
    test = data.fashion_mnist("test").subset(300)
    train_set = data.fashion_mnist("train").subset(400)
    model, cfg_trained, _ = train.load_trained(cfg, ckpt, test)
    with pytest.raises(ValueError, match="analyse"):
        export.export(model, cfg_trained, test, str(tmp_path / "models"), "pytest", images=100)
    obj, extra = asc.analyse(model, cfg_trained, train_set, test, draws=1)
    asc.check_asc_object(obj)
    assert len(obj["eta"]) == 4 and len(obj["eta"][0]["points"]) == 65
    model.analysis = obj
    # the asc object survives the state dict (what analyse stores in weights.pt)
    again = scheme_asc.ASCScheme().build(cfg_trained, test)
    again.load_state_dict(model.state_dict())
    assert again.analysis == obj
    manifests = export.export(model, cfg_trained, test, str(tmp_path / "models"), "pytest", images=100)
    enc, dec = manifests
    assert enc["transmit"] == {"kind": "quantized", "receivers": 1, "snr_inputs": "none",
                               "side_info": ["quantizer_range"]}
    assert enc["outputs"][0]["role"] == "features" and enc["outputs"][0]["shape"] == [-1, 64]
    assert dec["inputs"][0]["role"] == "symbols" and dec["inputs"][0]["shape"] == [-1, 64]
    assert enc["channel_uses"] == 32 and dec["outputs"][0]["task"] == "fine"
    with open(tmp_path / "models" / f"{cfg.name}_rx1.json") as f:
        on_disk = json.load(f)
    assert on_disk["asc"] == json.loads(json.dumps(obj)) and enc["asc"] == dec["asc"]
    for row in export.reload_check(cfg_trained, test, str(tmp_path / "models")):
        assert abs(row[2] - row[3]) < 1e-6
    # the decoder file takes [B, K] and [B, K/2, 2] alike
    d, _ = export.load_exported(str(tmp_path / "models" / f"{cfg.name}_rx1.pt"))
    z = torch.randn(3, 64)
    torch.testing.assert_close(d(z), d(z.reshape(3, 32, 2)))
    assert asc.verify(cfg_trained, test, str(tmp_path / "models"), draws=1) < 1e-6
