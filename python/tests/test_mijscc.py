"""MIJSCC pieces: the quantizer in the loop and the transmission agree with semcom-core's
quantized mapper; the A-MIJSCC mask keeps a head of the frame."""

import numpy as np
import pytest
import torch

from conftest import CONFIGS
from semcom_train import data, train
from semcom_train.__main__ import load_config
from semcom_train.schemes import mijscc


def test_quantizer_matches_design_and_passes_gradients():
    z = torch.randn(4, 64, requires_grad=True)
    for bits in (1, 4, 8):
        zq = mijscc.quantize_ste(z, bits)
        lo, hi = z.min(1, keepdim=True).values, z.max(1, keepdim=True).values
        delta = (hi - lo) / (2 ** bits - 1)
        assert torch.all((zq - z).abs() <= delta / 2 + 1e-6)
        levels = torch.round((zq - lo) / delta)
        assert torch.allclose(zq, lo + levels * delta, atol=1e-5)
    mijscc.quantize_ste(z, 4).sum().backward()
    assert torch.allclose(z.grad, torch.ones_like(z))  # straight-through


def test_transmission_agrees_with_the_cpp_quantized_mapper():
    try:
        from gnuradio import blocks, gr, semcom
    except ImportError as e:
        pytest.fail(f"gr-semcom bindings not importable ({e}); run through ctest or set PYTHONPATH=build/python")
    z = torch.randn(3, 32) * 2 + 0.5
    bits = 4
    zq = mijscc.quantize_ste(z, bits)
    sym = torch.complex(zq[:, 0::2], zq[:, 1::2])
    sym = sym * torch.sqrt(16 / (sym.abs() ** 2).sum(1, keepdim=True))
    tb = gr.top_block()
    sink = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_f(z.numpy().ravel().tolist(), vlen=32), semcom.quantized_mapper(32, bits), sink)
    tb.run()
    np.testing.assert_allclose(np.array(sink.data()).reshape(3, 16), sym.numpy(), atol=1e-5)
    # and the receiver's view at very high SNR is the quantised features
    r = mijscc.transmit(zq, 80.0)
    np.testing.assert_allclose(r.reshape(3, 32).numpy(), zq.numpy(), atol=1e-3)


def test_adaptive_mask_is_a_prefix_and_shrinks_with_snr():
    cfg = load_config(f"{CONFIGS}/amijscc.yaml").replace(width=8, hidden=64)
    model = train.build_model(cfg, data.fashion_mnist("test").subset(4))
    with torch.no_grad():
        model.noise_encoder[2].bias.copy_(torch.linspace(3, -3, cfg.channel_uses))
        m, keep = model.mask(torch.tensor([[-5.0], [20.0]]))
    assert torch.all(m[:, 1:] <= m[:, :-1] + 1e-6)  # cumulative mask decreases along the frame
    for row in keep:
        k = int(row.sum())
        assert torch.all(row[:k] == 1) and torch.all(row[k:] == 0)  # a head: only the end index is needed


def test_conv_features_come_back_on_their_grid():
    # architecture conv: the pairs the transmitter makes of z (symbol k = z[2k], z[2k+1]) are put
    # back by the decoder's symbols_to_grid exactly where the encoder's last convolution made them
    import os
    from conftest import CONFIGS
    from semcom_train import data
    from semcom_train.__main__ import load_config
    from semcom_train.layers import symbols_to_grid
    from semcom_train.schemes import get
    cfg = load_config(os.path.join(CONFIGS, "mijscc_conv_analog.yaml"))
    model = get(cfg.scheme).build(cfg, data.fashion_mnist("test").subset(8))
    x = torch.rand(3, 1, 28, 28)
    enc = model.encoder
    grid_made = enc.conv.net[-1](enc.conv.net[:-1](x))
    z, fmap = enc.forward_with_map(x)
    assert fmap.shape == (3, 2 * cfg.width, 7, 7)  # what the MI discriminators score
    pairs = torch.stack((z[:, 0::2], z[:, 1::2]), dim=-1)  # [B, n, 2]
    assert torch.equal(symbols_to_grid(pairs, model.decoder.per_position, model.decoder.grid), grid_made)
    logits, image = model.decoder(pairs, torch.full((3, 1), 10.0))
    assert logits.shape == (3, 10) and image.shape == (3, 1, 28, 28)
