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
from tqdm import tqdm

from . import config, data, schemes

log = logging.getLogger("semcom_train")


def build_model(cfg, dataset):
    cfg = config.from_dict(cfg)
    return schemes.get(cfg.scheme).build(cfg, dataset)


def set_trainable(model, prefixes):
    for name, p in model.named_parameters():
        p.requires_grad = prefixes == "all" or any(name.startswith(pr) for pr in prefixes)


class Parallel:
    """Data-parallel training across the processes torchrun starts (torch.distributed, gloo on
    CPUs): each process takes its share of every batch (a DistributedSampler over the same
    shuffled order), and after each backward pass the gradients are averaged over the processes
    (one all_reduce of the flattened gradients: what DistributedDataParallel's reducer does, here
    independent of how a scheme calls its model), so N processes with batch B / N each step as one
    process with batch B. World size 1 without torchrun: plain single-process training."""

    def __init__(self):
        self.launched = "RANK" in os.environ and "WORLD_SIZE" in os.environ  # by torchrun
        self.world = int(os.environ.get("WORLD_SIZE", "1")) if self.launched else 1
        self.rank = int(os.environ.get("RANK", "0")) if self.launched else 0
        if self.launched and not torch.distributed.is_initialized():
            if not torch.distributed.is_available() or not torch.distributed.is_gloo_available():
                raise RuntimeError("torchrun: this torch has no torch.distributed with gloo")
            torch.distributed.init_process_group(backend="gloo")

    @property
    def main(self):
        return self.rank == 0

    def batch(self, batch_size):
        if batch_size % self.world:
            raise ValueError(f"batch_size {batch_size} does not divide among {self.world} processes "
                             "(each takes batch_size / processes images of every batch)")
        return batch_size // self.world

    def loader(self, dataset, batch_size, seed, drop_last):
        """The batches of this process. Launched by torchrun (any world size): a DistributedSampler
        shuffled with the config's seed (set_epoch each epoch), so the runs with 1 and N processes
        see the same images in every step; otherwise the single-process loader as it always was."""
        if not self.launched:
            return torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=drop_last,
                                               generator=torch.Generator().manual_seed(seed))
        sampler = torch.utils.data.distributed.DistributedSampler(
            dataset, num_replicas=self.world, rank=self.rank, shuffle=True, seed=seed, drop_last=True)
        return torch.utils.data.DataLoader(dataset, batch_size=self.batch(batch_size), sampler=sampler,
                                           drop_last=drop_last)

    @staticmethod
    def set_epoch(loader, epoch):
        if isinstance(getattr(loader, "sampler", None), torch.utils.data.distributed.DistributedSampler):
            loader.sampler.set_epoch(epoch)

    def average_gradients(self, params):
        if self.world == 1:
            return
        grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
        flat = torch.cat([g.reshape(-1) for g in grads])
        torch.distributed.all_reduce(flat)
        flat /= self.world
        offset = 0
        for p, g in zip(params, grads):
            p.grad = flat[offset:offset + g.numel()].view_as(p).clone()
            offset += g.numel()

    def sum(self, values):
        """Every process's values summed (a dict of numbers), for epoch statistics over all images."""
        if self.world == 1:
            return values
        keys = sorted(values)
        t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
        torch.distributed.all_reduce(t)
        return dict(zip(keys, t.tolist()))

    def barrier(self):
        if self.world > 1:
            torch.distributed.barrier()


def run_epoch(scheme, model, cfg, stage, loader, optimizer, progress, parallel=None):
    parallel = parallel or Parallel()
    model.train()
    totals = {"loss": 0.0, "n": 0, **scheme.epoch_stats(cfg, stage)}
    bar = tqdm(loader, desc=progress, leave=False, disable=None if parallel.main else True, mininterval=2.0)
    params = [p for p in model.parameters() if p.requires_grad]
    for images, fine, coarse in bar:
        loss, stats = scheme.training_loss(model, cfg, stage, images, fine, coarse)
        optimizer.zero_grad()
        loss.backward()
        parallel.average_gradients(params)
        optimizer.step()
        totals["loss"] += loss.item() * len(images)
        totals["n"] += len(images)
        for k, v in stats.items():
            totals[k] = totals.get(k, 0.0) + v
        bar.set_postfix(loss=f"{totals['loss'] / totals['n']:.3f}")
    totals = parallel.sum(totals)
    n = totals.pop("n")
    return {k: v / n for k, v in totals.items()}


