#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""New receivers for a shipped superposition transmitter, without its training checkpoint: decoder-bank
members (the shipped receivers fine-tuned at other SNRs) or cheaper students (--student subpixel: a
fresh decoder with sub-pixel upsampling, about a quarter of the arithmetic, distilled from the
shipped receiver at its own training SNR).

Loads the TorchScript files of a shipped family (PREFIX_encoder.pt and PREFIX_rxK.pt with their
manifests), keeps the encoder frozen and fine-tunes every receiver at its own new SNR on the
Fashion-MNIST training set, with the losses of training (python/semcom_train/train.py: per receiver
CE on its task + lambda * MSE on the image, summed L1 + beta * (L2 + ...) in one Adam) and the
channel of python/semcom_train/channels.py (the layer indices mapped onto the superposition of the
manifest's constellations and alphas, AWGN at the receiver's SNR, the SNR as the decoder's second
input). The transmitter is the deployed one: its deterministic (most likely) symbol indices.

Bank members: PREFIX_decoders_rx1_XdB_rx2_YdB_rxK.{pt,json}; each manifest is a copy of the source
receiver's with name, file, sha256, train_snr_db, metrics and created_by replaced (metrics as at
export: the first 1000 test images, noise seeded with 0 + K - 1). `semcom simulate --bank` then
decodes each frame with the member trained nearest its SNR. Finally compares each new receiver
with the source receiver at the new SNR, paired (same test images, same noise).

  OMP_NUM_THREADS=1 nice /usr/bin/python3 scripts/finetune_decoders.py --models models/deepscm_conv --snr 5 25

Students (--student subpixel): PREFIX_subpixel_rxK by default, trained from scratch with the same losses
plus, weighted by --distill, the teacher's (the source receiver's) outputs on the same noisy symbols as
targets (T^2 KL at temperature --temperature on the logits, lambda * MSE on the image), Adam at
--lr 1e-3 with a cosine decay over --epochs; --receiver K trains one receiver (run one process per
receiver on a 2-core machine):

  OMP_NUM_THREADS=1 /usr/bin/python3 scripts/finetune_decoders.py --student subpixel --receiver 2 --epochs 20

Resumable: a checkpoint is written after every epoch in --work (default
/var/tmp/semcom-finetune/NAME); running the same command again continues from it.
"""

import argparse
import json
import math
import os
import shlex
import sys
import time

import torch
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "python"))
from semcom_train import channels, data, layers, metrics  # noqa: E402
from semcom_train.export import load_exported, sha256  # noqa: E402


def load(path):
    """A TorchScript file and its manifest, the sha256 checked (one line and exit otherwise)."""
    try:
        return load_exported(path)
    except (OSError, ValueError) as e:
        raise SystemExit(f"finetune_decoders.py: {e}")


def make_student(kind, manifest, width, hidden):
    """A fresh decoder of the kind for the source receiver's contract (symbols [B, n, 2] + SNR ->
    logits and image, on the conv architecture's feature grid)."""
    shape = tuple(manifest["dataset"]["image_shape"])
    classes = next(o["shape"][-1] for o in manifest["outputs"] if o["role"] == "logits")
    if not any(o["role"] == "image" for o in manifest["outputs"]):
        raise SystemExit(f"finetune_decoders.py: '{manifest['name']}' outputs no image: no student for it")
    try:
        return layers.Decoder(manifest["channel_uses"], classes, shape, width, hidden,
                              layers.feature_grid(shape), upsampling=kind)
    except ValueError as e:
        raise SystemExit(f"finetune_decoders.py: {e}")


def snr_tag(snr):
    s = f"{snr:g}".replace("-", "m").replace(".", "p")
    return s + "dB"


