"""Model pieces. The closed-form LMMSE decorrelator: after an unregularised refit, each layer's
residual is uncorrelated with the layers before it (in-sample, to float precision) and no linear
map leaves a smaller residual; the default (ridge-regularised) refit still removes most of the
correlation. The convolutional architecture: both ends agree on which channel use is where."""

import dataclasses
import os

import pytest
import torch

from conftest import CONFIGS
from semcom_train import layers
from semcom_train.__main__ import load_config
from semcom_train.schemes.deepscm import DeepSCM


def small_model(config):
    cfg = load_config(os.path.join(CONFIGS, config)).replace(width=8, hidden=32, feature_dim=16)
    torch.manual_seed(3)
    return DeepSCM(cfg, (1, 28, 28), [4] * len(cfg.receivers))


def cross_covariance(a, b):
    a, b = a.double() - a.double().mean(0), b.double() - b.double().mean(0)
    return a.T @ b / (len(a) - 1)


@pytest.mark.parametrize("config", ["deepscm.yaml", "deepscm_k3.yaml"])
def test_refit_makes_residuals_uncorrelated(config):
    model = small_model(config)
    images = torch.rand(600, 1, 28, 28)
    with torch.no_grad():
        before = model.layer_features(images)
    # a random decorrelator leaves R correlated with U1: the check below can fail
    assert cross_covariance(before[0], before[1]).abs().max() > 1e-2
    model.refit_decorrelators(images, batch=256, ridge=1e-9)
    with torch.no_grad():
        feats = model.layer_features(images)
    scale = feats[1].double().var(0).mean().sqrt() * feats[0].double().var(0).mean().sqrt()
    for k in range(1, len(feats)):
        prior = torch.cat(feats[:k], dim=1)
        assert cross_covariance(prior, feats[k]).abs().max() < 1e-4 * scale, f"layer {k + 1}"
        assert feats[k].mean(0).abs().max() < 1e-4  # the bias takes the mean out


def test_refit_is_the_least_squares_minimum():
    model = small_model("deepscm.yaml")
    images = torch.rand(400, 1, 28, 28)
    model.refit_decorrelators(images, ridge=1e-9)
    dec = model.decorrelators[0]
    with torch.no_grad():
        u1, r = model.layer_features(images)
        best = (r ** 2).mean()
        for _ in range(5):  # any perturbation of W or b leaves more residual power
            w, b = dec.lin.weight.clone(), dec.lin.bias.clone()
            dec.lin.weight.add_(1e-2 * torch.randn_like(w))
            dec.lin.bias.add_(1e-2 * torch.randn_like(b))
            assert (model.layer_features(images)[1] ** 2).mean() > best
            dec.lin.weight.copy_(w)
            dec.lin.bias.copy_(b)


def mean_abs_correlation(a, b):
    a = (a - a.mean(0)) / a.std(0)
    b = (b - b.mean(0)) / b.std(0)
    return (a.T @ b / (len(a) - 1)).abs().mean().item()


def test_default_refit_removes_most_correlation():
    model = small_model("deepscm.yaml")
    images = torch.rand(600, 1, 28, 28)
    with torch.no_grad():
        before = mean_abs_correlation(*model.layer_features(images))
        model.refit_decorrelators(images)
        after = mean_abs_correlation(*model.layer_features(images))
    assert after < 0.5 * before, (before, after)


def test_conv_architecture_channel_use_order():
    """Position p of the grid carries channel uses k P + p at both ends of the link."""
    grid = (4, 4)
    mod = layers.ProbModulator(32, 128, 16, grid=grid)  # 2 feature channels, 8 uses per position
    feat = torch.randn(3, 32)
    with torch.no_grad():
        maps = mod.conv(feat.view(3, 2, 4, 4))  # [B, 8 * 2 * 4, 4, 4]
        logits = mod.logits(feat)  # [B, 128, 2, 4]
    for k, p, axis, level in [(0, 0, 0, 0), (3, 5, 1, 2), (7, 15, 0, 3), (5, 9, 1, 1)]:
        y, x = divmod(p, 4)
        assert logits[1, k * 16 + p, axis, level] == maps[1, (k * 2 + axis) * 4 + level, y, x]
    symbols = torch.arange(128 * 2, dtype=torch.float32).view(1, 128, 2)
    g = layers.symbols_to_grid(symbols, 8, grid)
    for k, p, axis in [(0, 0, 0), (3, 5, 1), (7, 15, 0)]:
        y, x = divmod(p, 4)
        assert g[0, 2 * k + axis, y, x] == symbols[0, k * 16 + p, axis]


def test_conv_architecture_refuses_sizes_off_the_grid():
    cfg = load_config(os.path.join(CONFIGS, "deepscm_conv.yaml"))
    with pytest.raises(ValueError, match="channel_uses .196. must be a multiple"):
        DeepSCM(cfg.replace(channel_uses=196), (1, 28, 28), [4, 10])
    with pytest.raises(ValueError, match="architecture must be mlp or conv"):
        DeepSCM(cfg.replace(architecture="resnet"), (1, 28, 28), [4, 10])


def test_training_refits_once_per_encoder_change(tmp_path, monkeypatch):
    """joint-lmmse (encoders train) then decoders (frozen): fit before and after the joint epoch,
    none again before the decoders' epoch (nothing moved), one after it."""
    from semcom_train import train
    cfg = load_config(os.path.join(CONFIGS, "deepscm_conv.yaml"))
    cfg = cfg.replace(width=8, hidden=32, feature_dim=32, batch_size=64,
                      stages=tuple(dataclasses.replace(s, epochs=1) for s in cfg.stages if s.refit_decorrelators))
    calls = []
    real = DeepSCM.refit_decorrelators
    monkeypatch.setattr(DeepSCM, "refit_decorrelators",
                        lambda self, images, **kw: calls.append(len(images)) or real(self, images, **kw))
    torch.set_num_threads(1)
    train.train(cfg, str(tmp_path / "ckpt"), threads=1, limit=128)
    assert calls == [128, 128, 128]


def test_subpixel_decoder_keeps_the_contract_at_a_fraction_of_the_arithmetic():
    """The students' decoder (scripts/finetune_decoders.py --student subpixel): same inputs and
    outputs as the trained conv decoder, no transposed convolution at H/2 or H, under a third of
    its FLOPs per image; other image sizes are cropped like the trained one's."""
    from semcom_train import flops
    from semcom_train.layers import Decoder
    for shape, n in (((1, 28, 28), 128), ((3, 32, 32), 64)):
        grid = (4, 4)
        old = Decoder(n, 10, shape, 32, 512, grid).eval()
        new = Decoder(n, 10, shape, 32, 512, grid, upsampling="subpixel").eval()
        x = (torch.randn(3, n, 2), torch.full((3, 1), 10.0))
        with torch.no_grad():
            (lo, io), (ln, im) = old(*x), new(*x)
        assert lo.shape == ln.shape == (3, 10) and io.shape == im.shape == (3, *shape)
        assert float(im.min()) >= 0 and float(im.max()) <= 1
        f_old, calls_old = flops.count(old, x)
        f_new, calls = flops.count(new, x)
        assert f_new < f_old / 3, (f_new, f_old)
        assert [c for c in calls if c[0] == "conv_transpose"] and \
            all(c[1][-1] <= shape[-1] // 4 + 1 for c in calls if c[0] == "conv_transpose")
    with pytest.raises(ValueError, match="upsampling"):
        Decoder(128, 10, (1, 28, 28), 32, 512, None, upsampling="subpixel")
