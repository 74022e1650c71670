"""Datasets: Fashion-MNIST from Debian's package with the DESIGN §4 hierarchy; CIFAR binary files
written here in the official format."""

import numpy as np
import pytest
import torch

from semcom_train import data


def test_fashion_mnist_shapes_range_and_hierarchy():
    train, test = data.fashion_mnist("train"), data.fashion_mnist("test")
    assert len(train) == 60000 and len(test) == 10000
    assert train.image_shape == [1, 28, 28]
    assert float(test.images.min()) == 0.0 and float(test.images.max()) == 1.0
    # DESIGN §4: tops {0,2,4,6} -> 0, trousers and dresses {1,3} -> 1, footwear {5,7,9} -> 2, bags {8} -> 3
    expect = {0: 0, 2: 0, 4: 0, 6: 0, 1: 1, 3: 1, 5: 2, 7: 2, 9: 2, 8: 3}
    for fine, coarse in expect.items():
        sel = test.fine == fine
        assert int(sel.sum()) == 1000
        assert torch.all(test.coarse[sel] == coarse)
    assert test.num_coarse == 4 and test.num_fine == 10


def test_subset_is_fixed_and_bounded():
    test = data.fashion_mnist("test")
    a, b = test.subset(100, seed=3), test.subset(100, seed=3)
    assert len(a) == 100 and torch.equal(a.images, b.images)
    assert test.subset(None) is test


def write_cifar(path, labels, n, coarse=None):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    cols = [] if coarse is None else [np.asarray(coarse, np.uint8)[:, None]]
    cols.append(np.asarray(labels, np.uint8)[:, None])
    np.concatenate(cols + [pixels], axis=1).tofile(path)
    return pixels


def test_cifar10_binary(tmp_path):
    labels = [3, 0, 9, 1]
    pixels = None
    for i in range(1, 6):
        pixels = write_cifar(tmp_path / f"data_batch_{i}.bin", labels, 4)
    write_cifar(tmp_path / "test_batch.bin", labels, 4)
    train = data.cifar10(str(tmp_path), "train")
    assert len(train) == 20 and train.image_shape == [3, 32, 32]
    assert train.fine[:4].tolist() == labels
    np.testing.assert_allclose(train.images[-1].numpy().ravel() * 255, pixels[-1], atol=1e-3)
    assert train.coarse[:4].tolist() == [1, 0, 0, 0]  # animals vs vehicles


def test_cifar100_binary_with_its_coarse_labels(tmp_path):
    write_cifar(tmp_path / "train.bin", [11, 42, 11], 3, coarse=[14, 2, 14])
    ds = data.cifar100(str(tmp_path), "train")
    assert ds.fine.tolist() == [11, 42, 11] and ds.coarse.tolist() == [14, 2, 14]
    write_cifar(tmp_path / "test.bin", [11, 11], 2, coarse=[14, 3])
    with pytest.raises(ValueError, match="two coarse labels"):
        data.cifar100(str(tmp_path), "test")


def test_bad_files_are_refused(tmp_path):
    (tmp_path / "train.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(ValueError, match="whole number"):
        data.cifar100(str(tmp_path), "train")
    with pytest.raises(FileNotFoundError):
        data.cifar10(str(tmp_path / "nowhere"), "train")
    bad = tmp_path / "x.idx"
    bad.write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ValueError, match="bad magic"):
        data.read_idx(str(bad))
    with pytest.raises(ValueError, match="unknown dataset"):
        data.load("mnist-ish", "train")