class Superposition:
    """Layer indices -> superposed complex symbols, from the manifest's constellation points and
    alphas: Y = sum_k sqrt(alpha_k) C_k[s_k] (the C++ superposition mapper)."""

    def __init__(self, manifest):
        if not manifest.get("constellations") or manifest.get("quantizer") is not None:
            raise SystemExit("finetune_decoders.py: only superposition models (constellations, no quantizer) "
                             f"are supported; '{manifest['name']}' is not one")
        self.points = [torch.tensor([complex(re, im) for re, im in c["points"]], dtype=torch.complex64)
                       for c in manifest["constellations"]]
        self.alphas = [float(a) for a in manifest["alphas"]]
        channels.check_alphas(self.alphas)
        for c, pts in zip(manifest["constellations"], self.points):  # the model contract (DESIGN §4)
            ref = channels.constellation_points(c["name"])
            if (ref - pts).abs().max() > 1e-6:
                raise SystemExit(f"finetune_decoders.py: constellation '{c['name']}' of the manifest differs "
                                 "from semcom_train.channels")

    def __call__(self, indices):
        y = torch.zeros(indices[0].shape, dtype=torch.complex64)
        for pts, a, idx in zip(self.points, self.alphas, indices):
            y = y + math.sqrt(a) * pts[idx.long()]
        return y


