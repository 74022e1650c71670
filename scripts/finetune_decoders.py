#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Decoder-bank member from a shipped superposition model, without its training checkpoint.

Loads the TorchScript files of a shipped family (PREFIX_encoder.pt and PREFIX_rxK.pt with their
manifests), keeps the encoder frozen and fine-tunes every receiver at its own new SNR on the
Fashion-MNIST training set, with the losses of training (python/semcom_train/train.py: per receiver
CE on its task + lambda * MSE on the image, summed L1 + beta * (L2 + ...) in one Adam) and the
channel of python/semcom_train/channels.py (the layer indices mapped onto the superposition of the
manifest's constellations and alphas, AWGN at the receiver's SNR, the SNR as the decoder's second
input). The transmitter is the deployed one: its deterministic (most likely) symbol indices.

Writes PREFIX_decoders_rx1_XdB_rx2_YdB_rxK.{pt,json}: each manifest is a copy of the source
receiver's with name, file, sha256, train_snr_db, metrics and created_by replaced (metrics as at
export: the first 1000 test images, noise seeded with 0 + K - 1). `semcom simulate --bank` then
decodes each frame with the member trained nearest its SNR. Finally compares each new receiver
with the source receiver at the new SNR, paired (same test images, same noise).

  OMP_NUM_THREADS=1 nice /usr/bin/python3 scripts/finetune_decoders.py --models models/deepscm_conv --snr 5 25

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
from semcom_train import channels, data, metrics  # noqa: E402
from semcom_train.export import load_exported, sha256  # noqa: E402


