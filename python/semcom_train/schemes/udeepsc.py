#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""U-DeepSC: one unified multi-task model (issue #13; digest shared/papers/udeepsc-digest.md §6),
sized for a CPU. The receivers of a config are its tasks (`image` = recovery, `fine`, `coarse`);
one receiver = a single-task model (the T-DeepSC baseline).

- Encoder (shared by the tasks): 4x4 patches -> N = 49 tokens, Linear(16 -> d) + learned position,
  a learned task token appended (not transmitted), `encoder_layers` pre-LN Transformer blocks
  (d = `width`, 4 heads, MLP `hidden`), LayerNorm -> Linear(d -> D) per token.
- Dynamic selection (eq. 14-17, per task): selection modules before the last two blocks (Q = 2).
  Each: local/global features (LN -> Linear(d, d) -> GELU; first half local, second half masked
  mean of the kept tokens), a noise feature of sigma (MLP 1 -> 16 -> d/2), f4 (3d/2 -> d/2 -> d/4
  -> 2) -> keep/drop log-probabilities. Training: hard Gumbel-softmax (tau), straight through, the
  mask accumulates (dropped stays dropped) and dropped tokens leave attention as keys (DynamicViT's
  softmax with a policy). Inference: module q keeps the top round(N rho^q) tokens (at least one)
  of those still kept, by keep probability, so the count depends only on (task, SNR).
