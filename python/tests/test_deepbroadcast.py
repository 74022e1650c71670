"""DeepBroadcast (issue #12): the architecture's sizes, per-image SNR inputs and power, the
bottleneck's KL, the digital variant's points, the baselines' parameter matching, the evaluation
grid's pairing, and a smoke training + export whose manifests the C++ runtime reads."""

import json
import math
import os

import pytest
import torch

from conftest import CONFIGS
from semcom_train import channels, config, data, deepbroadcast, export, train
from semcom_train.schemes import deepbroadcast as db
from semcom_train.schemes import get


def cfg_of(case="c", **changes):
    return config.load(os.path.join(CONFIGS, f"deepbroadcast_{case}.yaml")).replace(**changes)


@pytest.fixture(scope="module")
def test_set():
    return data.load("fashion-mnist", "test").subset(256)


def build(cfg, dataset):
    torch.manual_seed(0)
    return get(cfg.scheme).build(cfg, dataset)


def test_two_user_size_is_the_papers(test_set):
    """The official 2-user model has 28,818 parameters with one input channel and 16-unit
    decoders; ours differs only by the decoders' 64 hidden units and LayerNorm/PReLU details."""
    cfg = cfg_of("b", hidden=16)
    n = db.param_count(build(cfg, test_set))
    assert abs(n - 28818) / 28818 < 0.03, n


def test_baselines_match_the_parameter_count(test_set):
    ref = db.param_count(build(cfg_of(), test_set))
    for v in ("mtoc", "mtoc_snr", "unicast"):
        n = db.param_count(build(cfg_of(variant=v), test_set))
        assert abs(n - ref) / ref < 0.05, (v, n, ref)


def test_unit_power_per_image_and_per_image_snr(test_set):
    cfg = cfg_of()
    model = build(cfg, test_set).eval()
    x = test_set.images[:6]
    snr = torch.tensor([[-5.0, 0, 19], [19, 19, 19], [3, 4, 5], [0, 0, 0], [10, -5, 2], [7, 7, -5]])
    with torch.no_grad():
        z, kl, levels = model.encode(x, snr)
        assert levels is None and len(z) == 3 and z[0].shape == (6, 16)
        power = (z[0] ** 2).sum(1) / 8  # per complex symbol
        torch.testing.assert_close(power, torch.ones(6))
        # each image's symbols depend on its own SNR row only (not the batch's)
        for i in range(6):
            zi, _, _ = model.encode(x[i:i + 1], snr[i:i + 1])
            torch.testing.assert_close(zi[0][0], z[0][i], atol=1e-5, rtol=1e-5)
        # the SNR matters, and SNRs beyond the training range are clamped to it
        a, _, _ = model.encode(x[:1], torch.tensor([[0.0, 0, 0]]))
        b, _, _ = model.encode(x[:1], torch.tensor([[0.0, 0, 15]]))
        assert (a[0] - b[0]).abs().max() > 1e-4
        c, _, _ = model.encode(x[:1], torch.tensor([[30.0, -20, 19]]))
        d, _, _ = model.encode(x[:1], torch.tensor([[19.0, -5, 19]]))
        torch.testing.assert_close(c[0], d[0])


def test_kl_is_the_closed_form_of_the_gaussian_bottleneck(test_set):
    model = build(cfg_of(), test_set).train()
    x, snr = test_set.images[:4], torch.zeros(4, 3)
    feat = model.extractor(x)
    mu, sigma = model.tces[2](feat, model.snr_inputs(snr)[:, 2:3])
    ref = torch.distributions.kl_divergence(torch.distributions.Normal(mu, sigma),
                                            torch.distributions.Normal(0.0, 1.0)).sum(1)
    _, kl, _ = model.encode(x, snr)
    torch.testing.assert_close(kl[2], ref, atol=1e-3, rtol=1e-4)
    assert torch.all(sigma > 0) and mu.abs().max() <= 10.0
    # e2e: no bottleneck, no KL; evaluation is deterministic for both
    e2e = build(cfg_of(variant="e2e"), test_set).train()
    assert e2e.encode(x, snr)[1] is None
    model.eval()
    torch.testing.assert_close(model.encode(x, snr)[0][0], model.encode(x, snr)[0][0])


def test_digital_variant_sends_16qam_points_whose_indices_the_radio_maps(test_set):
    cfg = cfg_of(layers=["16qam"], scheme="deepbroadcast_16qam")
    model = build(cfg, test_set).eval()
    x, snr = test_set.images[:32], torch.full((32, 3), 5.0)
    with torch.no_grad():
        z, _, levels = model.encode(x, snr)
        idx = db.BroadcastEncoder(model)(x, snr)
    sym = db.symbols(z[0])
    points = channels.constellation_points("16qam")
    torch.testing.assert_close(points[idx], sym)
    assert idx.dtype == torch.long and idx.min() >= 0 and idx.max() < 16
    # straight-through: the gradient reaches the encoder
    model.train()
    z, _, _ = model.encode(x, snr)
    z[0].sum().backward()
    assert model.fusion[0].weight.grad.abs().sum() > 0