def load(path):
    """A TorchScript file and its manifest, the sha256 checked (one line and exit otherwise)."""
    try:
        return load_exported(path)
    except (OSError, ValueError) as e:
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
    """AWGN at snr dB (DESIGN §4) and the decoders' input layout [B, n, 2]."""
    y_eq, _ = channels.channel(y, torch.full((len(y),), float(snr)), "awgn", generator=gen)
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
    ap.add_argument("--snr", type=float, nargs="+", required=True,
                    help="new training SNR in dB of each receiver, in order (e.g. 5 25)")
    ap.add_argument("--config", help="training config for lambda and beta (default python/configs/NAME.yaml, "
                                     "NAME the prefix's base name)")
    ap.add_argument("--out", help="output prefix (default PREFIX_decoders_rx1_XdB_rx2_YdB)")
    ap.add_argument("--epochs", type=int, default=1, help="epochs over the training images (default 1)")
    ap.add_argument("--images", type=int, default=0, help="training images, 0 = all 60000 (default)")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=3e-4, help="Adam learning rate (default 3e-4, as the "
                                                           "decoder stages and bank configs)")
    ap.add_argument("--seed", type=int, default=1, help="shuffling and training noise seed (default 1)")
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
    if len(args.snr) != len(decoders):
        raise SystemExit(f"finetune_decoders.py: --snr has {len(args.snr)} values, {prefix} has "
                         f"{len(decoders)} receivers")
    name = os.path.basename(prefix)
    config = args.config or os.path.join(ROOT, "python", "configs", name + ".yaml")
    if not os.path.exists(config):
        raise SystemExit(f"finetune_decoders.py: {config} not found: give --config")
    lambdas, beta, specs = receiver_config(config, len(decoders))
    if any(s != "awgn" for s in specs):
        raise SystemExit("finetune_decoders.py: only AWGN receivers are supported")
    out = args.out or (f"{prefix}_decoders_" + "_".join(f"rx{k + 1}_{snr_tag(s)}" for k, s in enumerate(args.snr)))
    out_name = os.path.basename(out)
    work = args.work or os.path.join("/var/tmp/semcom-finetune", out_name)
    os.makedirs(work, exist_ok=True)
    mapper = Superposition(enc_man)
    tasks = [m["tasks"][0] for m in mans]
    print(f"{name}: {len(decoders)} receivers ({', '.join(tasks)}), trained at "
          f"{[m['train_snr_db'][k] for k, m in enumerate(mans)]} dB -> {args.snr} dB; lambda {lambdas}, "
          f"beta {beta}, lr {args.lr}, {args.epochs} epoch(s); writing {out}_rxK", flush=True)

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

    # the receivers to train: fresh copies of the source files
    students = [torch.jit.load(f"{prefix}_rx{k + 1}.pt") for k in range(len(decoders))]
    params = [p for s in students for p in s.parameters()]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=args.lr)
    ckpt_path = os.path.join(work, "checkpoint.pt")
    epoch, history = 0, []
    if os.path.exists(ckpt_path) and not args.restart:
        ckpt = torch.load(ckpt_path)
        if ckpt["key"] != [enc_man["sha256"], [m["sha256"] for m in mans], args.snr, args.lr,
                           args.batch_size, args.images, args.seed]:
            raise SystemExit(f"finetune_decoders.py: {ckpt_path} was written for other arguments: --restart")
        for s, sd in zip(students, ckpt["receivers"]):
            s.load_state_dict(sd)
        opt.load_state_dict(ckpt["optimizer"])
        epoch, history = ckpt["epoch"], ckpt["history"]
        print(f"resuming from {ckpt_path} after epoch {epoch}", flush=True)

    n = len(train_set)
    batches = n // args.batch_size
    while epoch < args.epochs:
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        order = torch.randperm(n, generator=gen)
        for s in students:
            s.train()
        totals = {"loss": 0.0, **{f"acc{k + 1}": 0.0 for k in range(len(students))},
                  **{f"mse{k + 1}": 0.0 for k in range(len(students))}}
        t0, seen = time.time(), 0
        for b in range(batches):
            sel = order[b * args.batch_size:(b + 1) * args.batch_size]
            images, fine, coarse = train_set.images[sel], train_set.fine[sel], train_set.coarse[sel]
            y = mapper(idx_train[:, sel])
            loss = 0.0
            for k, (s, snr) in enumerate(zip(students, args.snr)):
                snr_t = torch.full((len(sel), 1), float(snr))
                logits, recon = s(receive(y, snr, gen), snr_t)
                labels = coarse if tasks[k] == "coarse" else fine
                mse = F.mse_loss(recon, images)
                l_k = F.cross_entropy(logits, labels) + lambdas[k] * mse
                loss = loss + (beta if k > 0 else 1.0) * l_k  # train.run_epoch's L1 + beta L2
                totals[f"acc{k + 1}"] += (logits.argmax(1) == labels).float().sum().item()
                totals[f"mse{k + 1}"] += mse.item() * len(sel)
            opt.zero_grad()
            loss.backward()
            opt.step()
            totals["loss"] += loss.item() * len(sel)
            seen += len(sel)
            if (b + 1) % args.log_every == 0 or b + 1 == batches:
                el = time.time() - t0
                parts = [f"rx{k + 1} acc {totals[f'acc{k + 1}'] / seen:.3f} "
                         f"psnr {10 * math.log10(seen / max(totals[f'mse{k + 1}'], 1e-12)):.2f} dB"
                         for k in range(len(students))]
                print(f"epoch {epoch + 1}/{args.epochs} batch {b + 1}/{batches} loss {totals['loss'] / seen:.4f} "
                      f"{'; '.join(parts)}; {el:.0f} s, {el / (b + 1) * (batches - b - 1):.0f} s left", flush=True)
        epoch += 1
        history.append({k: v / seen for k, v in totals.items()} | {"epoch": epoch,
                                                                    "seconds": round(time.time() - t0, 1)})
        torch.save({"key": [enc_man["sha256"], [m["sha256"] for m in mans], args.snr, args.lr, args.batch_size,
                            args.images, args.seed],
                    "receivers": [s.state_dict() for s in students], "optimizer": opt.state_dict(),
                    "epoch": epoch, "history": history}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)
        print(f"epoch {epoch} done in {history[-1]['seconds']} s; checkpoint {ckpt_path}", flush=True)

    # write the members, with the metrics measured as at export
    for s in students:
        s.eval()
        for p in s.parameters():
            p.requires_grad_(False)
    for k, (s, m) in enumerate(zip(students, mans)):
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
    for k, s in enumerate(students):
        reloaded, _ = load(f"{out}_rx{k + 1}.pt")
        labels = test.coarse if tasks[k] == "coarse" else test.fine
        (pb, pn), (ob, on) = paired(decoders[k], reloaded, y_test[:c], test.images[:c], labels[:c], args.snr[k],
                                    100 + k)
        dp, dpl, dph = interval(pn - pb)
        da, dal, dah = interval(on - ob)
        print(f"rx{k + 1} ({tasks[k]}) at {args.snr[k]:g} dB: {name} {100 * ob.mean():.2f} % / {pb.mean():.3f} dB, "
              f"{out_name} {100 * on.mean():.2f} % / {pn.mean():.3f} dB; new - source: "
              f"{da * 100:+.2f} points ({dal * 100:+.2f} .. {dah * 100:+.2f}), "
              f"{dp:+.3f} dB ({dpl:+.3f} .. {dph:+.3f}), 95 % intervals", flush=True)


if __name__ == "__main__":
    main()
