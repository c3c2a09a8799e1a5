"""A throwaway PostgreSQL server in a temporary folder, for the tests and the benchmarks.

``initdb`` into a new folder (as ``nobody`` when run as root: initdb refuses root), ``pg_ctl start`` on a free
port of 127.0.0.1 with its unix socket in that folder and durability off (fsync, full-page writes: nothing
here outlives the run), one migrated template database, and a database per store copied from it (``CREATE
DATABASE … TEMPLATE``: a few milliseconds, not a migration per test). :meth:`PgServer.stop` removes it all.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
from contextlib import suppress
from pathlib import Path

import psycopg

from svodka.store import open_store


def pg_bindir() -> Path | None:
    """Where initdb and pg_ctl are: PATH, else Debian's /usr/lib/postgresql/N/bin (newest first)."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


class PgServer:
    """A throwaway PostgreSQL server and its databases (each named for an owner, e.g. a test's tmp_path)."""

    TEMPLATE = "svodka_template"
    OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300"

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="svodka-pg-"))
        self._as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the server runs as nobody, in a folder it owns
            user = pwd.getpwnam("nobody")
            os.chown(self.dir, user.pw_uid, user.pw_gid)
            self._as = ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        data = str(self.dir / "data")
        self._run(
            "initdb",
            "-D",
            data,
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        options = f"-p {self.port} -h 127.0.0.1 -k {self.dir} {self.OPTIONS}"
        self._run(
            "pg_ctl", "-D", data, "-l", str(self.dir / "server.log"), "-w", "-t", "60", "-o", options, "start"
        )
        self._lock = threading.Lock()
        self._names = itertools.count(1)
        self._made: dict[str, dict[str, str]] = {}  # owner → {store name: database}
        self.admin = psycopg.connect(self.url("postgres"), autocommit=True)
        self.admin.execute(f"CREATE DATABASE {self.TEMPLATE}")
        open_store(self.url(self.TEMPLATE)).close()  # migrated once; every database copies it

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bindir / program), *args], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{program} failed: {done.stderr.strip() or done.stdout.strip()}")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def new_database(self, owner: str | Path, name: str, migrated: bool = True) -> str:
        """The URL of a migrated, empty database for the store ``name`` of ``owner`` (the same one when asked
        again: a URL names a store, as a file path does); not ``migrated``: a bare one, which the first
        store opened on it migrates (a benchmark's other code tree, whose migrations may differ)."""
        with self._lock:
            made = self._made.setdefault(str(owner), {})
            if name not in made:
                made[name] = f"t{next(self._names)}_{''.join(c for c in name.lower() if c.isalnum())[:40]}"
                template = self.TEMPLATE if migrated else "template1"
                self.admin.execute(f"CREATE DATABASE {made[name]} TEMPLATE {template}")
            return self.url(made[name])

    def drop_for(self, owner: str | Path) -> None:
        """Drop the databases of ``owner`` (connections still open to them are closed)."""
        with self._lock:
            for database in self._made.pop(str(owner), {}).values():
                self.admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    def stop(self) -> None:
        if self.dir.exists():
            with suppress(Exception):
                self.admin.close()
            pg_ctl = [
                *self._as,
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.dir / "data"),
                "-m",
                "immediate",
                "stop",
            ]
            subprocess.run(pg_ctl, capture_output=True)
            shutil.rmtree(self.dir, ignore_errors=True)
