#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""U-DeepSC results (issue #13): every trained run measured on the Fashion-MNIST test set.

  /usr/bin/python3 -m semcom_train.udeepsc grid [--runs udeepsc udeepsc_fine ...] [--images N]
  /usr/bin/python3 -m semcom_train.udeepsc summary     # results/udeepsc/summary.md from grid.csv
  /usr/bin/python3 -m semcom_train.udeepsc plot        # Figs. 7, 10, 12 analogues

grid: per run (checkpoints/NAME/weights.pt), task and test SNR (-6..18 dB), and per link mode:
  soft      soft index posteriors (the trained receiver), the learned keep count
  hard      hard index decisions (the official code's demapping), same keep count
  all       every token sent (no selection): the "send every feature" reference
  random    the learned count, but random tokens (is the learned choice better than chance?)
  noiseless the indices received without error (the upper bound; single-task runs: T-DeepSC)
  randlabel soft, with the codewords put on the 16QAM points at random instead of the solved
            labelling (does placing near codewords on near points matter?)
(random and noiseless at 0, 6, 12, 18 dB only; model "fixedL" for a unified run trained with L
decoder layers, `--set decoder_layers=L`: U-DeepSC-Fixed), it records the metric at every exit (the Fixed Layer curve), the symbols per image, and for each
exit threshold delta_e the mean exit layer and the metric of the LCM early exit. Rows are
appended to results/udeepsc/grid.csv (one row per run, task, SNR, mode, exit rule); a run already
in the file is skipped, so an interrupted grid resumes.
"""

import argparse
import csv
import logging
import os
import sys
import time

import torch

from . import data, metrics, train
from .schemes import udeepsc as U

log = logging.getLogger("semcom_train.udeepsc")
SNRS = [-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0]
THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]
MODES = ("soft", "hard", "all", "random", "noiseless", "randlabel")
# modes measured at a few SNRs only
SPARSE = {"random": [0.0, 6.0, 12.0, 18.0], "noiseless": [0.0, 6.0, 12.0, 18.0], "randlabel": [-6.0, 0.0, 6.0]}
FIELDS = ["run", "seed", "model", "task", "snr_db", "mode", "exit", "mean_exit_layer", "metric",
          "symbols", "images", "certainty"]
RESULTS = os.path.join(os.path.dirname(__file__), "..", "..", "results", "udeepsc")


def task_metric(task, out, images, labels):
    """Per-image metric: correct (0/1) for classes, PSNR in dB for recovery."""
    if task == "image":
        return metrics.psnr(images, out)
    return (out.argmax(1) == labels).float()


@torch.no_grad()
def measure_run(name, dataset, images, modes, seed=0, batch=500, checkpoints="checkpoints"):
    """Rows of one trained run (checkpoints/NAME)."""
    scheme = U.UDeepSCScheme()
    net, cfg, _ = train.load_trained(None, os.path.join(checkpoints, name), dataset)
    model = "unified" if len(cfg.receivers) > 1 else "single"
    if "decoderlayers" in cfg.name:  # trained with another decoder depth (--set decoder_layers=L)
        model = f"fixed{cfg.decoder_layers}"  # U-DeepSC-Fixed (the paper's Fig. 10 baseline)
    x_all = dataset.images[:images]
    rows = []
    for t, rx in enumerate(cfg.receivers):
        labels_all = (dataset.fine if rx.task == "fine" else dataset.coarse)[:images]
        for snr in SNRS:
            for mode in modes:
                if snr not in SPARSE.get(mode, SNRS):
                    continue
                gen = torch.Generator().manual_seed(seed + 1000 * t + int(snr * 10) + 7)
                solved = net.labels.clone()
                if mode == "randlabel":  # in place: the decoders share the buffer
                    net.labels.copy_(torch.randperm(len(solved), generator=torch.Generator().manual_seed(99)))
                per_exit, cert, symbols = [], [], []
                for i in range(0, images, batch):
                    x, lab = x_all[i:i + batch], labels_all[i:i + batch]
                    keep_override = None
                    if mode in ("all", "random"):
                        net.eval()
                        snr_t = torch.full((len(x), 1), snr)
                        _, keep, _, _ = net.encoder(x, snr_t, t)
                        if mode == "all":
                            keep_override = torch.ones_like(keep)
                        else:
                            k = keep.sum(1).long()
                            score = torch.rand(keep.shape, generator=gen)
                            keep_override = U.top_k_mask(score, torch.ones_like(keep), k)
                    outs, keep = scheme.run(net, x, snr, t, generator=gen, hard=(mode == "hard"),
                                            noiseless=(mode == "noiseless"), keep_override=keep_override,
                                            selection=(mode != "all"))
                    per_exit.append(torch.stack([task_metric(rx.task, o, x, lab) for o, _ in outs], 1))
                    cert.append(torch.stack([c for _, c in outs], 1))
                    symbols.append(keep.sum(1) * net.task_groups[t])
                net.labels.copy_(solved)
                m = torch.cat(per_exit)      # [images, L]
                c = torch.cat(cert)
                s = torch.cat(symbols).float().mean().item()
                L = m.shape[1]
                base = {"run": name, "seed": cfg.seed, "model": model, "task": rx.task, "snr_db": snr,
                        "mode": mode, "symbols": round(s, 3), "images": len(m)}
                for e in range(L):
                    rows.append(dict(base, exit=str(e + 1), mean_exit_layer=e + 1, metric=round(m[:, e].mean().item(), 5),
                                     certainty=round(c[:, e].mean().item(), 5)))
                if mode in ("soft", "hard"):
                    for thr in THRESHOLDS:
                        passed = c > thr
                        passed[:, -1] = True
                        first = passed.float().argmax(1)          # the first exit that passes
                        chosen = m.gather(1, first.view(-1, 1))[:, 0]
                        rows.append(dict(base, exit=f"lcm{thr}", mean_exit_layer=round(first.float().mean().item() + 1, 4),
                                         metric=round(chosen.mean().item(), 5), certainty=""))
                log.info("%s %s %+.0f dB %s: last exit %.4f, %.1f symbols", name, rx.task, snr, mode,
                         m[:, -1].mean().item(), s)
    return rows


def record_parameters(results, name, checkpoints):
    """results/udeepsc/params.csv: a run's stored parameters (shared ones once) and its tasks."""
    path = os.path.join(results, "params.csv")
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [r for r in csv.DictReader(f) if r["run"] != name]
    net, cfg, _ = train.load_trained(None, os.path.join(checkpoints, name), data.load("fashion-mnist", "test").subset(1))
    rows.append({"run": name, "seed": cfg.seed, "tasks": " ".join(rx.task for rx in cfg.receivers),
                 "parameters": U.unique_param_count(net)})
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["run", "seed", "tasks", "parameters"])
        w.writeheader()
        w.writerows(rows)


