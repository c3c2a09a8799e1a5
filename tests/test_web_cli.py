"""`svodka users …` and `svodka serve`: the first admin, roles, keys, and a real server on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from svodka.store import open_store
from svodka.web.server import free_port


def test_users_commands(cli_run) -> None:  # type: ignore[no-untyped-def]
    r = cli_run("users", "add", "boss", "--password-stdin", input="boss-password\n")
    assert r.exit_code == 0 and "added boss (admin)" in r.output  # the first account is an admin
    r = cli_run("users", "add", "reader", "--password-stdin", input="reader-password\n")
    assert "added reader (viewer)" in r.output
    r = cli_run("users", "add", "short", "--password-stdin", input="short\n")
    assert r.exit_code != 0 and "at least 8" in r.output
    r = cli_run("users", "set-role", "reader", "analyst")
    assert "reader is now analyst" in r.output
    listing = cli_run("users", "list").output
    assert re.search(r"boss\s+admin", listing) and re.search(r"reader\s+analyst", listing)
    key = cli_run("users", "key", "reader", "--name", "cron").output.strip()
    assert key.startswith("svk_")
    with open_store(cli_run.db) as store:
        user = store.users.get("reader")
        assert [k.name for k in store.api_keys.list(user.id)] == ["cron"]
        found = store.users.password_hash("boss")
        assert found is not None and found[1].startswith("$argon2id$") and "boss-password" not in found[1]
    assert "removed reader" in cli_run("users", "remove", "reader").output
    assert "reader" not in cli_run("users", "list").output


def test_last_admin_stays(store_url: str) -> None:
    env = {**os.environ, "SVODKA_DB": store_url}
    run = [sys.executable, "-m", "svodka"]
    subprocess.run(
        [*run, "users", "add", "root", "--password-stdin"],
        input="root-password\n",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(
        [*run, "users", "add", "two", "--password-stdin"],
        input="two-password\n",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    r = subprocess.run([*run, "users", "set-role", "root", "viewer"], env=env, capture_output=True, text=True)
    assert r.returncode != 0 and r.stderr.strip().startswith("error:") and "last admin" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_serve_binds_localhost_and_serves(tmp_path: Path, store_url: str) -> None:
    db = store_url
    env = {**os.environ, "SVODKA_DB": str(db)}
    subprocess.run(
        [sys.executable, "-m", "svodka", "users", "add", "root", "--password-stdin"],
        input="root-password\n",
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "svodka", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "svodka serve did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and "Log in" in r.text
        assert httpx.get(f"http://127.0.0.1:{port}/api/posts", timeout=5).status_code == 401
        listening = Path("/proc/net/tcp").read_text().lower()
        # Bound to 127.0.0.1 (0100007F), not to every address (00000000).
        assert f"0100007f:{port:04x}" in listening and f"00000000:{port:04x}" not in listening
    finally:
        proc.terminate()
        proc.wait(timeout=20)