- rho_task(sigma) (the ratio network, eq. 18): sigmoid(a + |W2| tanh(|W1| sigma + b1)), increasing
  in the noise std by construction (more features at low SNR); targets rho, rho^2 for the two
  modules; loss ratio_weight * sum_q (rho^q - kept fraction)^2 + rho_l1 * rho (the paper's l1, so
  rho does not drift up; the official code's weight is 0). With a receiver's `keep_schedule`
  [f0, f18], rho^2 is instead fixed: f0 at 0 dB to f18 at 18 dB, linear (the official code's
  `get_rate_table` alternative, smoothed): the l1 price of a token did not move the keep ratio
  in our trainings (the hard Gumbel straight-through gradient of the task outweighs it), so the
  shipped configs use schedules (a departure from the paper's learned rho, said in the results).
- Codebook (eq. 10-12): one image sub-codebook of K = codebook_size entries of dimension
  D / G shared by the tasks; each token's D values are G groups (product quantisation), each sent
  as one index = one point of unit-power Gray 16QAM (K = 16). Loss ||sg z - e||^2 + 0.25 ||z -
  sg e||^2; k-means start from the first batch and dead-code restart; usage prior kept.
- Index labelling: which codeword sits on which 16QAM point. Re-solved after every epoch (refit):
  pairwise swaps from a 2-D PCA start minimising sum_ij prior_i P(j|i) ||e_i - e_j||^2 (P at
  `label_snr_db`), so that near codewords sit on near points; shipped in the manifest.
- Channel in training: y = s + n (AWGN; SNR uniform in the receivers' range), soft demapping:
  p(k | y) proportional to prior_k exp(-|y - s_k|^2 / sigma^2); the decoder gets sum_k p(k|y) e_k
  (straight-through to the encoder, eq. 12). `hard` decisions (argmax) are the official behaviour.
- Decoder (shared): memory = Linear(D -> d) of the received codewords + receiver-side position,
  a learned [MASK] token at dropped positions; `decoder_layers` pre-LN Transformer decoder layers
  over per-task queries (recovery: 49 position queries; classes: 4); after every layer, per task,
  an exit head (classes: Linear on the mean of the queries; recovery: Linear(d -> 16) + sigmoid
  per patch) and the task's learned certainty module LCM (eq. 7: MLP of [mean query, SNR/20,
  layer/L] -> sigmoid), trained on c = 1(argmax = y) (eq. 8) or 1 - tanh(RMSE / kappa) (eq. 9,
  scaled: kappa = lcm_kappa), features detached.
- Loss: phase 1 (stage named `phase1`): the last exit only; phase 2 (`phase2`): sum_i (i/L) L_i +
  the LCM losses. Always the codebook, ratio and domain-adaptation losses; DA (eq. 13, bounded):
  -||A_n B_n^T||_F / sqrt(N_A N_B) over row-normalised pre-VQ features of every pair of tasks, weight
  da_weight (0: ablation). Every step runs every task on the same images (Algorithm 1 draws two).
  Recovery loss: lambda * MSE (the receiver's `lambda`); classes: cross-entropy.

Departures from the paper are the digest's (§6) and are named in docs/model-manifest.md.
"""

import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .. import channels
from . import register
from .base import ExportModule, Scheme, Tensor, Transmit, classes_of, labels_of

PATCH = 4
FASHION_MEAN, FASHION_STD = 0.2860, 0.3530
TASK_QUERIES = 4


def sigma_of(snr_db):
    """Noise std of unit-power symbols at snr_db (DESIGN §4), as the selection modules see it."""
    return torch.pow(10.0, -snr_db / 20.0)


class Attention(nn.Module):
    """Multi-head attention; `policy` [B, T_k] (1 keep, 0 drop; None: all) removes keys from the
    softmax (DynamicViT: a query always sees itself when it is also a key)."""

    def __init__(self, d: int, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = 1.0 / math.sqrt(d // heads)
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.proj = nn.Linear(d, d)

    def forward(self, x, kv, policy: Optional[torch.Tensor], self_attention: bool):
        b, tq, d = x.shape
        tk = kv.shape[1]
        h = self.heads
        q = self.q(x).view(b, tq, h, d // h).transpose(1, 2)
        k, v = self.kv(kv).view(b, tk, 2, h, d // h).permute(2, 0, 3, 1, 4).unbind(0)
        a = torch.matmul(q, k.transpose(-2, -1)) * self.scale
        if policy is None:
            w = torch.softmax(a, -1)
        else:
            p = policy.view(b, 1, 1, tk)
            if self_attention:
                eye = torch.eye(tk, dtype=a.dtype, device=a.device).view(1, 1, tk, tk)
                p = p + (1.0 - p) * eye
            e = torch.exp(a - a.max(-1, keepdim=True)[0]) * p
            w = (e + 1e-6 / tk) / (e.sum(-1, keepdim=True) + 1e-6)
        y = torch.matmul(w, v).transpose(1, 2).reshape(b, tq, d)
        return self.proj(y)


class Block(nn.Module):
    """Pre-LN Transformer encoder block."""

    def __init__(self, d: int, heads: int, hidden: int):
        super().__init__()
        self.n1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads)
        self.n2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def forward(self, x, policy: Optional[torch.Tensor]):
        y = self.n1(x)
        x = x + self.attn(y, y, policy, True)
        return x + self.mlp(self.n2(x))


class DecoderLayer(nn.Module):
    """Pre-LN Transformer decoder layer: self-attention of the queries, cross-attention to the
    memory, MLP."""

    def __init__(self, d: int, heads: int, hidden: int):
        super().__init__()
        self.n1 = nn.LayerNorm(d)
        self.self_attn = Attention(d, heads)
        self.n2 = nn.LayerNorm(d)
        self.cross = Attention(d, heads)
        self.n3 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, hidden), nn.GELU(), nn.Linear(hidden, d))

    def forward(self, x, memory):
        y = self.n1(x)
        x = x + self.self_attn(y, y, None, True)
        x = x + self.cross(self.n2(x), memory, None, False)
        return x + self.mlp(self.n3(x))


class Selector(nn.Module):
    """One selection module (eq. 14-16): tokens [B, N, d], kept mask [B, N], noise std [B, 1] ->
    keep/drop log-probabilities [B, N, 2]."""

    def __init__(self, d: int):
        super().__init__()
        self.half = d // 2
        self.features = nn.Sequential(nn.LayerNorm(d), nn.Linear(d, d), nn.GELU())
        self.noise = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, self.half), nn.ReLU())
        self.f4 = nn.Sequential(nn.Linear(3 * self.half, self.half), nn.GELU(), nn.Linear(self.half, d // 4),
                                nn.GELU(), nn.Linear(d // 4, 2))

    def forward(self, tokens, kept, sigma):
        f = self.features(tokens)
        local, glob = f[..., :self.half], f[..., self.half:]
        g = (glob * kept.unsqueeze(-1)).sum(1) / kept.sum(1, keepdim=True).clamp_min(1.0)   # eq. 15
        n = tokens.shape[1]
        z = torch.cat((local, g.unsqueeze(1).expand(-1, n, -1), self.noise(sigma).unsqueeze(1).expand(-1, n, -1)), -1)
        return torch.log_softmax(self.f4(z), -1)


class RatioNet(nn.Module):
    """rho(sigma) in (0, 1), increasing in the noise std by construction."""

    def __init__(self, hidden: int = 16):
        super().__init__()
        self.w1 = nn.Parameter(torch.rand(hidden) * 2.0)
        self.b1 = nn.Parameter(torch.zeros(hidden))
        self.w2 = nn.Parameter(torch.rand(hidden) * 0.5)
        self.a = nn.Parameter(torch.zeros(1))

    def forward(self, sigma):
        h = torch.tanh(sigma * self.w1.abs() + self.b1)      # [B, hidden]
        return torch.sigmoid(self.a + (h * self.w2.abs()).sum(-1, keepdim=True))   # [B, 1]


def keep_counts(rho, n: int, q: int):
    """Tokens module q keeps at ratio rho [B, 1] of n: max(1, round(n rho^q)) as int64 [B]."""
    return torch.clamp(torch.round(n * torch.pow(rho[:, 0], float(q))), min=1.0).long()


def top_k_mask(score, kept, count):
    """[B, N] 0/1: the `count` [B] highest scores among kept tokens (ties: lower position first)."""
    s = torch.where(kept > 0, score, torch.full_like(score, -1e30))
    order = torch.argsort(-s, dim=1, stable=True)
    rank = torch.empty_like(order)
    rank.scatter_(1, order, torch.arange(s.shape[1], device=s.device).expand_as(order))
    return ((rank < count.view(-1, 1)) & (kept > 0)).to(score.dtype)


class Encoder(nn.Module):
    """image [B, 1, 28, 28], snr_db [B, 1], task index -> (pre-VQ features [B, N, D], keep mask
    [B, N], per module the kept fraction and rho^q (training))."""

    def __init__(self, cfg, tasks: int, image_shape):
        super().__init__()
        c, hh, ww = image_shape
        if hh % PATCH or ww % PATCH:
            raise ValueError(f"udeepsc: image {hh}x{ww} is not a whole number of {PATCH}x{PATCH} patches")
        self.grid = (hh // PATCH, ww // PATCH)
        self.n = self.grid[0] * self.grid[1]
        d = cfg.width
        self.embed = nn.Linear(c * PATCH * PATCH, d)
        self.pos = nn.Parameter(torch.randn(1, self.n, d) * 0.02)
        self.task_tokens = nn.Parameter(torch.randn(tasks, d) * 0.02)
        self.blocks = nn.ModuleList([Block(d, 4, cfg.hidden) for _ in range(cfg.encoder_layers)])
        self.first_selected = cfg.encoder_layers - 2  # selection before the last two blocks (Q = 2)
        self.selectors = nn.ModuleList([nn.ModuleList([Selector(d) for _ in range(2)]) for _ in range(tasks)])
        self.ratio = nn.ModuleList([RatioNet() for _ in range(tasks)])
        # per task [kept at 0 dB, kept at 18 dB] of a fixed schedule, or NaN: the learned rho
        sched = [list(rx.keep_schedule) if rx.keep_schedule else [float("nan")] * 2 for rx in cfg.receivers]
        for sch in sched:
            if len(sch) != 2 or not all(math.isnan(v) or 0.0 < v <= 1.0 for v in sch):
                raise ValueError(f"udeepsc: keep_schedule must be [fraction at 0 dB, at 18 dB] in (0, 1], got {sch}")
        self.register_buffer("schedule", torch.tensor(sched, dtype=torch.float32))
        self.learned_rho = [math.isnan(sch[0]) for sch in sched]  # fixed per model: a Python constant
        self.norm = nn.LayerNorm(d)
        self.out = nn.Linear(d, cfg.code_dim)
        self.tau = cfg.tau

    def keep_rho(self, snr_db, task: int):
        """rho [B, 1]: the selection keeps round(N rho^q) tokens after module q. The learned
        network of the noise std, or the task's fixed schedule (rho^2 = the kept fraction, linear
        in the SNR between its values at 0 and 18 dB)."""
        if self.learned_rho[task]:
            return self.ratio[task](sigma_of(snr_db))
        lo, hi = self.schedule[task, 0], self.schedule[task, 1]
        frac = lo + (hi - lo) * torch.clamp(snr_db / 18.0, 0.0, 1.0)
        return torch.sqrt(frac)

    def patches(self, image):
        b, c = image.shape[0], image.shape[1]
        x = (image - FASHION_MEAN) / FASHION_STD
        x = x.unfold(2, PATCH, PATCH).unfold(3, PATCH, PATCH)     # [B, C, 7, 7, 4, 4]
        return x.permute(0, 2, 3, 1, 4, 5).reshape(b, self.n, c * PATCH * PATCH)

    def forward(self, image, snr_db, task: int, selection: bool = True):
        b = image.shape[0]
        sigma = sigma_of(snr_db)
        x = self.embed(self.patches(image)) + self.pos
        x = torch.cat((x, self.task_tokens[task].view(1, 1, -1).expand(b, 1, -1)), 1)
        kept = torch.ones(b, self.n, dtype=x.dtype, device=x.device)
        rho = self.keep_rho(snr_db, task)
        fractions: List[torch.Tensor] = []
        selectors = self.selectors[task]
        for i, block in enumerate(self.blocks):
            q = i - self.first_selected
            if selection and q >= 0:
                logp = selectors[q](x[:, :self.n], kept, sigma)
                if self.training:
                    m = F.gumbel_softmax(logp, tau=self.tau, hard=True)[..., 0]
                    kept = kept * m
                else:
                    kept = top_k_mask(logp[..., 0], kept, keep_counts(rho, self.n, q + 1))
                fractions.append(kept.mean(1))
            policy = None
            if selection and q >= 0:
                policy = torch.cat((kept, torch.ones(b, 1, dtype=x.dtype, device=x.device)), 1)
            x = block(x, policy)
        z = self.out(self.norm(x[:, :self.n]))
        return z, kept, fractions, rho


class Codebook(nn.Module):
    """K codewords of dimension D / G (product quantisation: G groups per token)."""

    def __init__(self, size: int, dim: int, groups: int):
        super().__init__()
        if dim % groups:
            raise ValueError(f"udeepsc: code_dim {dim} is not a multiple of index_groups {groups}")
        self.groups, self.sub = groups, dim // groups
        self.codes = nn.Parameter(torch.rand(size, self.sub) * 2.0 / size - 1.0 / size)
        self.register_buffer("log_prior", torch.full((size,), -math.log(size)))
        self.register_buffer("usage", torch.zeros(size))
        self.register_buffer("initialised", torch.zeros(()))

    def split(self, z):
        """[B, N, D] -> [B, N * G, D / G]."""
        return z.reshape(z.shape[0], -1, self.sub)

    def nearest(self, z):
        """Indices [B, N * G] of the nearest codewords of each group."""
        zs = self.split(z)
        d = (zs ** 2).sum(-1, keepdim=True) - 2 * zs @ self.codes.t() + (self.codes ** 2).sum(-1)
        return d.argmin(-1)


def gray_qam16():
    """Unit-power Gray 16QAM points, complex [16] (semcom-core's table: channels.constellation_points)."""
    return channels.constellation_points("16qam")


def posteriors(y, noise_var, points, log_prior):
    """Soft demapping: p(k | y) proportional to prior_k exp(-|y - points[k]|^2 / noise_var);
    y complex [B, M], noise_var [B, 1] or [B, M] -> [B, M, K]."""
    d2 = (y.unsqueeze(-1) - points.view(1, 1, -1)).abs() ** 2
    nv = noise_var if noise_var.dim() == 3 else noise_var.unsqueeze(-1)
    return torch.softmax(log_prior.view(1, 1, -1) - d2 / nv, -1)


class TaskDecoder(nn.Module):
    """One receiver's decoder (what is exported, scripted): the shared layers with this task's
    queries, exit heads and LCM. forward(posteriors [B, N*G, K], keep [B, N], snr_db [B, 1],
    threshold [1]) -> (output of the exit taken, exit layer [B] int64 (1-based)); the exported
    methods `memory`, `start`, `layer`, `exit_head` let semcom-core run it layer by layer."""

    def __init__(self, net, task: int):
        super().__init__()
        self.codes = net.codebook.codes
        self.register_buffer("labels", net.labels)  # shared: codeword k sits on point labels[k]
        self.groups = net.codebook.groups
        self.n = net.encoder.n
        self.grid = net.encoder.grid
        self.input = net.dec_input
        self.pos = net.dec_pos
        self.mask_token = net.mask_token
        self.layers = net.dec_layers
        self.queries = net.queries[task]
        self.heads = net.heads[task]
        self.lcm = net.lcms[task]
        # shared with the codebook (not saved twice: the checkpoint holds the codebook's)
        self.register_buffer("log_prior", net.codebook.log_prior, persistent=False)
        self.recovery = net.tasks[task] == "image"
        self.patch = PATCH
        self.depth = len(net.dec_layers)

    @torch.jit.export
    def memory(self, post, keep):
        return self.embed(torch.matmul(post, self.codes_by_point()), keep)  # posterior-weighted codewords

    @torch.jit.export
    def embed(self, code, keep):
        """Received codewords [B, N*G, D/G] -> the decoder's memory [B, N, d]: [MASK] where a
        token was not kept, the receiver-side position everywhere."""
        k = keep.unsqueeze(-1)
        return k * self.input(code.reshape(code.shape[0], self.n, -1)) + (1.0 - k) * self.mask_token + self.pos

    @torch.jit.export
    def point_log_prior(self):
        return self.log_prior[torch.argsort(self.labels)]

    @torch.jit.export
    def codes_by_point(self):
        """[K, D / G]: row p = the codeword on constellation point p."""
        return self.codes[torch.argsort(self.labels)]

    @torch.jit.export
    def start(self, batch: int):
        return self.queries.unsqueeze(0).expand(batch, -1, -1)

    @torch.jit.export
    def layer(self, i: int, x, memory):
        for j, layer in enumerate(self.layers):
            if j == i:
                x = layer(x, memory)
        return x

    @torch.jit.export
    def exit_head(self, i: int, x, snr_db) -> Tuple[torch.Tensor, torch.Tensor]:
        out = x
        for j, head in enumerate(self.heads):
            if j == i:
                out = head(x)
        pooled = x.mean(1)
        depth = torch.full_like(snr_db, float(i + 1) / float(self.depth))
        c = torch.sigmoid(self.lcm(torch.cat((pooled, snr_db / 20.0, depth), 1)))[:, 0]
        if self.recovery:
            b = out.shape[0]
            p = self.patch
            out = out.view(b, self.grid[0], self.grid[1], 1, p, p).permute(0, 3, 1, 4, 2, 5)
            out = out.reshape(b, 1, self.grid[0] * p, self.grid[1] * p)
        return out, c

    def forward(self, post, keep, snr_db, threshold):
        """Every frame through every layer; each frame's output is the first exit whose certainty
        passes threshold (the last if none): what the layer-by-layer run gives."""
        memory = self.memory(post, keep)
        x = self.start(post.shape[0])
        b = post.shape[0]
        done = torch.zeros(b, dtype=torch.bool, device=post.device)
        layer_taken = torch.full((b,), self.depth, dtype=torch.long, device=post.device)
        result = torch.zeros(1)
        for i in range(self.depth):
            x = self.layer(i, x, memory)
            out, c = self.exit_head(i, x, snr_db)
            take = (~done) & (c > threshold[:, 0])
            if i == self.depth - 1:
                take = ~done
            if i == 0:
                result = out.clone()
            sel = take.view([-1] + [1] * (out.dim() - 1))
            result = torch.where(sel, out, result)
            layer_taken = torch.where(take, torch.full_like(layer_taken, i + 1), layer_taken)
            done = done | take
        return result, layer_taken


class ExitHead(nn.Module):
    def __init__(self, d: int, outputs: int, recovery: bool):
        super().__init__()
        self.recovery = recovery
        self.norm = nn.LayerNorm(d)
        self.fc = nn.Linear(d, outputs)

    def forward(self, x):
        if self.recovery:
            return torch.sigmoid(self.fc(self.norm(x)))        # [B, 49, 16]
        return self.fc(self.norm(x.mean(1)))                     # [B, classes]


class UDeepSCNet(nn.Module):
    def __init__(self, cfg, tasks, classes, image_shape):
        super().__init__()
        self.tasks = list(tasks)
        d = cfg.width
        self.encoder = Encoder(cfg, len(tasks), image_shape)
        n = self.encoder.n
        self.codebook = Codebook(cfg.codebook_size, cfg.code_dim, cfg.index_groups)
        self.register_buffer("labels", torch.arange(cfg.codebook_size))  # codeword k -> 16QAM point labels[k]
        self.dec_input = nn.Linear(cfg.code_dim, d)
        self.dec_pos = nn.Parameter(torch.randn(1, n, d) * 0.02)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, d))
        self.dec_layers = nn.ModuleList([DecoderLayer(d, 4, cfg.hidden) for _ in range(cfg.decoder_layers)])
        self.queries = nn.ParameterList([nn.Parameter(torch.randn(n if t == "image" else TASK_QUERIES, d) * 0.02)
                                         for t in tasks])
        self.heads = nn.ModuleList([nn.ModuleList([
            ExitHead(d, PATCH * PATCH * image_shape[0] if t == "image" else c, t == "image")
            for _ in range(cfg.decoder_layers)]) for t, c in zip(tasks, classes)])
        self.lcms = nn.ModuleList([nn.Sequential(nn.Linear(d + 2, 64), nn.ReLU(), nn.Linear(64, 1)) for _ in tasks])
        self.task_decoders = nn.ModuleList([TaskDecoder(self, t) for t in range(len(tasks))])
        self.hard = cfg.hard_decisions
        g = cfg.index_groups
        self.task_groups = [rx.index_groups if rx.index_groups is not None else g for rx in cfg.receivers]
        if any(not 1 <= k <= g for k in self.task_groups):
            raise ValueError(f"udeepsc: a receiver's index_groups must be in 1..{g} (the config's index_groups)")

    def slot_mask(self, keep, t: int):
        """[B, N*G]: 1 for the slots task t sends (its first g_t groups of each kept token)."""
        g = self.codebook.groups
        groups = (torch.arange(g, device=keep.device) < self.task_groups[t]).to(keep.dtype)
        return (keep.unsqueeze(-1) * groups).reshape(keep.shape[0], -1)

    def point_log_prior(self):
        """[K]: log prior of each constellation point (the usage of the codeword on it)."""
        return self.codebook.log_prior[torch.argsort(self.labels)]


