"""Run the app with uvicorn: in the foreground (``svodka serve``, one process or ``--workers N``) or in a
thread (tests, benchmarks).

With several workers uvicorn starts each one afresh (spawned), so it names the app by an import string:
:data:`FACTORY`, which builds the app from the settings as the environment gives them — the CLI puts its
``--config`` and flags there first (``SVODKA_CONFIG``, ``SVODKA_STORE_DB`` …) and every worker opens the
store itself."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from svodka.errors import ConfigError


def _config(app: Any, host: str, port: int, **kw: Any) -> uvicorn.Config:
    return uvicorn.Config(app, host=host, port=port, proxy_headers=False, server_header=False, **kw)


def serve(app: Any, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Serve until interrupted."""
    uvicorn.Server(_config(app, host, port, log_level=log_level)).run()


FACTORY = "svodka.web.server:app_from_environment"


def app_from_environment() -> Any:
    """The web app over the store the settings name (config file, ``SVODKA_*`` environment): one worker's."""
    from svodka import settings
    from svodka.store import open_store
    from svodka.web.app import create_app
    from svodka.web.auth import WebConfig

    s = settings.load()
    store = open_store(s["store.db"], busy_timeout=s["store.busy_timeout"])
    return create_app(store, WebConfig.from_settings(s))


def serve_workers(workers: int, host: str = "127.0.0.1", port: int = 8080, log_level: str = "info") -> None:
    """Serve from ``workers`` processes on one socket until interrupted (SIGTERM or SIGINT stops them all)."""
    uvicorn.run(
        FACTORY,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=False,
        server_header=False,
        log_level=log_level,
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@contextmanager
def running(
    app: Any, host: str = "127.0.0.1", port: int | None = None, timeout: float = 20.0
) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields its base URL and stops it on exit."""
    port = port or free_port(host)
    server = uvicorn.Server(_config(app, host, port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, name="svodka-web", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise ConfigError(f"the web server did not start on {host}:{port}")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
