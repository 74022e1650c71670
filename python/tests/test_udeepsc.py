"""U-DeepSC (issue #13): the soft demapper against its formula, the ratio network's monotonicity,
the inference selection's counts, the packed frame and its segments, the scripted decoder's
early exit against the layer-by-layer run, the index labelling, the parameter sharing, and a
smoke training + export + reload."""

import dataclasses
import math
import os

import pytest
import torch
import torch.nn.functional as F

from conftest import CONFIGS
from semcom_train import config, data, export, train
from semcom_train.schemes import get
from semcom_train.schemes import udeepsc as U


def cfg_of(name="udeepsc", **changes):
    small = dict(width=32, hidden=64, decoder_layers=3)
    small.update(changes)
    return config.load(os.path.join(CONFIGS, f"{name}.yaml")).replace(**small)


@pytest.fixture(scope="module")
def test_set():
    return data.load("fashion-mnist", "test").subset(64)


def build(cfg, dataset, seed=0):
    torch.manual_seed(seed)
    return get("udeepsc").build(cfg, dataset)


def test_posteriors_match_the_formula_and_sum_to_one():
    pts = U.gray_qam16()
    torch.manual_seed(1)
    y = torch.complex(torch.randn(3, 5), torch.randn(3, 5))
    nv = torch.tensor([[0.1], [1.0], [3.0]])
    lp = torch.log(torch.softmax(torch.randn(16), 0))
    p = U.posteriors(y, nv, pts, lp)
    torch.testing.assert_close(p.sum(-1), torch.ones(3, 5))
    yd, pd = y.to(torch.complex128), pts.to(torch.complex128)
    w = torch.exp(lp.double().view(1, 1, -1) - (yd.unsqueeze(-1) - pd).abs() ** 2 / nv.double().unsqueeze(-1))
    torch.testing.assert_close(p.double(), w / w.sum(-1, keepdim=True), atol=1e-6, rtol=1e-5)
    # high SNR: the sent point; very low SNR: the prior
    sent = torch.tensor([[3, 7, 11, 15]])
    p_hi = U.posteriors(pts[sent], torch.tensor([[1e-4]]), pts, lp)
    assert (p_hi.gather(-1, sent.unsqueeze(-1)) > 0.999).all()
    p_lo = U.posteriors(pts[sent], torch.tensor([[1e5]]), pts, lp)
    torch.testing.assert_close(p_lo[0, 0], torch.exp(lp), atol=1e-4, rtol=1e-3)


def test_ratio_network_keeps_more_tokens_at_lower_snr(test_set):
    net = build(cfg_of(), test_set)
    snr = torch.linspace(-10, 25, 50).view(-1, 1)
    for t in range(3):
        rho = net.encoder.ratio[t](U.sigma_of(snr))[:, 0]  # the learned network (no schedule)
        assert (rho[1:] <= rho[:-1] + 1e-7).all()           # falls as the SNR rises
        assert ((rho > 0) & (rho < 1)).all()
        k = U.keep_counts(rho.view(-1, 1), 49, 2)
        assert (k >= 1).all() and (k <= 49).all()


def test_top_k_mask_keeps_the_best_among_kept():
    score = torch.tensor([[0.9, 0.1, 0.8, 0.7, 0.2]])
    kept = torch.tensor([[1.0, 1.0, 0.0, 1.0, 1.0]])
    m = U.top_k_mask(score, kept, torch.tensor([2]))
    assert m.tolist() == [[1.0, 0.0, 0.0, 1.0, 0.0]]
    m = U.top_k_mask(score, kept, torch.tensor([10]))       # never more than were kept
    assert m.tolist() == kept.tolist()


def test_inference_keep_count_is_the_rate_tables(test_set):
    cfg = cfg_of()
    net = build(cfg, test_set).eval()
    table = get("udeepsc").rate_table(net, cfg)
    x = test_set.images[:8]
    for t, row in enumerate(table):
        for snr, tokens in zip(row["snr_db"], row["tokens"]):
            with torch.no_grad():
                _, keep, _, _ = net.encoder(x, torch.full((8, 1), snr), t)
            assert keep.sum(1).tolist() == [float(tokens)] * 8, (row["task"], snr)