def kmeans(x, k, iters=10, generator=None):
    idx = torch.randperm(len(x), generator=generator)[:k]
    c = x[idx].clone()
    for _ in range(iters):
        a = torch.cdist(x, c).argmin(1)
        for j in range(k):
            sel = x[a == j]
            if len(sel):
                c[j] = sel.mean(0)
    return c


def _labelling_terms(codes, prior, points, snr_db):
    """The weights of the labelling cost: prior_i, the points' pairwise confusion
    exp(-|s_i - s_j|^2 / (4 sigma^2)) at snr_db (zero diagonal), the codewords' squared distances."""
    codes = codes.detach().double()
    pts = points.detach()
    conf = torch.exp(-(pts.view(-1, 1) - pts.view(1, -1)).abs().double() ** 2 / (4 * 10 ** (-snr_db / 10)))
    conf.fill_diagonal_(0.0)
    return prior.detach().double().view(-1, 1), conf, torch.cdist(codes, codes) ** 2


def labelling_cost(codes, prior, points, snr_db, lab):
    """sum_ij prior_i P(j|i) ||e_i - e_j||^2 with codeword k on point lab[k]."""
    w, conf, dist = _labelling_terms(codes, prior, points, snr_db)
    return float((w * conf[lab][:, lab] * dist).sum())