def encode_all(encoder, images, batch=1000, what=""):
    """The frozen transmitter's layer indices for every image (uint8, [layers, N, n])."""
    out, t0 = [], time.time()
    with torch.no_grad():
        for i in range(0, len(images), batch):
            out.append(torch.stack([idx.to(torch.uint8) for idx in encoder(images[i:i + batch])]))
            if (i // batch) % 10 == 9:
                print(f"  encoding {what}: {i + batch}/{len(images)} images, {time.time() - t0:.0f} s", flush=True)
    return torch.cat(out, dim=1)


def receive(y, snr, gen):
    """AWGN at snr dB (a number, or a [B] tensor: one per image; DESIGN §4) and the decoders' input
    layout [B, n, 2]."""
    snr_v = snr if torch.is_tensor(snr) else torch.full((len(y),), float(snr))
    y_eq, _ = channels.channel(y, snr_v, "awgn", generator=gen)
    return channels.to_real(y_eq)


def measure(decoder, y, images, labels, snr, seed):
    """As export.measure: one seeded noise draw over all the images."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        logits, recon = decoder(receive(y, snr, gen), torch.full((len(y), 1), float(snr)))
    return {"snr_db": float(snr), "images": len(y), "seed": seed,
            "accuracy": (logits.argmax(1) == labels).float().mean().item(),
            "psnr_db": metrics.psnr(images, recon).mean().item(),
            "ssim": metrics.ssim(images, recon).mean().item()}


def paired(base, new, y, images, labels, snr, seed, batch=1000):
    """Per-image PSNR and correctness of two decoders on the same images and the same noise."""
    gen = torch.Generator().manual_seed(seed)
    ps, ok = [[], []], [[], []]
    with torch.no_grad():
        for i in range(0, len(y), batch):
            seen = receive(y[i:i + batch], snr, gen)
            snr_t = torch.full((len(seen), 1), float(snr))
            for k, dec in enumerate((base, new)):
                logits, recon = dec(seen, snr_t)
                ps[k].append(metrics.psnr(images[i:i + batch], recon).double())
                ok[k].append((logits.argmax(1) == labels[i:i + batch]).double())
    ps = [torch.cat(p) for p in ps]
    ok = [torch.cat(o) for o in ok]
    return ps, ok


def interval(d):
    half = 1.96 * d.std().item() / math.sqrt(len(d))
    return d.mean().item(), d.mean().item() - half, d.mean().item() + half


def receiver_config(config_path, count):
    """lambda per receiver and beta from the family's training config (python/configs/NAME.yaml)."""
    import yaml
    cfg = {}
    while config_path:
        with open(config_path) as f:
            c = yaml.safe_load(f)
        base = c.pop("base", None)
        cfg = {**c, **cfg}
        config_path = os.path.join(os.path.dirname(config_path), base) if base else None
    rxs = cfg.get("receivers", [])
    if len(rxs) != count:
        raise SystemExit(f"finetune_decoders.py: the config has {len(rxs)} receivers, the model {count}")
    return [float(rx.get("lambda", 100.0)) for rx in rxs], float(cfg.get("beta", 2.0)), \
        [rx.get("channel", "awgn") for rx in rxs]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default="models/deepscm_conv",
                    help="source prefix: PREFIX_encoder.pt, PREFIX_rx1.pt, ... (default models/deepscm_conv)")
    ap.add_argument("--snr", type=float, nargs="+",
                    help="new training SNR in dB of each receiver, in order (e.g. 5 25); required for bank "
                         "members, students default to the source's training SNRs")
    ap.add_argument("--student", choices=("copy", "subpixel"), default="copy",
                    help="copy: fine-tune the source receivers (bank members, the default); subpixel: train "
                         "fresh sub-pixel decoders (semcom_train.layers.Decoder) distilled from them")
    ap.add_argument("--width", type=int, default=32, help="student width: channels at H/4 (default 32)")
    ap.add_argument("--hidden", type=int, default=512, help="student trunk width (default 512, as the source)")
    ap.add_argument("--distill", type=float, help="weight of the teacher's targets (default 1 for students, "
                                                  "0 for bank members)")
    ap.add_argument("--temperature", type=float, default=2.0, help="distillation temperature (default 2)")
    ap.add_argument("--snr-range", type=float, nargs=2, metavar=("LOW", "HIGH"),
                    help="students: half of every batch at SNRs drawn uniformly from LOW..HIGH dB (the "
                         "other half at the training SNR), with the teacher's outputs there as targets, so "
                         "that the student follows its source across SNRs and not only at one (default: "
                         "all at the training SNR)")
    ap.add_argument("--receiver", type=int, nargs="+", help="train and write only these receivers (1-based; "
                                                             "default all)")
    ap.add_argument("--config", help="training config for lambda and beta (default python/configs/NAME.yaml, "
                                     "NAME the prefix's base name)")
    ap.add_argument("--out", help="output prefix (default PREFIX_decoders_rx1_XdB_rx2_YdB)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs over the training images (default 1)")
    ap.add_argument("--images", type=int, default=0, help="training images, 0 = all 60000 (default)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, help="Adam learning rate (default 3e-4 for bank members, as the decoder "
                                             "stages and bank configs; 1e-3 with a cosine decay for students)")
    ap.add_argument("--seed", type=int, default=1, help="shuffling and training noise seed (default 1)")
    ap.add_argument("--compare-snr", type=float, nargs="*", default=[],
                    help="more SNRs (dB) at which to compare each new receiver with its source (default none)")
    ap.add_argument("--report", help="also write the paired comparisons to this JSON file")
    ap.add_argument("--compare-images", type=int, default=10000,
                    help="test images for the paired comparison with the source receivers (default all 10000)")
    ap.add_argument("--work", help="checkpoint folder (default /var/tmp/semcom-finetune/NAME)")
    ap.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--log-every", type=int, default=50, help="progress line every N batches (default 50)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    command = "/usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv)

    prefix = args.models
    encoder, enc_man = load(prefix + "_encoder.pt")
    decoders, mans = [], []
    while os.path.exists(f"{prefix}_rx{len(decoders) + 1}.json"):
        d, m = load(f"{prefix}_rx{len(decoders) + 1}.pt")
        decoders.append(d)
        mans.append(m)
    if not decoders:
        raise SystemExit(f"finetune_decoders.py: no {prefix}_rx1.json")
    student = args.student != "copy"
    if args.snr is None:
        if not student:
            raise SystemExit("finetune_decoders.py: --snr is required for bank members (--student copy)")
        args.snr = [float(m["train_snr_db"][k]) for k, m in enumerate(mans)]
    if len(args.snr) != len(decoders):
        raise SystemExit(f"finetune_decoders.py: --snr has {len(args.snr)} values, {prefix} has "
                         f"{len(decoders)} receivers")
    lr = args.lr if args.lr is not None else (1e-3 if student else 3e-4)
    distill = args.distill if args.distill is not None else (1.0 if student else 0.0)
    for what, v in (("--snr", args.snr), ("--compare-snr", args.compare_snr), ("--lr", [lr]), ("--distill", [distill]), ("--temperature", [args.temperature])):
        if not all(math.isfinite(x) for x in v):
            raise SystemExit(f"finetune_decoders.py: {what} must be finite")
    if args.snr_range is not None:
        if not student:
            raise SystemExit("finetune_decoders.py: --snr-range is for students (--student subpixel)")
        if not all(math.isfinite(x) for x in args.snr_range) or args.snr_range[0] >= args.snr_range[1]:
            raise SystemExit("finetune_decoders.py: --snr-range needs finite LOW < HIGH")
    if lr <= 0 or distill < 0 or args.temperature <= 0 or args.width < 2 or args.width % 2:
        raise SystemExit("finetune_decoders.py: --lr and --temperature must be > 0, --distill >= 0, --width even")
    chosen = sorted(set(args.receiver or range(1, len(decoders) + 1)))
    if chosen[0] < 1 or chosen[-1] > len(decoders):
        raise SystemExit(f"finetune_decoders.py: --receiver must be within 1..{len(decoders)}")
    chosen = [k - 1 for k in chosen]
    name = os.path.basename(prefix)
    config = args.config or os.path.join(ROOT, "python", "configs", name + ".yaml")
    if not os.path.exists(config):
        raise SystemExit(f"finetune_decoders.py: {config} not found: give --config")
    lambdas, beta, specs = receiver_config(config, len(decoders))
    if any(s != "awgn" for s in specs):
        raise SystemExit("finetune_decoders.py: only AWGN receivers are supported")
    out = args.out or (f"{prefix}_{args.student}" if student else
                       f"{prefix}_decoders_" + "_".join(f"rx{k + 1}_{snr_tag(s)}" for k, s in enumerate(args.snr)))
    out_name = os.path.basename(out)
    work = args.work or os.path.join("/var/tmp/semcom-finetune", out_name)
    os.makedirs(work, exist_ok=True)
    # the output folder now, not after the training: a path that cannot be written fails first
    try:
        os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    except OSError as e:
        raise SystemExit(f"finetune_decoders.py: --out {out}: cannot create its folder ({e.strerror})")
    mapper = Superposition(enc_man)
    tasks = [m["tasks"][0] for m in mans]
    print(f"{name}: {len(decoders)} receivers ({', '.join(tasks)}), trained at "
          f"{[m['train_snr_db'][k] for k, m in enumerate(mans)]} dB -> {args.snr} dB; lambda {lambdas}, "
          f"beta {beta}, lr {lr}{' (cosine)' if student else ''}, {args.epochs} epoch(s); "
          f"{'students ' + args.student + f' width {args.width}, distill {distill}, ' if student else ''}"
          f"writing {out}_rxK for receivers {[k + 1 for k in chosen]}", flush=True)

    train_set = data.fashion_mnist("train").subset(args.images or None)
    test = data.fashion_mnist("test")
    # the frozen transmitter's indices of the training set, shared by the members of one family
    cache = os.path.join(os.path.dirname(os.path.abspath(work)), f"{name}_{enc_man['sha256'][:12]}_indices.pt")
    cached = torch.load(cache) if os.path.exists(cache) else {}
    if cached.get("subset", -1) == (args.images or None) and cached.get("n") == len(train_set):
        idx_train = cached["train"]
    else:
        idx_train = encode_all(encoder, train_set.images, what="training set")
        torch.save({"n": len(train_set), "subset": args.images or None, "train": idx_train}, cache)
    idx_test = encode_all(encoder, test.images, what="test set")
    y_test = mapper(idx_test)
    print(f"mean symbol power (test set) {(y_test.abs() ** 2).mean().item():.4f}; manifest "
          f"{enc_man.get('metrics', {}).get('mean_symbol_power')}", flush=True)

    # this pipeline against the export's own measurement of the source files
    for k, (d, m) in enumerate(zip(decoders, mans)):
        if "accuracy" in m.get("metrics", {}):
            mm = m["metrics"]
            labels = test.coarse if tasks[k] == "coarse" else test.fine
            again = measure(d, y_test[:mm["images"]], test.images[:mm["images"]], labels[:mm["images"]],
                            mm["snr_db"], mm["seed"])
            print(f"source rx{k + 1} at {mm['snr_db']:g} dB: manifest {mm['accuracy']:.4f} / {mm['psnr_db']:.3f} dB, "
                  f"measured here {again['accuracy']:.4f} / {again['psnr_db']:.3f} dB", flush=True)
            if abs(again["accuracy"] - mm["accuracy"]) > 1e-3 or abs(again["psnr_db"] - mm["psnr_db"]) > 0.01:
                raise SystemExit("finetune_decoders.py: the source receiver's export metrics are not reproduced: "
                                 "the channel here differs from the export's")

    # the receivers to train: fresh copies of the source files, or fresh students
    if student:
        torch.manual_seed(args.seed)
        students = {k: make_student(args.student, mans[k], args.width, args.hidden) for k in chosen}
        for k in chosen:
            print(f"rx{k + 1} student: {sum(p.numel() for p in students[k].parameters())} parameters "
                  f"(source: {sum(p.numel() for p in decoders[k].parameters())})", flush=True)
    else:
        students = {k: torch.jit.load(f"{prefix}_rx{k + 1}.pt") for k in chosen}
    params = [p for s in students.values() for p in s.parameters()]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr)
    n = len(train_set)
    batches = n // args.batch_size
    # students: cosine decay from lr to 0 over all the batches, stepped per batch
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / (args.epochs * batches), 1.0))) if student else 1.0)
    key = [enc_man["sha256"], [m["sha256"] for m in mans], args.snr, lr, args.batch_size, args.images, args.seed]
    if student:
        key += [args.student, args.width, args.hidden, distill, args.temperature, chosen, args.epochs]
        if args.snr_range is not None:
            key += [args.snr_range]
    elif args.receiver:
        key += [chosen]
    ckpt_path = os.path.join(work, "checkpoint.pt")
    epoch, history = 0, []
    if os.path.exists(ckpt_path) and not args.restart:
        ckpt = torch.load(ckpt_path)
        if ckpt["key"] != key:
            raise SystemExit(f"finetune_decoders.py: {ckpt_path} was written for other arguments: --restart")
        for s, sd in zip(students.values(), ckpt["receivers"]):
            s.load_state_dict(sd)
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["schedule"])
        epoch, history = ckpt["epoch"], ckpt["history"]
        print(f"resuming from {ckpt_path} after epoch {epoch}", flush=True)

    while epoch < args.epochs:
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        order = torch.randperm(n, generator=gen)
        for s in students.values():
            s.train()
        totals = {"loss": 0.0, **{f"acc{k + 1}": 0.0 for k in chosen}, **{f"mse{k + 1}": 0.0 for k in chosen}}
        t0, seen = time.time(), 0
        for b in range(batches):
            sel = order[b * args.batch_size:(b + 1) * args.batch_size]
            images, fine, coarse = train_set.images[sel], train_set.fine[sel], train_set.coarse[sel]
            y = mapper(idx_train[:, sel])
            loss = 0.0
            for k, s in students.items():
                snr = torch.full((len(sel),), float(args.snr[k]))
                if args.snr_range is not None:
                    low, high = args.snr_range
                    half = len(sel) // 2
                    snr[half:] = low + (high - low) * torch.rand(len(sel) - half, generator=gen)
                snr_t = snr.reshape(-1, 1)
                received = receive(y, snr, gen)
                logits, recon = s(received, snr_t)
                labels = coarse if tasks[k] == "coarse" else fine
                mse = F.mse_loss(recon, images)
                l_k = F.cross_entropy(logits, labels) + lambdas[k] * mse
                if distill > 0:  # the teacher's outputs on the same symbols as targets
                    with torch.no_grad():
                        t_logits, t_recon = decoders[k](received, snr_t)
                    T = args.temperature
                    kd = F.kl_div(F.log_softmax(logits / T, 1), F.log_softmax(t_logits / T, 1), log_target=True,
                                  reduction="batchmean") * T * T
                    l_k = l_k + distill * (kd + lambdas[k] * F.mse_loss(recon, t_recon))
                loss = loss + (beta if k > 0 else 1.0) * l_k  # train.run_epoch's L1 + beta L2
                totals[f"acc{k + 1}"] += (logits.argmax(1) == labels).float().sum().item()
                totals[f"mse{k + 1}"] += mse.item() * len(sel)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            totals["loss"] += loss.item() * len(sel)
            seen += len(sel)
            if (b + 1) % args.log_every == 0 or b + 1 == batches:
                el = time.time() - t0
                parts = [f"rx{k + 1} acc {totals[f'acc{k + 1}'] / seen:.3f} "
                         f"psnr {10 * math.log10(seen / max(totals[f'mse{k + 1}'], 1e-12)):.2f} dB"
                         for k in chosen]
                print(f"epoch {epoch + 1}/{args.epochs} batch {b + 1}/{batches} loss {totals['loss'] / seen:.4f} "
                      f"{'; '.join(parts)}; {el:.0f} s, {el / (b + 1) * (batches - b - 1):.0f} s left", flush=True)
        epoch += 1
        history.append({k: v / seen for k, v in totals.items()} | {"epoch": epoch,
                                                                    "seconds": round(time.time() - t0, 1)})
        torch.save({"key": key, "receivers": [s.state_dict() for s in students.values()],
                    "optimizer": opt.state_dict(), "schedule": sched.state_dict(), "epoch": epoch,
                    "history": history}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        print(f"epoch {epoch} done in {history[-1]['seconds']} s; checkpoint {ckpt_path}", flush=True)

    # write the members, with the metrics measured as at export
    for k, s in students.items():
        s.eval()
        for p in s.parameters():
            p.requires_grad_(False)
        if student:  # TorchScript, as the export traces the trained decoders
            with torch.no_grad():
                students[k] = torch.jit.trace(s, (channels.to_real(y_test[:4]), torch.zeros(4, 1)))
    for k, s in students.items():
        m = mans[k]
        path = f"{out}_rx{k + 1}.pt"
        s.save(path)
        labels = test.coarse if tasks[k] == "coarse" else test.fine
        imgs = m.get("metrics", {}).get("images", 1000)
        seed = k  # export.measure: seed + r
        man = dict(m)
        man.update(name=f"{out_name}_rx{k + 1}", file=os.path.basename(path), sha256=sha256(path),
                   train_snr_db=[float(x) for x in args.snr], created_by=command,
                   metrics=measure(s, y_test[:imgs], test.images[:imgs], labels[:imgs], args.snr[k], seed))
        with open(f"{out}_rx{k + 1}.json", "w") as f:
            json.dump(man, f, indent=2)
            f.write("\n")
        print(f"wrote {path}: {man['metrics']['accuracy']:.4f} / {man['metrics']['psnr_db']:.3f} dB at "
              f"{args.snr[k]:g} dB ({imgs} test images, seed {seed})", flush=True)

    # paired with the source receivers at the new SNRs: what the bank gains
    c = min(args.compare_images, len(test))
    print(f"paired against {name} at the new SNRs: {c} test images, same noise per receiver (seed 100 + K)")
    rows = []
    for k in students:
        reloaded, _ = load(f"{out}_rx{k + 1}.pt")
        labels = test.coarse if tasks[k] == "coarse" else test.fine
        for snr in [args.snr[k]] + [x for x in args.compare_snr if x != args.snr[k]]:
            (pb, pn), (ob, on) = paired(decoders[k], reloaded, y_test[:c], test.images[:c], labels[:c], snr, 100 + k)
            dp, dpl, dph = interval(pn - pb)
            da, dal, dah = interval(on - ob)
            print(f"rx{k + 1} ({tasks[k]}) at {snr:g} dB: {name} {100 * ob.mean():.2f} % / {pb.mean():.3f} dB, "
                  f"{out_name} {100 * on.mean():.2f} % / {pn.mean():.3f} dB; new - source: "
                  f"{da * 100:+.2f} points ({dal * 100:+.2f} .. {dah * 100:+.2f}), "
                  f"{dp:+.3f} dB ({dpl:+.3f} .. {dph:+.3f}), 95 % intervals", flush=True)
            rows.append({"receiver": k + 1, "task": tasks[k], "snr_db": snr, "images": c,
                         "source_accuracy": ob.mean().item(), "source_psnr_db": pb.mean().item(),
                         "new_accuracy": on.mean().item(), "new_psnr_db": pn.mean().item(),
                         "accuracy_diff": [da, dal, dah], "psnr_diff_db": [dp, dpl, dph]})
    if args.report:
        with open(args.report, "w") as f:
            json.dump({"command": command, "source": name, "new": out_name, "seed": args.seed, "history": history,
                       "paired": rows}, f, indent=2)
            f.write("\n")
        print(f"wrote {args.report}", flush=True)


if __name__ == "__main__":
    main()
