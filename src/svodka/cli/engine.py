"""``--engine local|ray|ray://HOST:PORT|auto``: where a command runs its heavy stages (``engine.kind``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from svodka.cli.app import App
from svodka.settings import Settings


def engine_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--engine",
        metavar="local|ray|ray://HOST:PORT|auto",
        default=None,
        help="Where the heavy stages run (default: engine.kind): here, on a Ray cluster started here, "
        "a remote one, or the running one when there is one.",
    )(fn)


def with_engine(app: App, engine: str | None) -> Settings:
    """The command's settings with ``--engine`` over ``engine.kind``, checked now: a bad value, or Ray
    asked for and not installed, is one clear line before any work."""
    settings = app.settings if engine is None else app.settings.replace(engine__kind=engine)
    from svodka.engine import parse_engine  # numpy and the embedders: imported when used

    if parse_engine(settings["engine.kind"])[0] == "ray":
        from svodka.engine.ray_engine import import_ray

        import_ray()
    return settings
