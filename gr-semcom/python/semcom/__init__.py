#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gr-semcom: semantic broadcast communication blocks for GNU Radio.

    from gnuradio import semcom
    mapper = semcom.superposition_mapper(["4qam", "16qam"], [16 / 21, 5 / 21])
"""
import os

try:
    from .semcom_python import *  # noqa: F401,F403
except ImportError:
    dirname, filename = os.path.split(os.path.abspath(__file__))
    __path__.append(os.path.join(dirname, "bindings"))
    from .semcom_python import *  # noqa: F401,F403


def __getattr__(name):
    # the Python Qt blocks, imported when first used: a headless flowgraph needs no Qt
    # (kept in the package namespace after: the import would leave the submodule under the name)
    if name in ("image_display", "metrics_display"):
        import importlib
        block = getattr(importlib.import_module("." + name, __name__), name)
        globals()[name] = block
        return block
    raise AttributeError("module 'gnuradio.semcom' has no attribute '%s'" % name)
