#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-semcom training, export and evaluation (PyTorch, CPU-sized models).

One module per concern: config (typed configs, every default), data (datasets and the label
hierarchy), channels (the channel and constellation conventions shared with semcom-core), layers
(the networks' shared layers), schemes (the registry: DeepSCM, CM, MIJSCC / A-MIJSCC, each behind
the Scheme contract), train (staged training with checkpoints, evaluation), export (TorchScript +
manifest format 2), metrics, plot, separate (the separate-coding baseline).
Run `/usr/bin/python3 -m semcom_train --help` with PYTHONPATH=python.
"""
