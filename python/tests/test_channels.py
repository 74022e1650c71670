"""The Python channel and constellation conventions against theory and against semcom-core
(through the gr-semcom bindings, built by CMake and put on PYTHONPATH by CTest)."""

import math

import numpy as np
import pytest
import torch

from semcom_train import channels


def test_16qam_table_written_by_hand():
    d = 1 / math.sqrt(10)
    amp = {0: -3 * d, 1: -d, 3: d, 2: 3 * d}  # Gray code of the level -> amplitude
    pts = channels.qam_points(16)
    for s in range(16):
        assert abs(pts[s].real - amp[s >> 2]) < 1e-6 and abs(pts[s].imag - amp[s & 3]) < 1e-6


@pytest.mark.parametrize("order", [4, 16, 64, 256])
def test_unit_power(order):
    assert abs((channels.qam_points(order).abs() ** 2).mean().item() - 1) < 1e-5


def test_uniform_64qam_from_superposition():
    t = channels.superposition_table(["4qam", "16qam"], [16 / 21, 5 / 21])
    grid = sorted(set(np.round(t.real.numpy() * math.sqrt(42), 4)))
    np.testing.assert_allclose(grid, np.arange(-7, 8, 2), atol=1e-4)
    with pytest.raises(ValueError):
        channels.superposition_table(["4qam", "16qam"], [0.3, 0.7])


def test_level_numbers_to_symbol_index():
    order = 16
    levels, codes = channels.pam_levels(order)
    pts = channels.qam_points(order)
    for li in range(4):
        for lq in range(4):
            s = channels.level_index_to_symbol_index(torch.tensor(li), torch.tensor(lq), order)
            assert abs(pts[s] - complex(levels[li], levels[lq])) < 1e-6


@pytest.mark.parametrize("snr", [-5.0, 0.0, 20.0])
def test_measured_snr(snr):
    g = torch.Generator().manual_seed(1)
    x = channels.qam_points(4)[torch.randint(0, 4, (64, 4096), generator=g)]
    y, nv = channels.channel(x, snr, "awgn", generator=g)
    noise = y - x
    measured = 10 * math.log10(1 / (noise.abs() ** 2).mean().item())
    assert abs(measured - snr) < 0.1
    assert abs(noise.real.var().item() / noise.imag.var().item() - 1) < 0.02


def test_fading_moments():
    g = torch.Generator().manual_seed(2)
    h = channels.fading_gains("rayleigh", 0, (200000,), g)
    assert abs((h.abs() ** 2).mean().item() - 1) < 0.01
    h = channels.fading_gains("rician", 3.0, (200000,), g)
    assert abs(h.mean().real.item() - math.sqrt(3 / 4)) < 0.005
    assert abs((h.abs() ** 2).mean().item() - 1) < 0.01
    with pytest.raises(ValueError):
        channels.parse_channel("rician:-1")


def test_tables_and_snr_agree_with_semcom_core():
    try:
        from gnuradio import blocks, gr, semcom
    except ImportError as e:  # CTest puts build/python on PYTHONPATH; standalone runs need it too
        pytest.fail(f"gr-semcom bindings not importable ({e}); run through ctest or set PYTHONPATH=build/python")
    for layers, alphas in ((["4qam", "16qam"], [16 / 21, 5 / 21]), (["4qam", "4qam", "16qam"], [0.75, 0.2, 0.05]),
                           (["16qam", "64qam"], [0.9, 0.1])):
        cxx = np.array(semcom.superposition_mapper(layers, alphas).super_constellation())
        py = channels.superposition_table(layers, alphas).numpy()
        np.testing.assert_allclose(cxx, py, atol=1e-6)
    # SNR definition: the C++ channel's noise and the Python one have the same variance
    x = channels.qam_points(4)[torch.randint(0, 4, (200000,))].numpy().astype(np.complex64)
    tb = gr.top_block()
    sink = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(x.tolist()), semcom.broadcast_channel(["awgn"], [7.0]), sink)
    tb.run()
    cxx_nv = np.mean(np.abs(np.array(sink.data()) - x) ** 2)
    y, _ = channels.channel(torch.from_numpy(x)[None, :], 7.0)
    py_nv = (y[0] - torch.from_numpy(x)).abs().pow(2).mean().item()
    assert abs(10 * math.log10(cxx_nv / py_nv)) < 0.05