def test_packed_frame_segments_and_high_snr_link_is_noiseless(test_set):
    cfg = cfg_of()
    net = build(cfg, test_set).eval()
    enc = U.CodebookEncoder(net)
    x = test_set.images[:6]
    snrs = [0.0, 6.0, 18.0]
    with torch.no_grad():
        packed, keep = enc(x, torch.tensor([snrs]).expand(6, -1))
    assert packed.shape == (6, 3 * 49 * 4) and keep.shape == (6, 3 * 49)
    sent = (keep.view(6, 3, 49).sum(2) * torch.tensor([net.task_groups])).sum(1)
    # the nearest code of a batch of 6 against one image alone: other BLAS row blocking (and other
    # CPUs' kernels) may flip a near-tie; at most 1 % of the indices may differ
    differ = total = 0
    for i in range(6):
        assert (packed[i, int(sent[i]):] == 0).all()                # nothing after the last kept slot
        # segment r = receiver r's kept tokens' indices in raster order
        off = 0
        for t in range(3):
            with torch.no_grad():
                z, k, _, _ = net.encoder(x[i:i + 1], torch.tensor([[snrs[t]]]), t)
            idx = net.labels[net.codebook.nearest(z)][0]
            want = idx[net.slot_mask(k, t)[0] > 0]
            differ += int((packed[i, off:off + len(want)] != want).sum())
            total += len(want)
            off += len(want)
    assert differ <= max(1, total // 100), f"{differ} of {total} indices differ"
    # at 60 dB the soft link gives the noiseless posteriors: the decoders' outputs agree
    decs = [net.task_decoders[t] for t in range(3)]
    with torch.no_grad():
        res = U.radio_link(enc, decs, x, [60.0] * 3, net.point_log_prior(), threshold=1.0, task_groups=net.task_groups)
        for t in range(3):
            outs, keep_t = get("udeepsc").run(net, x, 60.0, t, noiseless=True)
            torch.testing.assert_close(res[t][0], outs[-1][0], atol=1e-4, rtol=1e-4)
            assert (res[t][1] == 3).all()                           # threshold 1: the last layer


def test_scripted_decoder_exits_as_the_layer_by_layer_run(test_set):
    cfg = cfg_of()
    net = build(cfg, test_set).eval()
    dec = torch.jit.script(net.task_decoders[1])
    torch.manual_seed(3)
    b = 16
    post = torch.softmax(torch.randn(b, 196, 16) * 3, -1)
    keep = (torch.rand(b, 49) > 0.4).float()
    snr = torch.rand(b, 1) * 18
    memory = dec.memory(post, keep)
    x = dec.start(b)
    certs, outs = [], []
    for i in range(3):
        x = dec.layer(i, x, memory)
        o, c = dec.exit_head(i, x, snr)
        outs.append(o)
        certs.append(c)
    c = torch.stack(certs, 1)
    # some frames exit at layer 1, some later; the threshold half-way between two certainties, so
    # that no certainty lies within rounding of it (the scripted run may round otherwise)
    first_exit = c[:, 0].sort().values
    thr = float(first_exit[b // 2 - 1] + first_exit[b // 2]) / 2
    out, layer = dec(post, keep, snr, torch.full((b, 1), thr))
    passed = c > thr
    passed[:, -1] = True
    first = passed.float().argmax(1)
    assert layer.tolist() == (first + 1).tolist()
    assert 0 < (layer == 1).sum() < b
    want = torch.stack([outs[int(first[i])][i] for i in range(b)])
    torch.testing.assert_close(out, want)


def test_labelling_puts_near_codewords_on_near_points():
    torch.manual_seed(0)
    # codewords on a 4x4 grid in 8-D: the best labelling maps the grid onto the 16QAM grid
    grid = torch.tensor([[i, j] for i in range(4) for j in range(4)], dtype=torch.float32)
    codes = torch.cat((grid, torch.zeros(16, 6)), 1) @ torch.linalg.qr(torch.randn(8, 8))[0]
    prior = torch.full((16,), 1 / 16)
    pts = U.gray_qam16()
    lab, best = U.labelling(codes, prior, pts, 4.0)
    assert sorted(lab.tolist()) == list(range(16))
    rand = [U.labelling_cost(codes, prior, pts, 4.0, torch.randperm(16)) for _ in range(20)]
    assert best < 0.6 * min(rand)
    assert abs(U.labelling_cost(codes, prior, pts, 4.0, lab) - best) < 1e-9


def test_unified_shares_everything_but_heads(test_set):
    cfg = cfg_of()
    unified = U.unique_param_count(build(cfg, test_set))
    singles = sum(U.unique_param_count(build(cfg_of(f"udeepsc_{t}", width=32, hidden=64, decoder_layers=3), test_set))
                  for t in ("image", "fine", "coarse"))
    assert unified < 0.45 * singles, (unified, singles)


def test_smoke_training_export_and_reload(tmp_path, test_set):
    cfg = cfg_of(train_images=64, batch_size=32)
    cfg = cfg.replace(stages=tuple(dataclasses.replace(s, epochs=1) for s in cfg.stages), name="udeepsc_t")
    model, history = train.train(cfg, str(tmp_path / "ck"), threads=1)
    assert len(history) == 2 and all(math.isfinite(h["loss"]) for h in history)
    assert 0 < history[-1]["keep1"] <= 1
    ds = data.load("fashion-mnist", "test").subset(32)
    mans = export.export(model, cfg, ds, str(tmp_path / "models"), "test", images=32)
    assert [m["transmit"]["kind"] for m in mans] == ["codebook"] * 4
    enc = mans[0]
    assert enc["channel_uses"] == 3 * 49 * 4 and enc["codebook"]["groups"] == 4
    assert sorted(enc["codebook"]["labels"]) == list(range(16))
    for r, m in enumerate(mans[1:]):
        assert [i["role"] for i in m["inputs"]] == ["index_posteriors", "keep_mask", "snr_db", "exit_threshold"]
        assert m["outputs"][-1]["role"] == "exit_layer"
        assert 1.0 <= m["metrics"]["mean_exit_layer"] <= 3.0
    for rx, key, before, after in export.reload_check(cfg, ds, str(tmp_path / "models")):
        assert before == pytest.approx(after, abs=1e-6), (rx, key)


def test_keep_schedule_sets_the_counts(test_set):
    cfg = cfg_of()
    net = build(cfg, test_set).eval()
    x = test_set.images[:4]
    for t, rx in enumerate(cfg.receivers):
        f0, f18 = rx.keep_schedule
        for snr, frac in ((-6.0, f0), (0.0, f0), (9.0, (f0 + f18) / 2), (18.0, f18), (30.0, f18)):
            with torch.no_grad():
                _, keep, _, _ = net.encoder(x, torch.full((4, 1), snr), t)
            assert keep.sum(1).tolist() == [float(max(1, round(49 * frac)))] * 4, (rx.task, snr)
    with pytest.raises(ValueError, match="keep_schedule"):
        bad = cfg.replace(receivers=(cfg.receivers[0].__class__(task="fine", snr_db=[0.0, 12.0], keep_schedule=[0.5, 1.5]),))
        build(bad, test_set)
