#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-semcom training, export and evaluation (PyTorch, CPU-sized models).

One module per concern: data (datasets and the label hierarchy), channels (the channel and
constellation conventions shared with semcom-core), models (DeepSCM, coded-modulation baselines),
train (staged training with checkpoints), export (TorchScript + manifest), evaluate, plot.
Run `/usr/bin/python3 -m semcom_train --help` with PYTHONPATH=python.
"""
