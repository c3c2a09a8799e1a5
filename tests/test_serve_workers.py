"""`svodka serve --workers 2`: two worker processes on one port, both over the store the flags name; SIGTERM
stops them all. On SQLite a warning says what several workers cost; an in-memory store is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from svodka.web.server import free_port


def _children(pid: int) -> set[int]:
    """The live child processes of ``pid``, from /proc."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _svodka(*args: str, db: str, stdin: str | None = None) -> str:
    r = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", db, *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=True,
    )
    return r.stdout


def test_two_workers_answer_and_sigterm_stops_all(store_url: str) -> None:
    _svodka("users", "add", "root", "--password-stdin", db=store_url, stdin="root-password\n")
    key = _svodka("users", "key", "root", db=store_url).strip()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SVODKA_DB", "SVODKA_STORE_DB")}
    proc = subprocess.Popen(  # the store only as a flag: the workers must get it from the CLI
        [sys.executable, "-m", "svodka", "--db", store_url, "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                if r.status_code == 200 and len(_workers(proc.pid)) == 2:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "svodka serve --workers 2 did not start two workers"
            time.sleep(0.3)
        workers = _workers(proc.pid)
        assert len(workers) == 2
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as client:
            for _ in range(20):  # fresh connections: the kernel hands them to either worker
                r = client.get("/api/posts", headers={"Connection": "close"})
                assert r.status_code == 200, r.text  # the key is found: the workers opened the CLI's store
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        stopped = time.monotonic() + 10
        while any(_alive(p) for p in workers) and time.monotonic() < stopped:
            time.sleep(0.1)
        assert not [p for p in workers if _alive(p)], "a worker outlived SIGTERM"
        on_sqlite = not store_url.startswith("postgresql://")
        assert ("warning: 2 workers on SQLite share one writer" in err) == on_sqlite, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        for p in workers:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


def _workers(pid: int) -> set[int]:
    """The supervisor's worker processes: its children that run svodka's app (not its resource tracker)."""
    found = set()
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"multiprocessing.spawn" in cmdline or b"spawn_main" in cmdline:
            found.add(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_workers_on_sqlite_warn_and_memory_is_refused(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", ":memory:", "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "needs a store on disk" in r.stderr