def test_training_loss_weights_and_kl(test_set):
    cfg = cfg_of()
    scheme = get("deepbroadcast")
    model = build(cfg, test_set)
    x, fine, coarse = test_set.images[:64], test_set.fine[:64], test_set.coarse[:64]
    loss, stats = scheme.training_loss(model, cfg, cfg.stages[0], x, fine, coarse)
    assert torch.isfinite(loss) and stats["kl"] > 0 and set(stats) >= {"acc1", "acc2", "acc3", "kl"}
    loss.backward()
    for name in ("extractor", "tces.0", "gcfs.2", "fusion", "decoders.1"):
        grads = [p.grad for n, p in model.named_parameters() if n.startswith(name)]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), name
    with pytest.raises(ValueError, match="task_weights"):
        scheme.build(cfg.replace(task_weights=[0.5, 0.5]), test_set)
    with pytest.raises(ValueError, match="variant"):
        scheme.build(cfg.replace(variant="nonsense"), test_set)


def test_binary_task_is_long_sleeve_tops(test_set):
    labels = data.binary_labels(test_set.fine, "fashion-mnist")
    assert torch.equal(labels.bool(), (test_set.fine == 2) | (test_set.fine == 4) | (test_set.fine == 6))
    with pytest.raises(ValueError):
        data.binary_labels(test_set.fine, "cifar-10")
    with pytest.raises(config.ConfigError, match="task"):
        config.Receiver(task="medium", snr_db=1.0)


def test_grid_is_paired_and_sees_the_mismatch(test_set, tmp_path):
    cfg = cfg_of()
    model = build(cfg, test_set).eval()
    small = test_set.subset(100)
    modes = {"othersgrid": 0.0, "told+6": 6.0}
    a = deepbroadcast.evaluate_grid(model, cfg, small, grid=[-5.0, 10.0], modes=modes)
    b = deepbroadcast.evaluate_grid(model, cfg, small, grid=[-5.0, 10.0], modes=modes)
    assert a == b and len(a) == 2 * 3 * 2  # modes x receivers x SNRs, reproducible
    assert all(0.0 <= r["accuracy"] <= 1.0 for r in a)


def test_summary_pairs_seeds_and_reports_targets():
    rows = []
    for seed, (d, m) in enumerate([(0.80, 0.78), (0.82, 0.79), (0.81, 0.80)], start=1):
        for variant, v in (("deepbroadcast", d), ("mtoc", m)):
            for snr in deepbroadcast.GRID_DB:
                rows.append({"case": "C", "variant": variant, "seed": seed, "receiver": 3, "task": "fine",
                             "channel": "rician:2", "mode": "othersgrid", "snr_db": snr, "value": v})
    p = deepbroadcast.paired(deepbroadcast.metric_by_seed(rows, "C", "deepbroadcast", 3, "othersgrid"),
                             deepbroadcast.metric_by_seed(rows, "C", "mtoc", 3, "othersgrid"))
    assert p["seeds"] == 3 and abs(p["mean"] - 0.02) < 1e-9
    assert abs(p["half"] - 4.303 * p["std"] / math.sqrt(3)) < 1e-12
    text = "\n".join(deepbroadcast.summary_lines(rows))
    assert "DeepBroadcast − mtoc ≥ 1 pt" in text and "| yes (mean only" in text  # +2 pt, interval [-0.5, 4.5]
    assert deepbroadcast.met(p, 0.03) == "**no**" and deepbroadcast.met(p, 0.0) == "yes (mean only: the interval reaches below)"


def test_smoke_training_exports_an_analog_all_receivers_family(test_set, tmp_path):
    cfg = cfg_of(name="db_smoke")
    out = tmp_path / "ckpt"
    train.train(cfg, str(out), threads=1, limit=256, epochs_scale=0.05)
    model, cfg_trained, _ = train.load_trained(cfg, str(out), test_set)
    mans = export.export(model, cfg_trained, test_set, str(tmp_path / "models"), "test", images=64)
    enc = mans[0]
    assert enc["transmit"] == {"kind": "analog", "receivers": 3, "snr_inputs": "all_receivers",
                               "side_info": ["quantizer_range"]}
    assert [i["role"] for i in enc["inputs"]] == ["image", "snr_db"] and enc["inputs"][1]["shape"] == [-1, 3]
    assert enc["outputs"][0]["shape"] == [-1, 16] and enc["channels"] == ["awgn", "rayleigh", "rician:2"]
    assert [m["tasks"] for m in mans[1:]] == [["coarse"], ["binary"], ["fine"]]
    assert [m["outputs"][0]["shape"] for m in mans[1:]] == [[-1, 4], [-1, 2], [-1, 10]]
    assert all([i["role"] for i in m["inputs"]] == ["symbols"] for m in mans[1:])
    for rx, key, before, after in export.reload_check(cfg_trained, test_set, str(tmp_path / "models")):
        assert abs(before - after) < 1e-6
    with open(tmp_path / "models" / "db_smoke_rx3.json") as f:
        assert json.load(f)["deepbroadcast"]["snr_clamp_db"] == [[-5.0, 19.0]] * 3


