"""scripts/migrate_manifests.py: format-1 manifests of every kind become format 2 as
docs/model-manifest.md says; a second run changes nothing; what it cannot classify, and malformed
files, are refused with one line and left as they were."""

import json
import os
import subprocess
import sys

import pytest

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "migrate_manifests.py")
SHA = "ab" * 32


def tensor(name, shape, dtype="float32"):
    return {"name": name, "shape": shape, "dtype": dtype}


def v1(name, scheme, role, inputs, outputs, **extra):
    doc = {"format": "semcom-model/1", "scheme": scheme, "channel_uses": 8, "constellations": [], "alphas": [],
           "quantizer": None, "train_snr_db": [-5.0, 20.0], "name": name, "role": role,
           "inputs": inputs, "outputs": outputs, "metrics": {}, "file": name + ".pt", "sha256": SHA}
    doc.update(extra)
    return doc


QAM = [{"name": "4qam", "order": 4, "points": [[-0.7071068, -0.7071068]] * 4}]
DECODER_IO = dict(inputs=[tensor("symbols", [-1, 8, 2]), tensor("snr_db", [-1, 1])],
                  outputs=[tensor("logits", [-1, 4]), tensor("image", [-1, 1, 28, 28])])


def put(tmp_path, doc, name=None):
    path = tmp_path / ((name or doc["name"]) + ".json")
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return str(path)


def migrate(*paths):
    return subprocess.run([sys.executable, SCRIPT, *paths], capture_output=True, text=True)


def load(path):
    with open(path) as f:
        return json.load(f)