def labelling(codes, prior, points, snr_db, starts=3):
    """A permutation `labels` (codeword k on point labels[k]) minimising labelling_cost: the
    codewords' 2-D PCA matched to the grid (columns by the first axis, rows by the second), then
    pairwise swaps while one lowers the cost. Returns (labels, cost).

    The PCA plane is turned through 12 angles and mirrored before it is matched: where the two
    leading singular values are (nearly) equal, as for codewords on a square grid, LAPACK may
    return any rotation of that plane, a different one on another CPU, and a start off the grid's
    axes leaves the swaps in a poor local minimum. The swaps run from the `starts` cheapest
    matchings."""
    k = codes.shape[0]
    w, conf, dist = _labelling_terms(codes, prior, points, snr_db)

    def cost(lab):
        return float((w * conf[lab][:, lab] * dist).sum())

    centred = codes.detach().double() - codes.detach().double().mean(0)
    plane = centred @ torch.linalg.svd(centred, full_matrices=False)[2][:2].t()
    grid = [(float(p.real), float(p.imag)) for p in points]
    by_i = sorted(range(k), key=lambda j: grid[j])
    side = int(round(math.sqrt(k)))

    def matched(proj):
        lab = torch.empty(k, dtype=torch.long)
        cols = torch.argsort(proj[:, 0])
        for c in range(side):
            members = cols[c * side:(c + 1) * side]
            members = members[torch.argsort(proj[members, 1])]
            col_pts = sorted(by_i[c * side:(c + 1) * side], key=lambda j: grid[j][1])
            for m, p in zip(members.tolist(), col_pts):
                lab[m] = p
        return lab

    candidates = []
    for mirror in (1.0, -1.0):
        for a in range(12):
            t = math.pi * a / 12
            turn = torch.tensor([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], dtype=torch.float64)
            proj = plane @ turn
            proj[:, 1] *= mirror
            lab = matched(proj)
            candidates.append((cost(lab), len(candidates), lab))
    candidates.sort(key=lambda c: (c[0], c[1]))
    best_lab, best = None, math.inf
    for start_cost, _, lab in candidates[:starts]:
        here = start_cost
        improved = True
        while improved:
            improved = False
            for i in range(k):
                for j in range(i + 1, k):
                    lab[[i, j]] = lab[[j, i]]
                    c = cost(lab)
                    if c < here - 1e-12:
                        here, improved = c, True
                    else:
                        lab[[i, j]] = lab[[j, i]]
        if here < best:
            best_lab, best = lab, here
    return best_lab, best