def test_unicast_and_recovery_are_not_exported(test_set, tmp_path):
    scheme = get("deepbroadcast")
    for cfg in (cfg_of(variant="unicast"), cfg_of("a")):
        model = build(cfg.replace(width=4, channel_uses=8) if cfg.channel_uses > 8 else cfg, test_set)
        with pytest.raises(ValueError, match="Python only"):
            scheme.encoder_module(model, cfg, test_set)


def test_run_names_and_scheme_rows(test_set):
    assert deepbroadcast.parse_run("deepbroadcast_c_variantmtoc_snr_seed2") == ("C", "mtoc_snr", 2)
    assert deepbroadcast.parse_run("deepbroadcast_c16qam_variantdeepbroadcast_seed1") == ("C", "deepbroadcast_16qam", 1)
    assert deepbroadcast.parse_run("deepbroadcast_c_variantmtoc_seed3_matchparamsFalse") == \
        ("C", "mtoc_matchparamsfalse", 3)
    with pytest.raises(ValueError):
        deepbroadcast.parse_run("deepscm_conv")
    with pytest.raises(ValueError, match="deepbroadcast_16qam"):
        get("deepbroadcast").build(cfg_of(layers=["16qam"]), test_set)
    with pytest.raises(ValueError, match="layers"):
        get("deepbroadcast_16qam").build(cfg_of(scheme="deepbroadcast_16qam"), test_set)
    cfg = config.load(os.path.join(CONFIGS, "deepbroadcast_c16qam.yaml"))
    assert get(cfg.scheme).transmit_section(cfg).kind == "indices"


def test_snr_sensitivity_is_zero_without_snr_inputs(test_set):
    small = test_set.subset(64)
    mtoc = deepbroadcast.snr_sensitivity(build(cfg_of(variant="mtoc"), small), cfg_of(variant="mtoc"), small)
    assert all(v == 0.0 for k, v in mtoc.items() if k != "other_image") and mtoc["other_image"] > 0.0
    full = deepbroadcast.snr_sensitivity(build(cfg_of(), small), cfg_of(), small)
    assert full["all+6"] > 0.0 and full["rx3+6"] > 0.0


def test_decoder_snr_experiment_feeds_each_decoder_its_own_snr(test_set):
    cfg = cfg_of(decoder_snr=True)
    model = build(cfg, test_set)
    x, fine, coarse = test_set.images[:32], test_set.fine[:32], test_set.coarse[:32]
    loss, _ = get("deepbroadcast").training_loss(model, cfg, cfg.stages[0], x, fine, coarse)
    loss.backward()
    assert model.decoders[2].net[0].weight.grad[:, -1].abs().sum() > 0  # the SNR column learns
    seen = torch.zeros(2, 16)
    a = model.decode(2, seen, torch.tensor([[0.0, 0, -5], [0.0, 0, 19]]))
    assert (a[0] - a[1]).abs().max() > 0
    with pytest.raises(ValueError, match="Python only"):
        get("deepbroadcast").encoder_module(model, cfg, test_set)


def test_digital_training_penalises_power_above_one(test_set):
    cfg = cfg_of(layers=["16qam"], scheme="deepbroadcast_16qam")
    model = build(cfg, test_set)
    with torch.no_grad():  # push every real to a corner level: P = 1.8 per symbol
        model.fusion[2].bias.fill_(5.0)
    x, fine, coarse = test_set.images[:32], test_set.fine[:32], test_set.coarse[:32]
    loss, stats = get(cfg.scheme).training_loss(model, cfg, cfg.stages[0], x, fine, coarse)
    assert abs(stats["power"] / 32 - 1.8) < 0.05
    loss.backward()
    assert model.fusion[2].bias.grad.sum() > 0  # descending lowers the power


def test_bottleneck_stats_and_channel_bits(test_set):
    model = build(cfg_of(), test_set)
    rows = deepbroadcast.bottleneck_stats(model, cfg_of(), test_set.subset(64))
    assert [r["receiver"] for r in rows] == [1, 2, 3]
    assert all(r["kl_nats"] > 0 and r["e_sigma2"] > 0 for r in rows)
    assert abs(deepbroadcast.channel_bits(8, 0.0) - 8.0) < 1e-9  # log2(1 + 1) per use
