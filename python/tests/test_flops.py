"""The FLOP counter against the arithmetic of layers whose cost is known in closed form."""

import json

import torch
from torch import nn

from semcom_train import flops


def test_conv_linear_and_transposed_conv_counts():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),            # 2 * (8*5*5) * 3*9
                        nn.ConvTranspose2d(8, 4, 2, stride=2),              # 2 * (8*5*5) * 4*4
                        nn.Flatten(), nn.Linear(4 * 10 * 10, 7))            # 2 * 400 * 7
    total, calls = flops.count(net, [torch.rand(2, 3, 5, 5)])
    want = [2 * 2 * 8 * 25 * 3 * 9, 2 * 2 * 8 * 25 * 4 * 4, 2 * 2 * 400 * 7]
    assert [c[2] for c in calls] == want
    assert [c[0] for c in calls] == ["convolution", "conv_transpose", "addmm"]
    assert total == sum(want)
    # grouped convolutions count per group; a batched matrix product counts every batch
    grouped, _ = flops.count(nn.Conv2d(8, 8, 3, padding=1, groups=8), [torch.rand(1, 8, 6, 6)])
    assert grouped == 2 * 8 * 36 * 1 * 9
    bmm, _ = flops.count(torch.bmm, [torch.rand(3, 4, 5), torch.rand(3, 5, 6)])
    assert bmm == 2 * 3 * 4 * 5 * 6


def test_torchscript_files_and_per_image(tmp_path):
    net = torch.jit.script(nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3)))
    net.save(str(tmp_path / "m.pt"))
    (tmp_path / "m.json").write_text(json.dumps({"file": "m.pt", "inputs": [{"name": "x", "shape": [-1, 10],
                                                                              "role": "features"}]}))
    per_item, calls = flops.per_image(str(tmp_path / "m.json"), batch=4)
    assert per_item == 2 * (10 * 20 + 20 * 3)
    assert [c[2] for c in calls] == [2 * 10 * 20, 2 * 20 * 3]  # per item, whatever the batch