def train(cfg, out_dir, threads=None, limit=None, restart=False, epochs_scale=1.0):
    """Trains cfg's model (a Config, or its dict form); checkpoints in out_dir/checkpoint.pt after
    every epoch."""
    cfg = config.from_dict(cfg)
    scheme = schemes.get(cfg.scheme)
    parallel = Parallel()
    parallel.batch(cfg.batch_size)  # refused before any work when it does not divide
    torch.manual_seed(cfg.seed)  # every process builds the same initial model
    if threads:
        torch.set_num_threads(threads)
    os.makedirs(out_dir, exist_ok=True)
    train_set = data.load(cfg.dataset, "train", cfg.data_root).subset(limit or cfg.train_images)
    model = scheme.build(cfg, train_set)
    loader = parallel.loader(train_set, cfg.batch_size, cfg.seed, drop_last=True)
    ckpt_path = os.path.join(out_dir, "checkpoint.pt")
    state = {"stage": 0, "epoch": 0, "history": []}
    optimizer = None
    if os.path.exists(ckpt_path) and not restart:
        ckpt = torch.load(ckpt_path)
        if not same_config(ckpt.get("config"), cfg):
            raise ValueError(f"{ckpt_path} was written for another configuration: use --restart "
                             "to start over, or the config it was trained with")
        model.load_state_dict(ckpt["model"])
        state = ckpt["state"]
        log.info("resuming %s at stage %d epoch %d", cfg.name, state["stage"] + 1, state["epoch"] + 1)
    elif cfg.init_from:
        # a variant of a trained model (a decoder bank member): start from its weights
        src = os.path.join(os.path.dirname(os.path.abspath(out_dir)), cfg.init_from, "weights.pt")
        if not os.path.exists(src):
            raise FileNotFoundError(f"init_from: {src} does not exist (train '{cfg.init_from}' first)")
        fresh = init_from(model, torch.load(src)["model"], src)
        modules = sorted({k.rsplit(".", 2)[0] for k in fresh})
        log.info("%s starts from the weights of %s%s", cfg.name, src,
                 f" ({len(fresh)} tensors it does not have start fresh: {', '.join(modules)})" if fresh else "")
    stages = cfg.stages
    fresh_fit = False  # closed-form parameters (DeepSCM: decorrelators) fitted to the model as it is
    while state["stage"] < len(stages):
        stage = stages[state["stage"]]
        epochs = max(1, int(round(stage.epochs * epochs_scale)))
        set_trainable(model, stage.train)
        stage_loader = loader
        if stage.labelled:  # semi-supervised: this stage sees only a labelled fraction
            labelled = train_set.subset(max(1, int(len(train_set) * float(stage.labelled))), seed=7)
            stage_loader = (torch.utils.data.DataLoader(labelled, batch_size=cfg.batch_size, shuffle=True,
                                                        drop_last=False)
                            if not parallel.launched else
                            parallel.loader(labelled, cfg.batch_size, cfg.seed, drop_last=False))
        optimizer = torch.optim.Adam(param_groups(model, cfg), lr=float(cfg.stage_lr(stage)))
        if os.path.exists(ckpt_path) and not restart:
            ckpt = torch.load(ckpt_path)
            if ckpt["state"]["stage"] == state["stage"] and "optimizer" in ckpt and ckpt["state"]["epoch"] > 0:
                optimizer.load_state_dict(ckpt["optimizer"])
        refit = scheme.refits(cfg, stage)
        while state["epoch"] < epochs:
            t0 = time.time()
            for group in optimizer.param_groups:
                group["lr"] = group.get("lr_scale", 1.0) * epoch_lr(cfg, stage, state["epoch"], epochs)
            if refit and not fresh_fit:  # closed-form parameters for the model as it is now
                scheme.refit(model, train_set.images)
            desc = f"{cfg.name} stage {state['stage'] + 1}/{len(stages)} ({stage.name}) " \
                   f"epoch {state['epoch'] + 1}/{epochs}"
            parallel.set_epoch(stage_loader, len(state["history"]))
            stats = run_epoch(scheme, model, cfg, stage, stage_loader, optimizer, desc, parallel)
            fresh_fit = False
            stats.update(stage=stage.name, epoch=state["epoch"] + 1, seconds=round(time.time() - t0, 1))
            state["history"].append(stats)
            state["epoch"] += 1
            if parallel.main:  # one log and one checkpoint: the processes hold the same model
                log.info("%s: %s", desc, json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                                                      for k, v in stats.items()}))
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                            "state": state, "config": cfg.to_dict()}, ckpt_path + ".tmp")
                os.replace(ckpt_path + ".tmp", ckpt_path)
            parallel.barrier()
        if refit and not fresh_fit:  # the transmitter leaves the stage with its residuals decorrelated
            scheme.refit(model, train_set.images)
            fresh_fit = True  # the next stage starts from this fit instead of computing it again
        state["stage"] += 1
        state["epoch"] = 0
        if parallel.main:
            torch.save({"model": model.state_dict(), "state": state, "config": cfg.to_dict()}, ckpt_path + ".tmp")
            os.replace(ckpt_path + ".tmp", ckpt_path)
        parallel.barrier()
    if parallel.main:
        torch.save({"model": model.state_dict(), "config": cfg.to_dict(), "history": state["history"]},
                   os.path.join(out_dir, "weights.pt"))
    parallel.barrier()
    return model, state["history"]