def done_runs(path):
    if not os.path.exists(path):
        return set()
    with open(path) as f:
        return {r["run"] for r in csv.DictReader(f)}


def cmd_grid(args):
    torch.set_num_threads(args.threads)
    dataset = data.load("fashion-mnist", "test")
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, "grid.csv")
    have = done_runs(path)
    for name in args.runs:
        if name in have:
            log.info("%s: in %s already", name, path)
            continue
        if not os.path.exists(os.path.join(args.checkpoints, name, "weights.pt")):
            log.warning("%s: not trained (%s/%s/weights.pt missing); skipped", name, args.checkpoints, name)
            continue
        t0 = time.time()
        record_parameters(args.results, name, args.checkpoints)
        rows = measure_run(name, dataset, args.images, args.modes, checkpoints=args.checkpoints)
        new = not os.path.exists(path)
        with open(path, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS)
            if new:
                w.writeheader()
            w.writerows(rows)
        log.info("%s: %d rows in %.0f s", name, len(rows), time.time() - t0)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m semcom_train.udeepsc", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("grid", help="measure trained runs into results/udeepsc/grid.csv")
    g.add_argument("--runs", nargs="+", default=["udeepsc", "udeepsc_image", "udeepsc_fine", "udeepsc_coarse"])
    g.add_argument("--images", type=int, default=2000, help="test images (the first N)")
    g.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    g.add_argument("--threads", type=int, default=1)
    g.add_argument("--results", default=RESULTS)
    g.add_argument("--checkpoints", default="checkpoints", help="where the runs' folders are")
    s = sub.add_parser("summary", help="results/udeepsc/summary.md from grid.csv")
    s.add_argument("--results", default=RESULTS)
    pl = sub.add_parser("plot", help="the figures from grid.csv")
    pl.add_argument("--results", default=RESULTS)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        if args.cmd == "grid":
            return cmd_grid(args)
        from . import udeepsc_report
        return udeepsc_report.summary(args.results) if args.cmd == "summary" else udeepsc_report.plot(args.results)
    except (FileNotFoundError, ValueError) as e:
        print(f"semcom_train.udeepsc: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
