"""A package's public names imported on first use (a module ``__getattr__``, PEP 562).

``svodka.digest`` and ``svodka.collect`` name their API in one place but import its modules only when a
name is asked for, so a caller that needs one light part of the package (the CLI's start) does not import
the rest::

    __getattr__ = exports(__name__, {"build_digest": "compose", ...})
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping


def exports(package: str, homes: Mapping[str, str]) -> Callable[[str], object]:
    """The ``__getattr__`` of ``package``: a name of ``homes`` is imported from ``package.<its module>``
    and kept on the package, so the next use of it is an ordinary attribute; any other name is an
    AttributeError."""

    def __getattr__(name: str) -> object:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
