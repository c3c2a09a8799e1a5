"""Where the heavy stages run (``engine.kind``): here (``local``, the default, no Ray imported) or on a Ray
cluster (``ray``; ``auto``: the running cluster when there is one, else here).

    with open_engine(settings) as engine:
        vectors = engine.embed(texts, EmbedderSpec("e5"), batch=64)
        results = engine.map_batches(fn, batches)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from svodka.engine.base import EmbedderSpec, Engine, Spent, chunks, model_name, shards
from svodka.engine.local import LocalEngine
from svodka.errors import ConfigError

__all__ = [
    "EmbedderSpec",
    "Engine",
    "LocalEngine",
    "Spent",
    "chunks",
    "model_name",
    "open_engine",
    "parse_engine",
    "shards",
]

log = logging.getLogger(__name__)
KINDS = ("local", "ray", "auto")


def parse_engine(value: str) -> tuple[str, str]:
    """``--engine`` as (kind, address): ``local``, ``ray``, ``auto`` or ``ray://HOST:PORT``."""
    value = value.strip()
    if value.startswith("ray://"):
        return "ray", value
    if value not in KINDS:
        raise ConfigError(f"unknown engine {value!r}: use local, ray, ray://HOST:PORT or auto")
    return value, ""


@contextmanager
def open_engine(settings: Mapping[str, Any], kind: str | None = None) -> Iterator[Engine]:
    """The engine ``engine.kind`` / ``engine.address`` name (``kind``, as ``--engine`` gives it, wins),
    closed on exit. ``auto`` takes a running Ray cluster when Ray is installed and one is reachable."""
    kind, address = parse_engine(kind or settings["engine.kind"])
    address = address or settings["engine.address"] or ""
    workers = settings["engine.workers"]
    engine: Engine
    if kind == "local":
        engine = LocalEngine()
    elif kind == "ray":
        from svodka.engine.ray_engine import RayEngine

        engine = RayEngine(address or None, workers)
    else:
        engine = _auto(address or "auto", workers)
    try:
        yield engine
    finally:
        engine.close()


def _auto(address: str, workers: int) -> Engine:
    try:
        from svodka.engine.ray_engine import RayEngine

        engine: Engine = RayEngine(address, workers)
    except ConfigError as e:
        log.info("engine auto: %s; running here", e)
        return LocalEngine()
    return engine