def unique_param_count(module):
    seen, total = set(), 0
    for p in module.parameters():
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel()
    return total


class UDeepSCScheme(Scheme):
    name = "udeepsc"

    def tasks(self, cfg):
        return [rx.task for rx in cfg.receivers]

    @staticmethod
    def task_groups(cfg):
        return [rx.index_groups if rx.index_groups is not None else cfg.index_groups for rx in cfg.receivers]

    def build(self, cfg, dataset):
        tasks = self.tasks(cfg)
        for t in tasks:
            if t not in ("image", "fine", "coarse"):
                raise ValueError(f"udeepsc: task '{t}' (image, fine, coarse)")
        if len(set(tasks)) != len(tasks):
            raise ValueError("udeepsc: each task at most once among the receivers")
        if cfg.codebook_size != 16:
            raise ValueError("udeepsc: codebook_size must be 16 (one index = one 16QAM point)")
        classes = [0 if t == "image" else classes_of(dataset, t) for t in tasks]
        return UDeepSCNet(cfg, tasks, classes, dataset.image_shape)

    def epoch_stats(self, cfg, stage):
        stats = {"vq": 0.0, "ratio": 0.0, "da": 0.0, "lcm": 0.0, "perplexity": 0.0}
        for r, rx in enumerate(cfg.receivers):
            stats[f"acc{r + 1}" if rx.task != "image" else f"mse{r + 1}"] = 0.0
            stats[f"keep{r + 1}"] = 0.0
        return stats

    # --- the link ---
    def link(self, net, t, z, snr_db, keep, generator=None, hard=None, noiseless=False):
        """Pre-VQ features z [B, N, D] through VQ, the 16QAM channel at snr_db [B, 1] and the
        demapper -> (posteriors over the constellation points [B, N*G, K], points sent [B, N*G],
        VQ loss, the pre-VQ groups [B, N*G, D/G]). Dropped tokens are not sent (zero posteriors)."""
        cb = net.codebook
        idx = cb.nearest(z)
        sent = net.labels[idx]
        pts = gray_qam16()
        k = cb.codes.shape[0]
        if noiseless:
            post = F.one_hot(sent, k).to(z.dtype)
        else:
            s = pts[sent]
            nv = channels.noise_var(snr_db).view(-1, 1)
            noise = torch.complex(torch.randn(s.shape, generator=generator), torch.randn(s.shape, generator=generator))
            post = posteriors(s + noise * torch.sqrt(nv / 2), nv, pts, net.point_log_prior())
            if net.hard if hard is None else hard:
                post = F.one_hot(post.argmax(-1), k).to(z.dtype)
        post = post * net.slot_mask(keep, t).unsqueeze(-1)
        zs = cb.split(z)
        e = cb.codes[idx]
        vq = ((zs.detach() - e) ** 2).mean() + 0.25 * ((zs - e.detach()) ** 2).mean()
        return post, sent, vq, zs

    def task_outputs(self, net, t, post, zs, keep, snr_db):
        """Every exit's (features, (output, certainty)) of task t; the straight-through term adds
        the encoder's gradient (value unchanged)."""
        dec = net.task_decoders[t]
        code = torch.matmul(post, dec.codes_by_point())
        if zs is not None:
            code = code + (zs - zs.detach()) * net.slot_mask(keep, t).unsqueeze(-1)
        memory = dec.embed(code, keep)
        x = dec.start(post.shape[0])
        outs = []
        for i in range(dec.depth):
            x = dec.layer(i, x, memory)
            outs.append((x, dec.exit_head(i, x, snr_db)))
        return outs

    def training_loss(self, model, cfg, stage, images, fine, coarse):
        net = model
        b = len(images)
        lo = min(rx.snr_range[0] for rx in cfg.receivers)
        hi = max(rx.snr_range[1] for rx in cfg.receivers)
        snr = torch.empty(b, 1).uniform_(lo, hi)
        phase2 = stage.name == "phase2"
        loss = images.new_zeros(())
        stats = {}
        feats = []
        vq_sum = ratio_sum = lcm_sum = 0.0
        for t, rx in enumerate(cfg.receivers):
            z, keep, fractions, rho = net.encoder(images, snr, t)
            self.maybe_restart(net, z)
            post, idx, vq, zs = self.link(net, t, z, snr, keep)
            ratio = sum(((rho[:, 0] ** (q + 1) - f) ** 2).mean() for q, f in enumerate(fractions))
            l1 = rx.rho_l1 if rx.rho_l1 is not None else cfg.rho_l1
            loss = loss + vq + cfg.ratio_weight * ratio + l1 * rho.mean()
            feats.append(F.normalize(z.reshape(b, -1, z.shape[-1]), dim=-1))
            outs = self.task_outputs(net, t, post, zs, keep, snr)
            L = len(outs)
            for i, (_, (out, c)) in enumerate(outs):
                if not phase2 and i < L - 1:
                    continue
                if rx.task == "image":
                    per = ((out - images) ** 2).flatten(1).mean(1)
                    task_loss = rx.lam * per.mean()
                    correct = 1.0 - torch.tanh(per.sqrt() / cfg.lcm_kappa)
                else:
                    labels = fine if rx.task == "fine" else coarse
                    task_loss = F.cross_entropy(out, labels)
                    correct = (out.argmax(1) == labels).float()
                weight = (i + 1) / L if phase2 else 1.0
                loss = loss + weight * task_loss
                if phase2:
                    # the LCM learns from detached features (it must not shape them)
                    x_i = outs[i][0].detach()
                    _, c_det = net.task_decoders[t].exit_head(i, x_i, snr)
                    l_lcm = F.binary_cross_entropy(c_det.clamp(1e-6, 1 - 1e-6), correct.detach())
                    loss = loss + l_lcm
                    lcm_sum += l_lcm.item()
                if i == L - 1:
                    key = f"acc{t + 1}" if rx.task != "image" else f"mse{t + 1}"
                    stats[key] = (correct.sum().item() if rx.task != "image" else per.sum().item())
            stats[f"keep{t + 1}"] = keep.sum(1).sum().item() / keep.shape[1]
            vq_sum += vq.item()
            ratio_sum += float(ratio)
        if len(feats) > 1 and cfg.da_weight > 0:
            da = 0.0
            pairs = 0
            for i in range(len(feats)):
                for j in range(i + 1, len(feats)):
                    a, c = feats[i], feats[j]
                    # eq. (13), bounded: per image, ||A B^T||_F / sqrt(N_A N_B) in [0, 1]
                    da = da - (torch.matmul(a, c.transpose(1, 2)).flatten(1).norm(dim=1) /
                               math.sqrt(a.shape[1] * c.shape[1])).mean()
                    pairs += 1
            da = da / pairs
            loss = loss + cfg.da_weight * da
            stats["da"] = float(da) * b
        stats.update(vq=vq_sum * b, ratio=ratio_sum * b, lcm=lcm_sum * b,
                     perplexity=self.perplexity(net) * b)
        return loss, stats

    @staticmethod
    def perplexity(net):
        u = net.codebook.usage
        if u.sum() <= 0:
            return 0.0
        p = u / u.sum()
        return float(torch.exp(-(p * torch.log(p.clamp_min(1e-12))).sum()))

    @staticmethod
    @torch.no_grad()
    def maybe_restart(net, z):
        """k-means start on the first batch; usage EMA; codewords unused for a while restart at
        random encoder outputs (dead-code restart)."""
        cb = net.codebook
        zs = cb.split(z.detach()).reshape(-1, cb.sub)
        if cb.initialised.item() == 0:
            cb.codes.data.copy_(kmeans(zs, cb.codes.shape[0]))
            cb.initialised.fill_(1.0)
        idx = torch.cdist(zs, cb.codes.data).argmin(1)
        counts = torch.bincount(idx, minlength=cb.codes.shape[0]).float()
        cb.usage.mul_(0.99).add_(0.01 * counts / counts.sum())
        dead = (cb.usage < 0.03 / cb.codes.shape[0]).nonzero().flatten()
        if len(dead):
            pick = torch.randint(0, len(zs), (len(dead),))
            cb.codes.data[dead] = zs[pick]
            cb.usage[dead] = 1.0 / cb.codes.shape[0]

    def refits(self, cfg, stage):
        return True

    @torch.no_grad()
    def refit(self, model, images):
        """The usage prior and the index labelling for the codebook as it is now."""
        net = model
        cb = net.codebook
        if cb.initialised.item() == 0:
            return
        u = cb.usage.clamp_min(1e-4)
        cb.log_prior.copy_(torch.log(u / u.sum()))
        lab, _ = labelling(cb.codes, u / u.sum(), gray_qam16(), 4.0)
        net.labels.copy_(lab)

    # --- evaluation ---
    @torch.no_grad()
    def run(self, net, images, snr_db, task, generator=None, hard=None, noiseless=False, selection=True,
            threshold=None, keep_override=None):
        """One task at snr_db (float): (last-exit output, every exit's (output, certainty), keep mask,
        output at the LCM exit for `threshold` with the exit layers)."""
        net.eval()
        snr = torch.full((len(images), 1), float(snr_db))
        z, keep, _, _ = net.encoder(images, snr, task, selection)
        if keep_override is not None:
            keep = keep_override
        post, _, _, zs = self.link(net, task, z, snr, keep, generator, hard, noiseless)
        outs = self.task_outputs(net, task, post, zs, keep, snr)
        return [o for _, o in outs], keep

    def decoders(self, model):
        raise ValueError("udeepsc: evaluate with `python3 -m semcom_train.udeepsc grid`")

    def receive(self, model, images, snr_t, spec, generator=None, sent=None):
        raise ValueError("udeepsc: evaluate with `python3 -m semcom_train.udeepsc grid`")

    # --- export ---
    def transmit_section(self, cfg):
        return Transmit("codebook", len(cfg.receivers), "all_receivers", ["keep_mask"])

    def manifest_fields(self, cfg):
        return {"constellations": [{"name": "16qam", "order": 16, "points": [
            [round(float(p.real), 7), round(float(p.imag), 7)] for p in gray_qam16()]}],
            "alphas": [1.0], "quantizer": None}

    def manifest_extras(self, model, cfg):
        net = model
        return {"codebook": {
            "size": int(net.codebook.codes.shape[0]), "dim": int(net.codebook.sub),
            "groups": int(net.codebook.groups), "tokens": int(net.encoder.n),
            "task_groups": [int(v) for v in net.task_groups],
            "labels": [int(v) for v in net.labels],
            "point_log_prior": [round(float(v), 6) for v in net.point_log_prior()],
            "tasks": self.tasks(cfg), "decoder_layers": len(net.dec_layers),
            "exit_threshold": 0.9,
            "rate_table": self.rate_table(net, cfg),
            "parameters": unique_param_count(net),
        }}

    @torch.no_grad()
    def rate_table(self, net, cfg, snrs=range(-6, 19, 2)):
        """Tokens kept per task at each SNR (a count per (task, SNR): the selection's rule)."""
        rows = []
        for t, rx in enumerate(cfg.receivers):
            s = torch.tensor([[float(v)] for v in snrs])
            rho = net.encoder.keep_rho(s, t)
            k = keep_counts(rho, net.encoder.n, 1)
            k2 = torch.minimum(keep_counts(rho, net.encoder.n, 2), k)
            rows.append({"task": rx.task, "snr_db": [float(v) for v in snrs], "tokens": [int(v) for v in k2],
                         "symbols": [int(v) * net.task_groups[t] for v in k2]})
        return rows

    def encoder_module(self, model, cfg, dataset):
        r, n, g = len(cfg.receivers), model.encoder.n, model.codebook.groups
        if cfg.channel_uses != r * n * g:
            raise ValueError(f"udeepsc: channel_uses must be receivers x tokens x index_groups = {r * n * g}")
        return ExportModule(
            "encoder", "encoder", CodebookEncoder(model), (dataset.images[:2], torch.full((2, r), 6.0)),
            [Tensor("image", [-1] + list(dataset.image_shape), "image"), Tensor("snr_db", [-1, r], "snr_db")],
            [Tensor("indices", [-1, r * n * g], "indices", "int64"), Tensor("keep_mask", [-1, r * n], "keep_mask", "int64")],
            self.transmit_section(cfg))

    def decoder_modules(self, model, cfg, dataset):
        n, g, k = model.encoder.n, model.codebook.groups, model.codebook.codes.shape[0]
        out = []
        example = (torch.full((2, n * g, k), 1.0 / k), torch.ones(2, n), torch.zeros(2, 1), torch.full((2, 1), 0.9))
        for r, rx in enumerate(cfg.receivers):
            if rx.task == "image":
                output = Tensor("image", [-1] + list(dataset.image_shape), "image")
            else:
                output = Tensor("logits", [-1, classes_of(dataset, rx.task)], "logits", task=rx.task)
            out.append(ExportModule(
                role="decoder", suffix=f"rx{r + 1}", module=model.task_decoders[r], example=example, receiver=r + 1,
                tasks=[rx.task], transmit=self.transmit_section(cfg), script=True,
                inputs=[Tensor("posteriors", [-1, n * g, k], "index_posteriors"), Tensor("keep_mask", [-1, n], "keep_mask"),
                        Tensor("snr_db", [-1, 1], "snr_db"), Tensor("exit_threshold", [-1, 1], "exit_threshold")],
                outputs=[output, Tensor("exit_layer", [-1], "exit_layer", "int64")]))
        return out

    def measure(self, cfg, encoder, decoders, dataset, images=1000, seed=0, threshold=0.9):
        """Every receiver at its measure SNR through the C++ chain's transmission (radio_link)."""
        x = dataset.images[:images]
        snrs = [rx.measure_snr_db for rx in cfg.receivers]
        log_prior = decoders[0].point_log_prior()
        with torch.no_grad():
            res = radio_link(encoder, decoders, x, snrs, log_prior, seed, threshold, task_groups=self.task_groups(cfg))
        out = {}
        for r, rx in enumerate(cfg.receivers):
            output, layers, symbols = res[r]
            m = {"snr_db": snrs[r], "images": len(x), "seed": seed + r, "exit_threshold": threshold,
                 "mean_exit_layer": float(layers.float().mean()), "symbols_per_image": float(symbols.float().mean())}
            if rx.task == "image":
                from .. import metrics
                m["psnr_db"] = metrics.psnr(x, output).mean().item()
            else:
                m["accuracy"] = (output.argmax(1) == labels_of(dataset, rx.task)[:images]).float().mean().item()
            out[r + 1] = m
        return out


