#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Command line: /usr/bin/python3 -m semcom_train {train,export,evaluate,plot} --help
(with PYTHONPATH=python, from the repository root)."""

import argparse
import csv
import json
import logging
import os
import shlex
import sys

log = logging.getLogger("semcom_train")

SCHEME_MODULE_HELP = ("import this Python file first; it registers schemes with "
                      "semcom_train.schemes.register(...) (test-only or experimental schemes; repeatable)")


def load_config(path, overrides=()):
    """The typed config (semcom_train.config) of a YAML file with KEY=VALUE overrides."""
    from . import config
    return config.load(path, overrides)


def out_dir(args, cfg):
    return args.out or os.path.join(os.environ.get("SEMCOM_CHECKPOINTS", "checkpoints"), cfg.name)


def cmd_train(args):
    from . import train
    cfg = load_config(args.config, args.set)
    model, history = train.train(cfg, out_dir(args, cfg), args.threads, args.limit, args.restart, args.epochs_scale)
    import torch
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        # under torchrun: one summary line (process 0's), then the process group is left
        if torch.distributed.get_rank() == 0:
            print(json.dumps(history[-1] if history else {}, indent=None))
        torch.distributed.destroy_process_group()
        return
    print(json.dumps(history[-1] if history else {}, indent=None))


def cmd_export(args):
    import torch
    from . import data, export, schemes, train
    cfg = load_config(args.config, args.set)
    if args.threads:
        torch.set_num_threads(args.threads)
    test = data.load(cfg.dataset, "test", cfg.data_root)
    model, cfg_trained, _ = train.load_trained(cfg, out_dir(args, cfg), test)
    # the network is the checkpoint's; the files are named after the config given here
    cfg_trained = cfg_trained.replace(name=cfg.name)
    if cfg.bits != cfg_trained.bits:
        # a network may be sent through another quantizer where the scheme's is a transmit-side
        # stage (an analog MIJSCC network at q = 8: scripts/paired_psnr.py --bits-a measures the cost)
        if not schemes.get(cfg_trained.scheme).quantizer_at_export or cfg.bits is None:
            raise SystemExit(f"semcom_train: the config asks for bits={cfg.bits} but {out_dir(args, cfg)} was "
                             f"trained with bits={cfg_trained.bits}; only an MIJSCC network's quantizer may "
                             "differ at export, and only to a number of bits")
        print(f"exporting the network trained with bits={cfg_trained.bits} through a {cfg.bits}-bit quantizer")
        cfg_trained = cfg_trained.replace(bits=cfg.bits)
        model.bits = cfg.bits
    command = "/usr/bin/python3 -m semcom_train " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    manifests = export.export(model, cfg_trained, test, args.models_dir, command, args.images)
    for m in manifests:
        print(f"wrote {os.path.join(args.models_dir, m['file'])}  {json.dumps(m['metrics'])}")
    worst = 0.0
    for rx, key, before, after in export.reload_check(cfg_trained, test, args.models_dir):
        print(f"reload check rx{rx} {key}: export {before:.6f} reloaded {after:.6f}")
        worst = max(worst, abs(before - after))
    if worst > 1e-4:
        raise SystemExit(f"semcom_train: reloaded models do not reproduce their metrics (max diff {worst})")


def cmd_evaluate(args):
    import torch
    from . import data, schemes, train
    cfg = load_config(args.config, args.set)
    if args.threads:
        torch.set_num_threads(args.threads)
    test = data.load(cfg.dataset, "test", cfg.data_root).subset(args.images)
    model, cfg_trained, _ = train.load_trained(cfg, out_dir(args, cfg), test)
    snrs = args.snrs or cfg.eval_snr_db
    rows = train.evaluate(model, cfg_trained, test, snrs, args.channel)
    for line in schemes.get(cfg_trained.scheme).report(model, cfg_trained, test):
        print(line)
    os.makedirs(args.results, exist_ok=True)
    path = os.path.join(args.results, f"{cfg.name}{'_' + args.channel.replace(':', '') if args.channel else ''}.csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["scheme", "name", "receiver", "task", "snr_db", "accuracy", "psnr_db", "ssim"])
        w.writeheader()
        for row in rows:
            w.writerow(dict(row, scheme=cfg.scheme, name=cfg.name))
    for row in rows:
        print(f"rx{row['receiver']} {row['task']:<6} {row['snr_db']:6.1f} dB  acc {row['accuracy']:.4f}  "
              f"PSNR {row['psnr_db']:6.2f} dB  SSIM {row['ssim']:.4f}")
    print(f"wrote {path}")


def cmd_separate(args):
    import torch
    from . import data, separate
    if args.threads:
        torch.set_num_threads(args.threads)
    train_set = data.load(args.dataset, "train", args.data_root)
    test = data.load(args.dataset, "test", args.data_root).subset(args.images)
    rows = separate.evaluate(train_set, test, args.snrs, args.channel_uses, args.channel, args.cache)
    os.makedirs(args.results, exist_ok=True)
    name = f"separate_webp_n{args.channel_uses}" + (f"_{args.channel.replace(':', '')}" if args.channel != "awgn" else "")
    path = os.path.join(args.results, name + ".csv")
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["scheme", "name", "receiver", "task", "snr_db", "accuracy", "psnr_db",
                                          "ssim", "decoded_fraction", "capacity_bits"])
        w.writeheader()
        for row in rows:
            w.writerow(dict(row, scheme="separate", name=name))
    for row in rows:
        print(f"{row['task']:<6} {row['snr_db']:6.1f} dB  capacity {row['capacity_bits']:7.0f} bits  decoded "
              f"{row['decoded_fraction']:.3f}  acc {row['accuracy']:.4f}  PSNR {row['psnr_db']:6.2f} dB")
    print(f"wrote {path}")


def cmd_plot(args):
    from . import plot
    for path in plot.plot(args.csv, args.out, skip=args.skip or ()):
        print(f"wrote {path}")


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="semcom_train", description="gr-semcom training, export, evaluation and plots",
        epilog="A config's scheme is one of the built-in schemes (semcom_train/schemes/: deepscm, cm, mijscc, "
               "amijscc) or one registered by a Python file given with --scheme-module FILE (before or after "
               "the command, repeatable) that calls semcom_train.schemes.register(...). Config keys and their "
               "defaults: semcom_train/config.py; unknown keys are refused.")
    p.add_argument("--scheme-module", action="append", dest="scheme_modules", default=[], metavar="FILE",
                   help=SCHEME_MODULE_HELP)
    plugins = argparse.ArgumentParser(add_help=False)
    plugins.add_argument("--scheme-module", action="append", dest="scheme_modules_after", default=[],
                         metavar="FILE", help=SCHEME_MODULE_HELP)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", parents=[plugins], help="train a scheme from a config (resumes from its checkpoint)")
    t.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config entry (repeatable)")
    t.add_argument("--config", required=True, help="YAML config, e.g. python/configs/deepscm.yaml")
    t.add_argument("--out", help="checkpoint folder (default checkpoints/NAME)")
    t.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    t.add_argument("--limit", type=int, default=None, help="train on the first N images only (smoke runs)")
    t.add_argument("--epochs-scale", type=float, default=1.0, help="multiply every stage's epochs (smoke runs: 0)")
    t.add_argument("--restart", action="store_true", help="ignore an existing checkpoint")
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("export", parents=[plugins], help="write TorchScript + manifests and check that they reload")
    e.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config entry (repeatable)")
    e.add_argument("--config", required=True)
    e.add_argument("--out", help="checkpoint folder (default checkpoints/NAME)")
    e.add_argument("--models-dir", default="models", help="where to write the .pt/.json files")
    e.add_argument("--images", type=int, default=1000, help="test images for the metrics at export")
    e.add_argument("--threads", type=int, default=None)
    e.set_defaults(func=cmd_export)

    v = sub.add_parser("evaluate", parents=[plugins], help="accuracy, PSNR, SSIM per receiver against test SNR, as CSV")
    v.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a config entry (repeatable)")
    v.add_argument("--config", required=True)
    v.add_argument("--out", help="checkpoint folder (default checkpoints/NAME)")
    v.add_argument("--snrs", type=float, nargs="+", help="test SNRs in dB (default: the config's eval_snr_db)")
    v.add_argument("--channel", help="override every receiver's channel: awgn, rayleigh, rician:K")
    v.add_argument("--images", type=int, default=None, help="test images (default all 10000)")
    v.add_argument("--results", default="results", help="folder for the CSV")
    v.add_argument("--threads", type=int, default=None)
    v.set_defaults(func=cmd_evaluate)

    sp = sub.add_parser("separate", help="separate source-channel coding baseline (WebP at channel capacity)")
    sp.add_argument("--snrs", type=float, nargs="+", default=[-10, -5, 0, 5, 10, 15, 20, 25, 30])
    sp.add_argument("--channel-uses", type=int, default=128, help="complex channel uses per image")
    sp.add_argument("--channel", default="awgn", help="awgn, rayleigh or rician:K (ergodic capacity)")
    sp.add_argument("--images", type=int, default=1000, help="test images")
    sp.add_argument("--dataset", default="fashion-mnist")
    sp.add_argument("--data-root", default=None)
    sp.add_argument("--cache", default="checkpoints/separate", help="where the clean-image classifier is kept")
    sp.add_argument("--results", default="results")
    sp.add_argument("--threads", type=int, default=None)
    sp.set_defaults(func=cmd_separate)

    pl = sub.add_parser("plot", help="PNG plots of evaluation CSVs in the style of the papers' figures")
    pl.add_argument("csv", nargs="+", help="CSV files written by evaluate")
    pl.add_argument("--out", default="results", help="folder for the PNGs")
    pl.add_argument("--skip", action="append", metavar="NAME:RX",
                    help="leave out a receiver's curves, e.g. the untrained receiver of a single-receiver "
                         "baseline (cm_rx1:2); repeatable")
    pl.set_defaults(func=cmd_plot)

    args = p.parse_args(argv)
    if getattr(args, "threads", None):
        # Debian's torch calls OpenBLAS, whose own thread pool ignores torch.set_num_threads
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
        os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        for path in args.scheme_modules + getattr(args, "scheme_modules_after", []):
            from . import schemes
            schemes.load_module(path)
        args.func(args)
    except (FileNotFoundError, ValueError) as e:
        raise SystemExit(f"semcom_train: {e}")


if __name__ == "__main__":
    main()