def test_help_needs_no_torch():
    r = subprocess.run([sys.executable, SCRIPT, "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "usage" in r.stdout
    with open(SCRIPT) as f:
        text = f.read()
    assert text.startswith("#!/usr/bin/python3\n") and "import torch" not in text


def test_superposition_family(tmp_path):
    enc = put(tmp_path, v1("d_encoder", "deepscm", "encoder", [tensor("image", [-1, 1, 28, 28])],
                           [tensor("layer1", [-1, 8], "int64"), tensor("layer2", [-1, 8], "int64")],
                           constellations=QAM * 2, alphas=[0.8, 0.2]))
    dec = put(tmp_path, v1("d_rx1", "deepscm", "decoder", receiver=1, tasks=["coarse", "image"],
                           constellations=QAM * 2, alphas=[0.8, 0.2], **DECODER_IO))
    r = migrate(enc, dec)
    assert r.returncode == 0, r.stderr
    for path in (enc, dec):
        m = load(path)
        assert list(m)[0] == "format" and m["format"] == "semcom-model/2"
        assert m["transmit"] == {"kind": "superposition", "receivers": 2, "snr_inputs": "none", "side_info": []}
        assert m["file"] == os.path.basename(path)[:-5] + ".pt" and m["sha256"] == SHA
    assert [t["role"] for t in load(enc)["outputs"]] == ["layer", "layer"]
    assert load(enc)["inputs"][0]["role"] == "image"
    d = load(dec)
    assert [t["role"] for t in d["inputs"]] == ["symbols", "snr_db"]
    assert d["outputs"][0] == {"name": "logits", "shape": [-1, 4], "dtype": "float32", "role": "logits",
                               "task": "coarse"}
    assert d["outputs"][1]["role"] == "image"


def test_adaptive_quantized_family_and_its_decoder(tmp_path):
    q = {"bits": 8, "range_mode": "per_frame"}
    enc = put(tmp_path, v1("a_encoder", "amijscc", "encoder",
                           [tensor("image", [-1, 1, 28, 28]), tensor("snr_db", [-1, 1])],
                           [tensor("features", [-1, 16]), tensor("end_index", [-1], "int64")],
                           quantizer=q, train_snr_db=[[-5.0, 20.0]]))
    dec = put(tmp_path, v1("a_rx1", "amijscc", "decoder", receiver=1, tasks=["fine", "image"], quantizer=q,
                           train_snr_db=[[-5.0, 20.0]], **DECODER_IO))
    r = migrate(dec)  # the decoder alone: its transmit section comes from its encoder beside it
    assert r.returncode == 0, r.stderr
    want = {"kind": "quantized", "receivers": 1, "snr_inputs": "own", "side_info": ["quantizer_range", "end_index"]}
    assert load(dec)["transmit"] == want
    assert migrate(enc).returncode == 0
    assert load(enc)["transmit"] == want
    assert [t["role"] for t in load(enc)["outputs"]] == ["features", "end_index"]
    assert [t["role"] for t in load(enc)["inputs"]] == ["image", "snr_db"]


def test_analog_and_quantized_mijscc(tmp_path):
    analog = put(tmp_path, v1("m_encoder", "mijscc", "encoder", [tensor("image", [-1, 1, 28, 28])],
                              [tensor("features", [-1, 16])], train_snr_db=[[-5.0, 20.0]]))
    q8 = put(tmp_path, v1("q_encoder", "mijscc", "encoder", [tensor("image", [-1, 1, 28, 28])],
                          [tensor("features", [-1, 16])], train_snr_db=[[-5.0, 20.0]],
                          quantizer={"bits": 8, "range_mode": "per_frame"}))
    assert migrate(analog, q8).returncode == 0
    assert load(analog)["transmit"] == {"kind": "analog", "receivers": 1, "snr_inputs": "none",
                                        "side_info": ["quantizer_range"]}
    assert load(q8)["transmit"]["kind"] == "quantized"


def test_separate_classifier(tmp_path):
    path = put(tmp_path, v1("separate_classifier", "separate", "decoder", [tensor("image", [-1, 1, 28, 28])],
                            [tensor("fine_logits", [-1, 10]), tensor("coarse_logits", [-1, 4])],
                            tasks=["fine", "coarse"], train_snr_db=None))
    assert migrate(path).returncode == 0
    m = load(path)
    assert m["transmit"] == {"kind": "separate", "receivers": 1, "snr_inputs": "none", "side_info": []}
    assert m["inputs"][0]["role"] == "image"
    assert [(t["role"], t["task"]) for t in m["outputs"]] == [("logits", "fine"), ("logits", "coarse")]


def test_idempotent(tmp_path):
    path = put(tmp_path, v1("d_rx2", "cm", "decoder", receiver=2, tasks=["fine", "image"], constellations=QAM,
                            alphas=[1.0], **DECODER_IO))
    assert migrate(path).returncode == 0
    with open(path, "rb") as f:
        once = f.read()
    r = migrate(path)
    assert r.returncode == 0 and "already semcom-model/2" in r.stdout
    with open(path, "rb") as f:
        assert f.read() == once


@pytest.mark.parametrize("doc,why", [
    (v1("x_encoder", "deepbroadcast", "encoder", [tensor("image", [-1, 1, 28, 28])], [tensor("features", [-1, 16])]),
     "cannot classify scheme 'deepbroadcast'"),
    (v1("y_encoder", "deepscm", "encoder", [tensor("image", [-1, 1, 28, 28])], [tensor("codes", [-1, 8])],
        constellations=QAM), "output 'codes': no role"),
    (v1("z_encoder", "amijscc", "encoder", [tensor("image", [-1, 1, 28, 28]), tensor("snr_db", [-1, 3])],
        [tensor("features", [-1, 16])], quantizer={"bits": 8}), "cannot tell own from all_receivers"),
    (v1("w_rx1", "amijscc", "decoder", quantizer={"bits": 8}, tasks=["fine", "image"], **DECODER_IO),
     "migrate it together with NAME_encoder.json"),
])
def test_refusal_leaves_the_file_alone(tmp_path, doc, why):
    path = put(tmp_path, doc)
    with open(path, "rb") as f:
        before = f.read()
    r = migrate(path)
    assert r.returncode == 1
    assert why in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    with open(path, "rb") as f:
        assert f.read() == before


def test_malformed_files(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "semcom-model/1", "name": ')
    partial = put(tmp_path, {"format": "semcom-model/1", "name": "p", "scheme": "deepscm", "role": "encoder"})
    future = put(tmp_path, {"format": "semcom-model/9"}, "future")
    good = put(tmp_path, v1("g_encoder", "cm", "encoder", [tensor("image", [-1, 1, 28, 28])],
                            [tensor("layer1", [-1, 8], "int64")], constellations=QAM))
    r = migrate(str(broken), partial, future, good)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 3
    assert "broken.json: refused: not valid JSON" in lines[0]
    assert "p.json: refused: malformed manifest: no 'file'" in lines[1]
    assert "future.json: refused: unknown format 'semcom-model/9'" in lines[2]
    assert load(good)["format"] == "semcom-model/2"  # the others are still migrated
