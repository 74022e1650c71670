#!/usr/bin/python3
#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Migrates model manifests from format semcom-model/1 to semcom-model/2, in place
(docs/model-manifest.md, "Migrating format 1"). The .pt files, `file` and `sha256` do not change.

    /usr/bin/python3 scripts/migrate_manifests.py models/NAME_encoder.json models/NAME_rx1.json ...

What it adds:
- `transmit.kind` from the scheme and the quantizer: deepscm, cm -> superposition; a quantizer ->
  quantized; mijscc / amijscc without one -> analog; separate -> separate.
- `transmit.snr_inputs`: `own` for an encoder with an `snr_db` input [-1, 1], else `none`; a
  decoder takes its family's encoder's (NAME_encoder.json beside NAME_rxK.json), or, without one,
  `none` for the schemes whose encoder takes no SNR (deepscm, cm, mijscc, separate).
- `transmit.side_info`: `quantizer_range` for quantized and analog features, `end_index` for an
  encoder with an `end_index` output (a decoder: its encoder's).
- `transmit.receivers` from `train_snr_db` (one entry per receiver; a single value or none: 1).
- a `role` on every input and output from its name (image, snr_db, symbols, layerK, features,
  end_index, indices, logits, TASK_logits), and `task` on logits outputs (from `tasks`).

This is the only place that reads a model's kind from its shape. What it cannot classify it
refuses, one line per file, and leaves that file as it was; the exit status is then 1. A file
already in format 2 is left untouched (running it twice changes nothing).
"""

import argparse
import json
import os
import re
import sys

FORMAT_1 = "semcom-model/1"
FORMAT_2 = "semcom-model/2"
SUPERPOSITION_SCHEMES = ("deepscm", "cm")
FEATURE_SCHEMES = ("mijscc", "amijscc")
NO_SNR_SCHEMES = ("deepscm", "cm", "mijscc", "separate")


class Refused(Exception):
    """Why a manifest cannot be migrated (one line)."""


def read(path):
    try:
        with open(path) as f:
            doc = json.load(f)
    except OSError as e:
        raise Refused(f"cannot read it ({e.strerror})")
    except json.JSONDecodeError as e:
        raise Refused(f"not valid JSON (line {e.lineno}: {e.msg})")
    if not isinstance(doc, dict):
        raise Refused("not a manifest (a JSON object is expected)")
    return doc


def require(doc, *keys):
    for key in keys:
        if key not in doc:
            raise Refused(f"malformed manifest: no '{key}'")
    for key in ("inputs", "outputs"):
        if key in keys and (not isinstance(doc[key], list) or not doc[key]
                            or not all(isinstance(t, dict) and "name" in t and "shape" in t for t in doc[key])):
            raise Refused(f"malformed manifest: '{key}' must be a non-empty list of tensors with name and shape")


def kind_of(doc):
    scheme, quantizer = doc["scheme"], doc.get("quantizer")
    if scheme in SUPERPOSITION_SCHEMES:
        if not doc.get("constellations"):
            raise Refused(f"scheme '{scheme}' without constellations: cannot be a superposition model")
        return "superposition"
    if quantizer:
        return "quantized"
    if scheme in FEATURE_SCHEMES:
        return "analog"
    if scheme == "separate":
        return "separate"
    raise Refused(f"cannot classify scheme '{scheme}' (no quantizer; known: deepscm, cm, mijscc, amijscc, "
                  "separate): write its transmit section by hand (docs/model-manifest.md)")


def receivers_of(doc):
    snr = doc.get("train_snr_db")
    if isinstance(snr, list):
        if not snr:
            raise Refused("train_snr_db is an empty list: cannot tell how many receivers")
        return len(snr)
    return 1


def tensor(doc, spec, where):
    name = spec["name"]
    if "role" in spec:
        return spec
    out = dict(spec)
    if where == "inputs":
        if name not in ("image", "snr_db", "symbols"):
            raise Refused(f"input '{name}': no role for this name (image, snr_db, symbols)")
        out["role"] = name
        return out
    m = re.fullmatch(r"(?:(\w+)_)?logits", name)
    if re.fullmatch(r"layer\d+", name):
        out["role"] = "layer"
    elif name in ("features", "end_index", "indices", "image"):
        out["role"] = name
    elif m:
        out["role"] = "logits"
        if m.group(1):
            out["task"] = m.group(1)
        else:
            tasks = [t for t in (doc.get("tasks") or []) if t != "image"]
            if len(tasks) != 1:
                raise Refused(f"output 'logits': tasks {doc.get('tasks')} do not name its one task")
            out["task"] = tasks[0]
    else:
        raise Refused(f"output '{name}': no role for this name "
                      "(layerK, features, end_index, indices, logits, TASK_logits, image)")
    return out


def encoder_transmit(doc):
    """The transmit section of a format-1 encoder manifest."""
    kind = kind_of(doc)
    snr = [t for t in doc["inputs"] if t["name"] == "snr_db"]
    if not snr:
        snr_inputs = "none"
    elif list(snr[0]["shape"]) == [-1, 1]:
        snr_inputs = "own"
    else:
        raise Refused(f"encoder snr_db input of shape {snr[0]['shape']}: cannot tell own from all_receivers")
    side = ["quantizer_range"] if kind in ("quantized", "analog") else []
    if any(t["name"] == "end_index" for t in doc["outputs"]):
        side.append("end_index")
    return {"kind": kind, "receivers": receivers_of(doc), "snr_inputs": snr_inputs, "side_info": side}


def family_encoder(path, doc):
    """The manifest of the encoder of a decoder's family (NAME_encoder.json beside NAME_rxK.json)."""
    m = re.fullmatch(r"(.*)_rx\d+\.json", os.path.basename(path))
    if not m:
        return None
    sibling = os.path.join(os.path.dirname(path), m.group(1) + "_encoder.json")
    if not os.path.exists(sibling):
        return None
    enc = read(sibling)
    if enc.get("scheme") != doc["scheme"]:
        raise Refused(f"{sibling} has scheme '{enc.get('scheme')}', this decoder '{doc['scheme']}'")
    return sibling, enc


def decoder_transmit(path, doc):
    kind = kind_of(doc)
    found = family_encoder(path, doc)
    if found:
        sibling, enc = found
        if enc.get("format") == FORMAT_2:
            t = dict(enc["transmit"])
        else:
            try:
                require(enc, "scheme", "role", "inputs", "outputs")
                t = encoder_transmit(enc)
            except Refused as e:
                raise Refused(f"its encoder {sibling}: {e}")
        if t["kind"] != kind:
            raise Refused(f"its encoder {sibling} is of kind {t['kind']}, this decoder of kind {kind}")
        t["receivers"] = receivers_of(doc)
        return t
    if doc["scheme"] not in NO_SNR_SCHEMES:
        raise Refused(f"scheme '{doc['scheme']}': which SNRs and side information its encoder needs is in the "
                      "encoder's manifest; migrate it together with NAME_encoder.json beside it")
    side = ["quantizer_range"] if kind in ("quantized", "analog") else []
    return {"kind": kind, "receivers": receivers_of(doc), "snr_inputs": "none", "side_info": side}


def migrate(path, doc):
    """The format-2 manifest of a format-1 one (or raises Refused)."""
    require(doc, "name", "scheme", "role", "file", "sha256", "inputs", "outputs", "channel_uses")
    if doc["role"] == "encoder":
        transmit = encoder_transmit(doc)
    elif doc["role"] == "decoder":
        transmit = decoder_transmit(path, doc)
    else:
        raise Refused(f"role '{doc['role']}' is neither encoder nor decoder")
    inputs = [tensor(doc, t, "inputs") for t in doc["inputs"]]
    outputs = [tensor(doc, t, "outputs") for t in doc["outputs"]]
    out = {"format": FORMAT_2}
    for key, value in doc.items():
        if key == "format":
            continue
        if key == "inputs":
            out["transmit"] = transmit
            out["inputs"] = inputs
        elif key == "outputs":
            out["outputs"] = outputs
        else:
            out[key] = value
    return out


def run(path):
    """Migrates one file; returns what happened (a line), or raises Refused."""
    doc = read(path)
    fmt = doc.get("format")
    if fmt == FORMAT_2:
        if not isinstance(doc.get("transmit"), dict):
            raise Refused(f"says {FORMAT_2} but has no transmit section")
        return "already " + FORMAT_2
    if fmt != FORMAT_1:
        raise Refused(f"unknown format {fmt!r} (expected {FORMAT_1} or {FORMAT_2})")
    new = migrate(path, doc)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(new, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    t = new["transmit"]
    return (f"migrated to {FORMAT_2}: {t['kind']}, {t['receivers']} receiver(s), snr_inputs {t['snr_inputs']}, "
            f"side_info [{', '.join(t['side_info'])}]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Rules: see this script's docstring and docs/model-manifest.md.")
    ap.add_argument("manifests", nargs="+", metavar="FILE.json", help="manifests to migrate in place")
    args = ap.parse_args(argv)
    failed = 0
    for path in args.manifests:
        try:
            print(f"{path}: {run(path)}")
        except Refused as e:
            print(f"migrate_manifests: {path}: refused: {e}", file=sys.stderr)
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
