#!/usr/bin/python3
"""Paired comparison of two trained models on the same Fashion-MNIST test images and the same AWGN noise:
the mean per-image PSNR difference (A - B) with its 95 % confidence interval, and the accuracy of
each. A difference of a tenth of a dB is real when the interval excludes zero.

  PYTHONPATH=python /usr/bin/python3 scripts/paired_psnr.py \\
      --a /var/tmp/semcom-checkpoints/mijscc_q4 --b /var/tmp/semcom-checkpoints/mijscc_q8 --snr 20 --rx 1
"""

import argparse
import math
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from semcom_train import data, metrics, train  # noqa: E402


def received_psnr(model, cfg, test, rx, snr_db, seed, batch=1000):
    """Per-image PSNR and correct/incorrect of receiver rx (1-based) at snr_db, noise from seed."""
    gen = torch.Generator().manual_seed(seed)
    task = cfg.receivers[rx - 1].task
    labels = test.coarse if task == "coarse" else test.fine
    ps, ok = [], []
    with torch.no_grad():
        for i in range(0, len(test), batch):
            images = test.images[i:i + batch]
            snr = torch.full((len(images), 1), float(snr_db))
            logits, recon = model.decoders[rx - 1](train.received(model, cfg, images, snr, "awgn", gen), snr)
            ps.append(metrics.psnr(images, recon))
            ok.append(logits.argmax(1) == labels[i:i + batch])
    return torch.cat(ps).double(), torch.cat(ok).double()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, help="checkpoint folder of model A (holds weights.pt)")
    ap.add_argument("--b", required=True, help="checkpoint folder of model B")
    ap.add_argument("--snr", type=float, nargs="+", default=[20.0], help="test SNRs in dB (default 20)")
    ap.add_argument("--rx", type=int, default=1, help="receiver number, 1-based (default 1)")
    ap.add_argument("--rx-b", type=int, help="receiver number of model B if it differs")
    ap.add_argument("--bits-a", help="MIJSCC: send A through this quantizer instead of its own (a number, or analog)")
    ap.add_argument("--bits-b", help="the same for B")
    ap.add_argument("--images", type=int, default=10000, help="test images (default all 10000)")
    ap.add_argument("--seed", type=int, default=0, help="channel noise seed, the same for both models")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    test = data.fashion_mnist("test").subset(args.images)
    models = []
    for path, bits in ((args.a, args.bits_a), (args.b, args.bits_b)):
        model, cfg, _ = train.load_trained(None, path, test)
        label = os.path.basename(os.path.normpath(path))
        if bits is not None:
            if cfg.scheme not in ("mijscc", "amijscc"):
                raise SystemExit(f"paired_psnr.py: {path} is not an MIJSCC model: --bits-a/--bits-b do not apply")
            model.bits = None if bits == "analog" else int(bits)
            label += f"[{bits}]"
        models.append((label, model, cfg))
    rxs = (args.rx, args.rx_b or args.rx)
    print(f"{len(test)} test images, receiver {rxs[0]} of A / {rxs[1]} of B, same noise (seed {args.seed})")
    for snr in args.snr:
        (pa, oka), (pb, okb) = [received_psnr(m, c, test, r, snr, args.seed)
                                for (_, m, c), r in zip(models, rxs)]
        d = pa - pb
        half = 1.96 * d.std().item() / math.sqrt(len(d))
        print(f"{snr:5.1f} dB  {models[0][0]} {pa.mean():.3f} dB {100 * oka.mean():.2f} %  "
              f"{models[1][0]} {pb.mean():.3f} dB {100 * okb.mean():.2f} %  "
              f"A - B {d.mean():+.3f} dB (95 % CI {d.mean() - half:+.3f} .. {d.mean() + half:+.3f}), "
              f"A better on {100 * (d > 0).double().mean():.1f} % of images")


if __name__ == "__main__":
    main()
