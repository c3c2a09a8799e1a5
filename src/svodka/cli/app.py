"""What every command shares: resolved settings, the open store, progress bars and output helpers."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import click

from svodka import settings as settings_mod

if TYPE_CHECKING:
    from svodka.store import Store

F = TypeVar("F", bound=Callable[..., Any])


class App:
    """Per-invocation state: built lazily so `--help` never touches a database."""

    def __init__(self) -> None:
        self.config_path: str | None = None
        self.overrides: dict[str, Any] = {}
        self._settings: settings_mod.Settings | None = None
        self._store: Store | None = None

    @property
    def settings(self) -> settings_mod.Settings:
        if self._settings is None:
            self._settings = settings_mod.load(self.config_path, self.overrides)
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from svodka.store import open_store  # the backends: when a command opens its store

            s = self.settings
            self._store = open_store(s["store.db"], busy_timeout=s["store.busy_timeout"])
            click.get_current_context().call_on_close(self.close)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is not None:
            app = ctx.ensure_object(App)
            if name == "config":
                app.config_path = value
            else:
                app.overrides[name] = value
        return value

    return callback


def common_options(f: F) -> F:
    """--db and --config, accepted by the group and by every command."""
    f = click.option(
        "--config",
        "config",
        type=click.Path(dir_okay=False),
        expose_value=False,
        callback=_remember("config"),
        help="Config file (default: ./svodka.toml if present, or $SVODKA_CONFIG).",
    )(f)
    f = click.option(
        "--db",
        "db",
        metavar="PATH",
        expose_value=False,
        callback=_remember("store.db"),
        help="Database file, or postgresql://USER@HOST:PORT/DB [env SVODKA_DB; default svodka.db].",
    )(f)
    return f


def command(group: click.Group, *args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``@command(group, "name")``: a click command with --db/--config, that receives the App first."""

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*a: Any, **kw: Any) -> Any:
            return f(click.get_current_context().ensure_object(App), *a, **kw)

        return group.command(*args, **kwargs)(common_options(wrapper))

    return decorate


@contextmanager
def progress(total: int | None = None, desc: str = "", unit: str = "post") -> Iterator[Callable[[int], None]]:
    """A progress bar with count and rate on stderr, silent when stderr is not a terminal.

    Yields ``advance(n)``; library functions take it as their ``on_progress`` callback.
    """
    from tqdm import tqdm

    bar = tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        disable=not sys.stderr.isatty(),
        file=sys.stderr,
        dynamic_ncols=True,
        leave=False,
    )
    try:
        yield bar.update
    finally:
        bar.close()


def echo_json(data: Any) -> None:
    import orjson

    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS, default=str).decode())