class CodebookEncoder(nn.Module):
    """The exported transmitter: (image, snr_db [B, R]) -> (indices [B, R*N*G], keep_mask [B, R*N]).
    The indices are the frame as sent, packed: receiver 1's kept tokens (G point numbers each, in
    raster order), then receiver 2's, ...; the slots after the last kept one are zeros and are not
    sent (semcom-core's codebook_segment finds each receiver's part from the keep masks)."""

    def __init__(self, net):
        super().__init__()
        self.encoder, self.codebook, self.tasks = net.encoder, net.codebook, len(net.tasks)
        self.register_buffer("labels", net.labels.clone())
        self.task_groups = list(net.task_groups)

    def slot_mask(self, keep, t: int):
        groups = (torch.arange(self.codebook.groups) < self.task_groups[t]).to(keep.dtype)
        return (keep.unsqueeze(-1) * groups).reshape(keep.shape[0], -1)

    def forward(self, image, snr_db):
        idx_all, keep_all, slots_all = [], [], []
        g = self.codebook.groups
        for t in range(self.tasks):
            z, keep, _, _ = self.encoder(image, snr_db[:, t:t + 1], t)
            idx_all.append(self.labels[self.codebook.nearest(z)])
            slots_all.append(self.slot_mask(keep, t) > 0)
            keep_all.append(keep.to(torch.int64))
        points, slot_keep = torch.cat(idx_all, 1), torch.cat(slots_all, 1)
        order = torch.argsort((~slot_keep).to(torch.int64), dim=1, stable=True)
        packed = torch.gather(points, 1, order) * torch.gather(slot_keep, 1, order).to(torch.int64)
        return packed, torch.cat(keep_all, 1)


