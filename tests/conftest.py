"""Shared fixtures: a fresh store of every backend, the shared real data, and the CLI runner.

Store tests take the ``store`` fixture (or ``store_url`` / :func:`open_test_store` for a CLI run, a
subprocess or a second store), so each runs once per backend in :data:`BACKENDS`. Tests of one backend's
internals (migrations, FTS5, WAL, read-only files) live in ``tests/<backend>/``.

PostgreSQL: the suite starts its own server (:class:`PgServer`: ``initdb`` into a temporary folder, as an
unprivileged user when the suite runs as root, on a free port of 127.0.0.1) the first time a test asks for a
PostgreSQL store, migrates one template database, and gives every store a database of its own copied from
it (``CREATE DATABASE … TEMPLATE``), dropped when its test ends; the server stops when the session does.
A test that cannot run on a backend says so: ``@pytest.mark.backends("sqlite", reason="…")``.

Embeddings: many tests process the same real posts in the same batches (one day on both backends, in
several tests); the shipped models are deterministic, so the suite keeps each batch's vectors as the model
returned them and answers the same batch again from that (``_same_batch_once``). A batch not seen before,
and every subprocess, runs the model. This took minutes off CI (USE reads ~4 posts/s on a loaded core).
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from svodka.pipeline.embed import E5Embedder, USEEmbedder
from svodka.store import Store, open_store
from svodka.store.postgres.scratch import PgServer, pg_bindir

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"

# The tests read the digests' English labels (digest.language = auto would write the Russian data's digests in
# Russian); tests/test_digest_language.py sets Russian itself. Subprocesses inherit it.
os.environ.setdefault("SVODKA_DIGEST_LANGUAGE", "en")


_BATCHES: dict[tuple[str, int, tuple[str, ...]], np.ndarray] = {}
_MEMO_ROWS = 400_000  # ~0.8 GB of float32 at 512 dimensions; past it, batches are embedded afresh


@pytest.fixture(autouse=True, scope="session")
def _same_batch_once() -> Iterator[None]:
    """The vectors of a batch of texts the suite embedded before, as the model gave them then."""
    originals = {cls: cls.embed for cls in (USEEmbedder, E5Embedder)}
    rows = 0

    def once(original: Callable[..., np.ndarray]) -> Callable[..., np.ndarray]:
        def embed(self: USEEmbedder | E5Embedder, texts: Sequence[str]) -> np.ndarray:
            nonlocal rows
            key = (self.name, self.max_chars, tuple(texts))
            hit = _BATCHES.get(key)
            if hit is None:
                hit = original(self, texts)
                if rows + len(texts) <= _MEMO_ROWS:
                    _BATCHES[key], rows = hit.copy(), rows + len(texts)
            return hit.copy()

        return embed

    for cls, original in originals.items():
        cls.embed = once(original)  # type: ignore[method-assign]
    yield
    for cls, original in originals.items():
        cls.embed = original  # type: ignore[method-assign]


def _sqlite_url(tmp_path: Path, name: str) -> str:
    return str(tmp_path / f"{name}.db")


_PG: PgServer | None = None
_PG_LOCK = threading.Lock()


def pg_server() -> PgServer:
    """The session's PostgreSQL server, started on first use; skips the test when PostgreSQL is absent."""
    global _PG
    with _PG_LOCK:
        if _PG is None:
            bindir = pg_bindir()
            if bindir is None:
                pytest.skip("PostgreSQL is not installed (scripts/system-deps.sh installs it)")
            _PG = PgServer(bindir)
            atexit.register(_PG.stop)
        return _PG


def _postgresql_url(tmp_path: Path, name: str) -> str:
    return pg_server().new_database(tmp_path, name)


# A backend joins the suite with one row: its name (the test id) → a function giving the URL of a fresh,
# empty store named ``name`` under the test's ``tmp_path`` (a file, or a new database on a test server).
BACKENDS: dict[str, Callable[[Path, str], str]] = {
    "sqlite": _sqlite_url,
    "postgresql": _postgresql_url,
}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "backends(*names, reason): run only on these store backends; the reason is required"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``@pytest.mark.backends("sqlite", reason=…)``: the other backends' runs are skipped, "
    "with the reason."""
    for item in items:
        mark = item.get_closest_marker("backends")
        if mark is None:
            continue
        reason = mark.kwargs.get("reason")
        if not reason:
            raise pytest.UsageError(
                f"{item.nodeid}: @pytest.mark.backends needs reason=… (why not elsewhere)"
            )
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")  # type: ignore[attr-defined]
        if backend and backend not in mark.args:
            item.add_marker(pytest.mark.skip(reason=f"not on {backend}: {reason}"))


@pytest.fixture(autouse=True)
def _drop_test_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test's PostgreSQL databases (made for its tmp_path) are dropped when it ends."""
    yield
    tmp = request.node.funcargs.get("tmp_path") if hasattr(request.node, "funcargs") else None
    if _PG is not None and tmp is not None:
        _PG.drop_for(tmp)


def new_store_url(backend: str, tmp_path: Path, name: str = "test") -> str:
    """The URL of a fresh store of ``backend``, for ``open_store`` or ``svodka --db``."""
    return BACKENDS[backend](tmp_path, name)


def open_test_store(backend: str, tmp_path: Path, name: str = "test") -> Store:
    """A fresh, migrated store of ``backend`` (a second one in a test: give another ``name``)."""
    return open_store(new_store_url(backend, tmp_path, name))


@pytest.fixture(scope="session", params=list(BACKENDS), ids=str)
def backend(request: pytest.FixtureRequest) -> str:
    """The backend under test; every test that takes a store fixture runs once per backend (session scope,
    so module-scoped fixtures that build a store can take it too)."""
    return str(request.param)


@pytest.fixture
def store(backend: str, tmp_path: Path) -> Iterator[Store]:
    s = open_test_store(backend, tmp_path)
    yield s
    s.close()


@pytest.fixture
def store_url(backend: str, tmp_path: Path) -> str:
    """The URL of a fresh store of the backend under test, for the CLI and subprocesses (``--db``)."""
    return new_store_url(backend, tmp_path, "cli")


def shared(*parts: str) -> Path:
    """A path under ../shared/data; skips the test with a reason when the data is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not found: {path} (tests read real corpora from ../shared/data)")
    return path


@pytest.fixture
def cli_run(store_url: str):  # type: ignore[no-untyped-def]
    """Run the svodka CLI in-process on a fresh store of the backend under test; returns click's Result."""
    from click.testing import CliRunner

    from svodka.cli import cli

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db_path: Path | str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(
            cli, ["--db", str(db_path or store_url), *args], input=input, catch_exceptions=False
        )

    run.db = store_url  # type: ignore[attr-defined]
    return run
