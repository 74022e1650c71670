#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Staged training with checkpoints: an interrupted run resumes where it stopped."""

import json
import logging
import math
import os
import time

import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import channels, data, models

log = logging.getLogger("semcom_train")


def build_model(cfg, dataset):
    num_classes = [dataset.num_coarse if rx["task"] == "coarse" else dataset.num_fine
                   for rx in cfg["receivers"]]
    if cfg["scheme"] == "deepscm":
        return models.DeepSCM(cfg, dataset.image_shape, num_classes)
    if cfg["scheme"] == "cm":
        return models.CodedModulation(cfg, dataset.image_shape, num_classes)
    if cfg["scheme"] in ("mijscc", "amijscc"):
        from . import mijscc
        return mijscc.MIJSCC(cfg, dataset.image_shape, num_classes)
    raise ValueError(f"unknown scheme '{cfg['scheme']}' (deepscm, cm, mijscc, amijscc)")


def receiver_loss(model, r, rx, y_eq, snr_db, images, fine, coarse):
    """CE on the receiver's task + lambda * MSE on the image."""
    logits, recon = model.decoders[r](channels.to_real(y_eq), snr_db)
    labels = coarse if rx["task"] == "coarse" else fine
    ce = F.cross_entropy(logits, labels)
    mse = F.mse_loss(recon, images)
    correct = (logits.argmax(1) == labels).float().sum().item()
    return ce + rx.get("lambda", 100.0) * mse, ce.item(), mse.item(), correct


def snr_batch(rx, b):
    """The receiver's training SNR: fixed, or drawn per image from [lo, hi]."""
    snr = rx["snr_db"]
    if isinstance(snr, (list, tuple)):
        return torch.empty(b, 1).uniform_(float(snr[0]), float(snr[1]))
    return torch.full((b, 1), float(snr))


def set_trainable(model, prefixes):
    for name, p in model.named_parameters():
        p.requires_grad = prefixes == "all" or any(name.startswith(pr) for pr in prefixes)


def run_epoch(model, cfg, stage, loader, optimizer, progress):
    model.train()
    active = stage.get("active_layers")
    losses = stage["loss"]  # receiver numbers (1-based) in this stage's loss
    beta = cfg.get("beta", 2.0)
    totals = {"loss": 0.0, "n": 0, "fit": 0.0, "power": 0.0}
    for r in losses:
        totals[f"acc{r}"] = 0.0
        totals[f"mse{r}"] = 0.0
    bar = tqdm(loader, desc=progress, leave=False, disable=None, mininterval=2.0)
    for images, fine, coarse in bar:
        if hasattr(model, "training_loss"):  # schemes with their own objective (MIJSCC)
            loss, stats = model.training_loss(images, fine, coarse, cfg, stage)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            totals["loss"] += loss.item() * len(images)
            totals["n"] += len(images)
            for k, v in stats.items():
                totals[k] = totals.get(k, 0.0) + v
            bar.set_postfix(loss=f"{totals['loss'] / totals['n']:.3f}")
            continue
        y, _, fit = model.encode(images, active)
        power = (y.abs() ** 2).mean()
        loss = 10.0 * fit + 10.0 * F.relu(power - 1.0)
        for j, r in enumerate(losses):
            rx = cfg["receivers"][r - 1]
            snr = snr_batch(rx, len(images))
            y_eq, _ = channels.channel(y, snr[:, 0], rx.get("channel", "awgn"))
            l, _, mse, correct = receiver_loss(model, r - 1, rx, y_eq, snr, images, fine, coarse)
            weight = beta if (len(losses) > 1 and j > 0) else 1.0
            loss = loss + weight * l
            totals[f"acc{r}"] += correct
            totals[f"mse{r}"] += mse * len(images)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals["loss"] += loss.item() * len(images)
        totals["fit"] += float(fit) * len(images)
        totals["power"] += power.item() * len(images)
        totals["n"] += len(images)
        bar.set_postfix(loss=f"{totals['loss'] / totals['n']:.3f}")
    n = totals.pop("n")
    return {k: v / n for k, v in totals.items()}