def scatter_posteriors(post_sent, keep, groups, sent_groups=None):
    """Posteriors of the sent slots [B, S, K] (kept tokens in raster order, the first
    `sent_groups` of `groups` slots each; S >= what was sent, the rest ignored) -> [B, N*G, K] at
    their token positions, zeros elsewhere."""
    sent_groups = groups if sent_groups is None else sent_groups
    b, n = keep.shape
    slot_keep = (keep.unsqueeze(-1) * (torch.arange(groups) < sent_groups).to(keep.dtype)).reshape(b, -1) > 0
    out = post_sent.new_zeros(b, n * groups, post_sent.shape[-1])
    for i in range(b):
        pos = slot_keep[i].nonzero().flatten()
        out[i, pos] = post_sent[i, :len(pos)]
    return out


def radio_link(encoder, decoders, x, snrs, point_log_prior, seed=0, threshold=0.9, hard=False, task_groups=None):
    """Each receiver's (output, exit layer, symbols sent) for images x through the exported modules
    as the C++ chain runs them: the encoder told `snrs` (one per receiver, dB); receiver r hears
    its segment of the packed frame (offset: the symbols of the receivers before it) through AWGN
    at snrs[r] (noise seeded seed + r), soft-demaps each symbol with sigma^2 = 10^(-snr/10) and the
    manifest's point prior, scatters the posteriors to their tokens and runs its decoder with the
    exit threshold."""
    r_count = len(decoders)
    told = torch.tensor([list(map(float, snrs))]).expand(len(x), -1).contiguous()
    indices, keep = encoder(x, told)
    b = len(x)
    n = keep.shape[1] // r_count
    groups = indices.shape[1] // (r_count * n)
    sent_groups = torch.tensor(task_groups if task_groups is not None else [groups] * r_count)
    counts = keep.view(b, r_count, n).sum(2) * sent_groups.view(1, -1)   # [B, R] symbols per segment
    offsets = torch.cumsum(counts, 1) - counts
    pts = gray_qam16()
    out = []
    for r in range(r_count):
        gen = torch.Generator().manual_seed(seed + r)
        k_r = keep[:, r * n:(r + 1) * n]
        slot = (offsets[:, r:r + 1] + torch.arange(n * groups).view(1, -1)).clamp_max(indices.shape[1] - 1)
        s = pts[torch.gather(indices, 1, slot)]
        nv = torch.full((b, 1), 10.0 ** (-float(snrs[r]) / 10.0))
        noise = torch.complex(torch.randn(s.shape, generator=gen), torch.randn(s.shape, generator=gen))
        post = posteriors(s + noise * torch.sqrt(nv / 2), nv, pts, point_log_prior)
        if hard:
            post = F.one_hot(post.argmax(-1), post.shape[-1]).to(post.dtype)
        post = scatter_posteriors(post, k_r, groups, int(sent_groups[r]))
        output, layers = decoders[r](post, k_r.float(), told[:, r:r + 1], torch.full((b, 1), float(threshold)))
        out.append((output, layers, counts[:, r]))
    return out


register(UDeepSCScheme())
