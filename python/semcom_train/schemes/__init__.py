#
# Copyright 2026 gr-semcom developers
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The scheme registry: a config's `scheme` names one registered Scheme (base.py).

Built in: deepscm (deepscm.py: DeepSCM, K layers, mlp and conv), cm (cm.py: the coded-modulation
baseline), mijscc and amijscc (mijscc.py), asc (asc.py: adaptable semantic compression), deepbroadcast
(deepbroadcast.py, with its baselines as variants). A test or an experiment adds its own without touching
the package: a Python file that calls `semcom_train.schemes.register(MyScheme())`, loaded with
`python3 -m semcom_train --scheme-module FILE ...` (or `load_module(FILE)`).
"""

import importlib.util
import os

_REGISTRY = {}


def register(scheme, replace=False):
    """Adds a Scheme instance under scheme.name; a name already taken is refused unless replace."""
    from .base import Scheme
    if isinstance(scheme, type):
        scheme = scheme()
    if not isinstance(scheme, Scheme):
        raise TypeError(f"register: expected a semcom_train.schemes.base.Scheme, got {scheme!r}")
    if not scheme.name or not isinstance(scheme.name, str):
        raise ValueError(f"register: {type(scheme).__name__} has no name")
    if scheme.name in _REGISTRY and not replace and _origin(_REGISTRY[scheme.name]) != _origin(scheme):
        raise ValueError(f"register: scheme '{scheme.name}' is already registered "
                         f"({type(_REGISTRY[scheme.name]).__name__})")
    _REGISTRY[scheme.name] = scheme
    return scheme


def _origin(scheme):
    """Where a scheme's class is defined: a file loaded again registers the same origin."""
    return type(scheme).__module__, type(scheme).__qualname__


def get(name):
    """The registered scheme called name."""
    _builtin()
    if name not in _REGISTRY:
        raise ValueError(f"unknown scheme '{name}' ({', '.join(names())}; others load with --scheme-module FILE)")
    return _REGISTRY[name]


def names():
    _builtin()
    return sorted(_REGISTRY)


def load_module(path):
    """Imports a Python file that registers schemes (a test-only scheme, an experiment)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"scheme module not found: {path}")
    _builtin()
    name = "semcom_scheme_plugin_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_loaded = False


def _builtin():
    global _loaded
    if not _loaded:
        _loaded = True
        from . import asc, cm, deepbroadcast, deepscm, mijscc, udeepsc  # noqa: F401  (each registers itself)