def init_from(model, state, src):
    """Loads a trained run's weights into model. The model may have modules the run lacks (A-MIJSCC's
    noise encoder and attention on a MIJSCC network): those stay as initialised and their names
    are returned. A tensor of the run that the model lacks, or of another shape, is an error."""
    own = model.state_dict()
    extra = sorted(k for k in state if k not in own)
    misshapen = sorted(k for k in state if k in own and own[k].shape != state[k].shape)
    if extra or misshapen:
        raise ValueError(f"init_from: {src} does not fit this model: "
                         + "; ".join(part for part in (
                             f"{len(extra)} tensors this model does not have ({', '.join(extra[:4])})" if extra else "",
                             f"{len(misshapen)} of another shape ({', '.join(misshapen[:4])})" if misshapen else "")
                                     if part))
    model.load_state_dict(state, strict=False)
    return sorted(k for k in own if k not in state)


def param_groups(model, cfg):
    """The trainable parameters as Adam groups, each with its lr_scale: the probabilistic
    modulators' at cfg.modulator_lr_scale (the DeepSCM paper trains its probability layers at 60x
    the rate of the rest), every other at 1. Empty groups are left out."""
    modulator, rest = [], []
    for name, p in model.named_parameters():
        if p.requires_grad:
            (modulator if name.split(".")[0] in ("modulator", "modulators") else rest).append(p)
    scale = float(cfg.modulator_lr_scale)
    if scale == 1.0:
        return [{"params": modulator + rest, "lr_scale": 1.0}]
    return [g for g in ({"params": rest, "lr_scale": 1.0}, {"params": modulator, "lr_scale": scale})
            if g["params"]]


def epoch_lr(cfg, stage, epoch, epochs):
    """The learning rate of a stage's epoch (0-based) under cfg.lr_schedule."""
    lr = float(cfg.stage_lr(stage))
    if cfg.lr_schedule == "constant":
        return lr
    if cfg.lr_schedule == "cosine":
        low = 0.01 * lr
        return low + 0.5 * (lr - low) * (1.0 + math.cos(math.pi * epoch / max(1, epochs)))
    raise ValueError(f"lr_schedule must be constant or cosine, not '{cfg.lr_schedule}'")


def same_config(stored, cfg):
    """Whether a checkpoint's stored config (the dict form; older checkpoints hold the YAML dict
    without defaults) is cfg."""
    try:
        return config.from_dict(stored, "checkpoint") == cfg
    except (ValueError, TypeError):
        return False


def load_trained(cfg, out_dir, dataset):
    """The trained model of out_dir (eval mode), its Config and its history. cfg is unused: the
    checkpoint's own config builds the network."""
    path = os.path.join(out_dir, "weights.pt")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no trained weights (run `semcom_train train` first)")
    ckpt = torch.load(path)
    cfg_trained = config.from_dict(ckpt["config"], path)
    model = schemes.get(cfg_trained.scheme).build(cfg_trained, dataset)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, cfg_trained, ckpt.get("history", [])


def received(model, cfg, images, snr_t, spec, generator, sent=None):
    """What a receiver's decoders see for these images at snr_t [B, 1] (the scheme says)."""
    return schemes.get(cfg.scheme).receive(model, images, snr_t, spec, generator, sent)


def evaluate(model, cfg, dataset, snrs, spec=None, batch=500, seed=0):
    """Per receiver and test SNR: accuracy of its task, PSNR and SSIM of its reconstruction."""
    from . import metrics
    scheme = schemes.get(cfg.scheme)
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    rows = []
    decoders = scheme.decoders(model)
    with torch.no_grad():
        # what the transmitter sends, once per image, where it does not depend on the SNR
        sent = [scheme.transmit(model, dataset.images[i:i + batch]) for i in range(0, len(dataset), batch)]
        for r, rx in enumerate(cfg.receivers):
            labels = dataset.coarse if rx.task == "coarse" else dataset.fine
            for snr in snrs:
                correct, ps, ss = 0, [], []
                for j, i in enumerate(range(0, len(dataset), batch)):
                    images = dataset.images[i:i + batch]
                    snr_t = torch.full((len(images), 1), float(snr))
                    seen = scheme.receive(model, images, snr_t, spec or rx.channel, gen, sent[j])
                    logits, recon = decoders[r](seen, snr_t)
                    correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
                    ps.append(metrics.psnr(dataset.images[i:i + batch], recon))
                    ss.append(metrics.ssim(dataset.images[i:i + batch], recon))
                rows.append({"receiver": r + 1, "task": rx.task, "snr_db": float(snr),
                             "accuracy": correct / len(dataset),
                             "psnr_db": torch.cat(ps).mean().item(), "ssim": torch.cat(ss).mean().item()})
    return rows
