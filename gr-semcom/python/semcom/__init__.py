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