def train(cfg, out_dir, threads=None, limit=None, restart=False, epochs_scale=1.0):
    """Trains cfg's model; checkpoints in out_dir/checkpoint.pt after every epoch."""
    torch.manual_seed(cfg.get("seed", 1))
    if threads:
        torch.set_num_threads(threads)
    os.makedirs(out_dir, exist_ok=True)
    train_set = data.load(cfg["dataset"], "train", cfg.get("data_root")).subset(limit or cfg.get("train_images"))
    model = build_model(cfg, train_set)
    loader = torch.utils.data.DataLoader(train_set, batch_size=cfg.get("batch_size", 128), shuffle=True,
                                         drop_last=True, generator=torch.Generator().manual_seed(cfg.get("seed", 1)))
    ckpt_path = os.path.join(out_dir, "checkpoint.pt")
    state = {"stage": 0, "epoch": 0, "history": []}
    optimizer = None
    if os.path.exists(ckpt_path) and not restart:
        ckpt = torch.load(ckpt_path)
        if ckpt.get("config") != cfg:
            raise ValueError(f"{ckpt_path} was written for another configuration: use --restart "
                             "to start over, or the config it was trained with")
        model.load_state_dict(ckpt["model"])
        state = ckpt["state"]
        log.info("resuming %s at stage %d epoch %d", cfg["name"], state["stage"] + 1, state["epoch"] + 1)
    elif cfg.get("init_from"):
        # a variant of a trained model (a decoder bank member): start from its weights
        src = os.path.join(os.path.dirname(os.path.abspath(out_dir)), cfg["init_from"], "weights.pt")
        if not os.path.exists(src):
            raise FileNotFoundError(f"init_from: {src} does not exist (train '{cfg['init_from']}' first)")
        model.load_state_dict(torch.load(src)["model"])
        log.info("%s starts from the weights of %s", cfg["name"], src)
    stages = cfg["stages"]
    fresh_fit = False  # decorrelators at their closed-form solution for the encoders as they are
    while state["stage"] < len(stages):
        stage = stages[state["stage"]]
        epochs = max(1, int(round(stage["epochs"] * epochs_scale)))
        set_trainable(model, stage["train"])
        stage_loader = loader
        if stage.get("labelled"):  # semi-supervised: this stage sees only a labelled fraction
            labelled = train_set.subset(max(1, int(len(train_set) * float(stage["labelled"]))), seed=7)
            stage_loader = torch.utils.data.DataLoader(labelled, batch_size=cfg.get("batch_size", 128),
                                                       shuffle=True, drop_last=False)
        params = [p for p in model.parameters() if p.requires_grad]
        optimizer = torch.optim.Adam(params, lr=float(stage.get("lr", cfg.get("lr", 1e-3))))
        if os.path.exists(ckpt_path) and not restart:
            ckpt = torch.load(ckpt_path)
            if ckpt["state"]["stage"] == state["stage"] and "optimizer" in ckpt and ckpt["state"]["epoch"] > 0:
                optimizer.load_state_dict(ckpt["optimizer"])
        refit = stage.get("refit_decorrelators") and hasattr(model, "refit_decorrelators")
        while state["epoch"] < epochs:
            t0 = time.time()
            if refit and not fresh_fit:  # closed-form LMMSE decorrelators for the encoders as they are now
                model.refit_decorrelators(train_set.images)
            desc = f"{cfg['name']} stage {state['stage'] + 1}/{len(stages)} ({stage['name']}) " \
                   f"epoch {state['epoch'] + 1}/{epochs}"
            stats = run_epoch(model, cfg, stage, stage_loader, optimizer, desc)
            fresh_fit = False
            stats.update(stage=stage["name"], epoch=state["epoch"] + 1, seconds=round(time.time() - t0, 1))
            state["history"].append(stats)
            state["epoch"] += 1
            log.info("%s: %s", desc, json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                                  for k, v in stats.items()}))
            torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                        "state": state, "config": cfg}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
        if refit and not fresh_fit:  # the transmitter leaves the stage with its residuals decorrelated
            model.refit_decorrelators(train_set.images)
            fresh_fit = True  # the next stage starts from this fit instead of computing it again
        state["stage"] += 1
        state["epoch"] = 0
        torch.save({"model": model.state_dict(), "state": state, "config": cfg}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
    torch.save({"model": model.state_dict(), "config": cfg, "history": state["history"]},
               os.path.join(out_dir, "weights.pt"))
    return model, state["history"]


def load_trained(cfg, out_dir, dataset):
    path = os.path.join(out_dir, "weights.pt")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no trained weights (run `semcom_train train` first)")
    ckpt = torch.load(path)
    model = build_model(ckpt["config"], dataset)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, ckpt["config"], ckpt.get("history", [])


def received(model, images, snr_t, spec, generator, y=None):
    """What a receiver's decoders see for these images at snr_t [B, 1]: MIJSCC features through
    the channel, or the superposed symbols (y, or encoded here) through it, zero-forced, as reals."""
    if hasattr(model, "receive"):
        return model.receive(images, snr_t, spec, generator)
    if y is None:
        y, _, _ = model.encode(images)
    y_eq, _ = channels.channel(y, snr_t[:, 0], spec, generator=generator)
    return channels.to_real(y_eq)


def evaluate(model, cfg, dataset, snrs, spec=None, batch=500, seed=0):
    """Per receiver and test SNR: accuracy of its task, PSNR and SSIM of its reconstruction."""
    from . import metrics
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    rows = []
    features_only = hasattr(model, "receive")
    with torch.no_grad():
        ys = []
        for i in range(0, len(dataset), batch):
            if not features_only:
                y, _, _ = model.encode(dataset.images[i:i + batch])
                ys.append(y)
        y_all = torch.cat(ys) if ys else None
        for r, rx in enumerate(cfg["receivers"]):
            labels = dataset.coarse if rx["task"] == "coarse" else dataset.fine
            for snr in snrs:
                correct, ps, ss = 0, [], []
                for i in range(0, len(dataset), batch):
                    images = dataset.images[i:i + batch]
                    snr_t = torch.full((len(images), 1), float(snr))
                    seen = received(model, images, snr_t, spec or rx.get("channel", "awgn"), gen,
                                    None if features_only else y_all[i:i + batch])
                    logits, recon = model.decoders[r](seen, snr_t)
                    correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
                    ps.append(metrics.psnr(dataset.images[i:i + batch], recon))
                    ss.append(metrics.ssim(dataset.images[i:i + batch], recon))
                rows.append({"receiver": r + 1, "task": rx["task"], "snr_db": float(snr),
                             "accuracy": correct / len(dataset),
                             "psnr_db": torch.cat(ps).mean().item(), "ssim": torch.cat(ss).mean().item()})
    return rows


def cross_correlation(model, dataset, n=2000):
    """Mean and max |Pearson correlation| between U1 and the residual R of layer 2 (DeepSCM)."""
    with torch.no_grad():
        feats = model.layer_features(dataset.images[:n])
    u1, r = feats[0], feats[1]
    u1 = (u1 - u1.mean(0)) / u1.std(0).clamp_min(1e-8)
    r = (r - r.mean(0)) / r.std(0).clamp_min(1e-8)
    c = (u1.T @ r / (len(u1) - 1)).abs()
    return c.mean().item(), c.max().item()
