"""Separate source-channel coding baseline: capacity, rate matching, the cliff."""

import math

import torch

from semcom_train import data, separate


def test_capacity():
    assert abs(separate.capacity_bits(128, 20.0) - 128 * math.log2(101)) < 1e-6
    # ergodic Rayleigh capacity is below AWGN's (Jensen) and above zero
    r = separate.capacity_bits(128, 10.0, "rayleigh")
    assert 0.7 * 128 * math.log2(11) < r < 128 * math.log2(11)


def test_cliff_and_rate_matching(tmp_path):
    train = data.fashion_mnist("train").subset(600)
    test = data.fashion_mnist("test").subset(40)
    rows = separate.evaluate(train, test, [0.0, 40.0], 128, cache_dir=str(tmp_path))
    low = [r for r in rows if r["snr_db"] == 0.0]
    high = [r for r in rows if r["snr_db"] == 40.0]
    assert all(r["decoded_fraction"] == 0.0 for r in low)   # 128 bits: no WebP file fits
    assert all(r["decoded_fraction"] == 1.0 for r in high)
    assert high[0]["psnr_db"] > low[0]["psnr_db"] + 10
    sizes, decoded = separate.encode_ladder(test.images[:3])
    assert (sizes[:, 1:] >= sizes[:, :1]).all()  # higher quality never smaller than the lowest
    assert decoded.shape[:2] == (3, len(separate.QUALITIES))
    assert torch.all((decoded >= 0) & (decoded <= 1))
