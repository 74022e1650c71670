#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Datasets: Fashion-MNIST (IDX, from Debian's dataset-fashion-mnist) with the coarse/fine label
hierarchy of DESIGN §4, and CIFAR-10/100 in their binary format from a path the user gives."""

import gzip
import os
import struct

import numpy as np
import torch

FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]
# coarse 0 = tops {0, 2, 4, 6}; 1 = trousers and dresses {1, 3}; 2 = footwear {5, 7, 9}; 3 = bags {8}
FASHION_COARSE_OF_FINE = [0, 1, 0, 1, 0, 2, 0, 2, 3, 2]
FASHION_COARSE_NAMES = ["tops", "trousers+dresses", "footwear", "bags"]
# the binary task of DeepBroadcast's cases B and C: long-sleeve tops (pullover, coat, shirt) against
# the rest; it cuts across the coarse hierarchy and hinges on the hardest confusion (T-shirt/shirt)
FASHION_LONG_SLEEVE = [2, 4, 6]


def binary_labels(fine, dataset_name):
    """1 for a long-sleeve top, 0 otherwise (Fashion-MNIST only)."""
    if dataset_name != "fashion-mnist":
        raise ValueError(f"the binary task (long-sleeve tops) is defined for fashion-mnist, not {dataset_name}")
    return torch.isin(fine, torch.tensor(FASHION_LONG_SLEEVE)).long()


def read_idx(path):
    """Reads an IDX file (optionally gzipped) into a numpy array."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"IDX file not found: {path} (apt-get install dataset-fashion-mnist)")
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: not an IDX file (bad magic)")
    dtype_code, ndim = data[2], data[3]
    dtypes = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
    if dtype_code not in dtypes:
        raise ValueError(f"{path}: unknown IDX data type 0x{dtype_code:02x}")
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    array = np.frombuffer(data, dtype=dtypes[dtype_code], offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError(f"{path}: IDX header says {shape}, file holds {array.size} values")
    return array.reshape(shape)


class ImageDataset(torch.utils.data.Dataset):
    """Images as float32 NCHW in [0, 1] with fine and coarse labels, held in memory."""

    def __init__(self, images, fine, coarse_of_fine, name):
        self.images = torch.as_tensor(images, dtype=torch.float32)
        self.fine = torch.as_tensor(fine, dtype=torch.long)
        self.coarse_of_fine = torch.as_tensor(coarse_of_fine, dtype=torch.long)
        self.coarse = self.coarse_of_fine[self.fine]
        self.name = name

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return self.images[i], self.fine[i], self.coarse[i]

    def subset(self, n, seed=0):
        """The first n images of a fixed random permutation (n <= 0 or None: all)."""
        if not n or n >= len(self):
            return self
        idx = torch.randperm(len(self), generator=torch.Generator().manual_seed(seed))[:n]
        out = ImageDataset.__new__(ImageDataset)
        out.images, out.fine, out.coarse = self.images[idx], self.fine[idx], self.coarse[idx]
        out.coarse_of_fine, out.name = self.coarse_of_fine, self.name
        return out

    @property
    def image_shape(self):
        return list(self.images.shape[1:])

    @property
    def num_fine(self):
        return int(self.coarse_of_fine.numel())

    @property
    def num_coarse(self):
        return int(self.coarse_of_fine.max()) + 1


def fashion_mnist(split="train", root=FASHION_MNIST_DIR):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(f"{root}: {len(images)} images but {len(labels)} labels")
    return ImageDataset(images[:, None].astype(np.float32) / 255.0, labels.astype(np.int64),
                        FASHION_COARSE_OF_FINE, "fashion-mnist")


# CIFAR-100's 20 superclasses of its 100 fine labels (the dataset's own coarse labels are in the
# binary files; this table is only used to check them).
def read_cifar_binary(paths, fine_offset, record_labels):
    """Reads CIFAR binary batches: each record is `record_labels` label bytes then 3072 pixels."""
    images, fine, coarse = [], [], []
    record = record_labels + 3072
    for path in paths:
        if not os.path.exists(path):
            raise FileNotFoundError(f"CIFAR batch not found: {path}")
        raw = np.fromfile(path, dtype=np.uint8)
        if raw.size % record:
            raise ValueError(f"{path}: {raw.size} bytes is not a whole number of {record}-byte records")
        raw = raw.reshape(-1, record)
        images.append(raw[:, record_labels:].reshape(-1, 3, 32, 32))
        fine.append(raw[:, fine_offset])
        coarse.append(raw[:, 0])  # CIFAR-100: the coarse label; CIFAR-10: unused
    return np.concatenate(images), np.concatenate(fine), np.concatenate(coarse)


def cifar10(root, split="train"):
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    images, fine, _ = read_cifar_binary([os.path.join(root, n) for n in names], 0, 1)
    # CIFAR-10 has no official hierarchy: coarse = vehicles (0,1,8,9) vs animals
    coarse_of_fine = [0, 0, 1, 1, 1, 1, 1, 1, 0, 0]
    return ImageDataset(images.astype(np.float32) / 255.0, fine.astype(np.int64), coarse_of_fine, "cifar-10")


def cifar100(root, split="train"):
    name = "train.bin" if split == "train" else "test.bin"
    images, fine, coarse = read_cifar_binary([os.path.join(root, name)], 1, 2)
    coarse_of_fine = np.zeros(100, dtype=np.int64)
    for f, c in zip(fine, coarse):
        coarse_of_fine[f] = c
    for f, c in zip(fine, coarse):
        if coarse_of_fine[f] != c:
            raise ValueError(f"{root}/{name}: fine label {f} appears under two coarse labels")
    return ImageDataset(images.astype(np.float32) / 255.0, fine.astype(np.int64), coarse_of_fine, "cifar-100")


def load(name, split, root=None):
    if name == "fashion-mnist":
        return fashion_mnist(split, root or FASHION_MNIST_DIR)
    if name in ("cifar-10", "cifar10"):
        if not root:
            raise ValueError("cifar-10 needs --data-root (the folder with data_batch_1.bin ...)")
        return cifar10(root, split)
    if name in ("cifar-100", "cifar100"):
        if not root:
            raise ValueError("cifar-100 needs --data-root (the folder with train.bin, test.bin)")
        return cifar100(root, split)
    raise ValueError(f"unknown dataset '{name}' (fashion-mnist, cifar-10, cifar-100)")
