"""Alert delivery against real servers on 127.0.0.1: aiosmtpd, a webhook receiver that checks signatures,
a fake Bot API; a real `svodka alerts run` killed with kill -9 mid-delivery loses nothing and sends no
confirmed alert twice; retries with backoff, dead letters shown by `svodka status`."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from smtp_server import smtp_server
from svodka import settings as settings_mod
from svodka.model import ChannelRef, Post
from svodka.monitor.run import run_alerts
from svodka.monitor.send import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, verify_signature
from svodka.store import open_store

SECRET = "s3cret-key"
SCHEMA = json.loads((Path(__file__).parents[1] / "src/svodka/monitor/alert-schema.json").read_text())
T0 = datetime(2024, 12, 2, 9, 0, tzinfo=UTC)


@dataclass
class Receiver:
    """What the webhook got: delivery ids of requests it answered 200, and of all that arrived."""

    port: int = 0
    answered: list[int] = field(default_factory=list)
    arrived: list[int] = field(default_factory=list)
    bad: int = 0
    status: int = 200
    hang_on: int | None = None  # the request number (1-based) to hold without an answer
    hanging: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    bot: list[str] = field(default_factory=list)  # texts the fake Bot API got


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/botTOKEN/sendMessage":  # the fake Bot API beside the webhook
                rec.bot.append(json.loads(body)["text"])
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true, "result": {"message_id": 1}}')
                return
            ok = verify_signature(
                SECRET, self.headers[TIMESTAMP_HEADER] or "", body, self.headers[SIGNATURE_HEADER] or ""
            )
            if not ok:
                rec.bad += 1
                self.send_response(401)
                self.end_headers()
                return
            ids = [int(x) for x in self.headers[DELIVERY_HEADER].split(",")]
            rec.arrived.extend(ids)
            doc = json.loads(body)
            jsonschema.validate(doc, SCHEMA)
            if rec.hang_on is not None and len(rec.arrived) == rec.hang_on:
                rec.hanging.set()
                rec.release.wait(30)
                return  # never answered: not confirmed
            rec.bodies.append(doc)
            self.send_response(rec.status)
            self.end_headers()
            if rec.status == 200:
                rec.answered.extend(ids)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    rec.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield rec
    finally:
        rec.release.set()
        server.shutdown()


def _store_posts(db: str, n: int) -> None:
    ch = ChannelRef(handle="kremlin_pool", title="Кремлёвский пул")
    posts = [
        Post(ch, i, T0 + timedelta(minutes=i), f"Новость {i}: Пескову задали вопрос о встрече номер {i}")
        for i in range(1, n + 1)
    ]
    posts.append(Post(ch, 999, T0, "На пляже пески и камни"))  # the stem «песк» would match; a name does not
    with open_store(db) as store:
        store.posts.save(posts)


def _config(tmp: Path, smtp_port: int, hook_port: int, **alerts: object) -> Path:
    extra = "".join(f"{k} = {json.dumps(v)}\n" for k, v in alerts.items())
    cfg = tmp / "svodka.toml"
    cfg.write_text(
        f"""
[smtp]
host = "127.0.0.1"
port = {smtp_port}

[telegram]
bot_api_url = "http://127.0.0.1:{hook_port}"
bot_token = "TOKEN"

[alerts]
max_age_hours = 0
backoff_base = 60.0
max_attempts = 3
{extra}
[[alerts.targets]]
name = "mail"
kind = "email"
to = ["desk@example.org"]

[[alerts.targets]]
name = "bot"
kind = "bot"
chat = "-100123"

[[alerts.targets]]
name = "hook"
kind = "webhook"
url = "http://127.0.0.1:{hook_port}/hook"
secret_env = "HOOK_SECRET"

[[watchlists]]
name = "peskov"
query = "Песков"
rules = ["post"]
targets = ["mail", "bot", "hook"]
""",
        encoding="utf-8",
    )
    return cfg


def _alerts_run(db: str, cfg: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "HOOK_SECRET": SECRET}
    return subprocess.Popen(
        [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), "alerts", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _mail_ids(sink: Any) -> list[int]:
    out = []
    for _, _, raw in sink.messages:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        out.extend(int(x) for x in str(msg[DELIVERY_HEADER]).split(","))
    return out


def test_kill_9_mid_delivery_loses_nothing_and_resends_nothing_confirmed(
    tmp_path: Path, store_url: str, receiver: Receiver
) -> None:
    db = store_url
    _store_posts(db, 12)
    receiver.hang_on = 5  # the 5th webhook request is left without an answer; then the process is killed
    with smtp_server() as (sink, smtp_port):
        cfg = _config(tmp_path, smtp_port, receiver.port)
        proc = _alerts_run(db, cfg)
        try:
            assert receiver.hanging.wait(60), proc.communicate(timeout=5)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == -signal.SIGKILL
        confirmed_before = list(receiver.answered)
        assert len(confirmed_before) == 4
        receiver.release.set()
        receiver.hang_on = None
        second = _alerts_run(db, cfg)
        out, err = second.communicate(timeout=120)
        assert second.returncode == 0, err
        mails = _mail_ids(sink)
    # every alert reached both targets; the ones a target confirmed reached it once
    with open_store(db) as store:
        alerts = store.alerts.recent(100)
        outbox = {o.target: o for o in store.alerts.outbox()}
    assert len(alerts) == 12  # the post about sand is no alert for «Песков»
    assert outbox["mail"].sent == 12 and outbox["hook"].sent == 12
    assert outbox["mail"].pending == outbox["hook"].pending == 0
    assert len(mails) == len(set(mails)) == 12
    assert outbox["bot"].sent == 12
    numbers = sorted(int(re.search(r"Новость (\d+):", t).group(1)) for t in receiver.bot)  # type: ignore[union-attr]
    assert numbers == list(range(1, 13))  # each alert once through the Bot API
    assert len(set(receiver.answered)) == len(receiver.answered) == 12
    for d in confirmed_before:
        assert receiver.arrived.count(d) == 1
    unconfirmed = set(receiver.arrived) - set(confirmed_before)
    assert [d for d in receiver.arrived if receiver.arrived.count(d) > 1] == [receiver.arrived[4]] * 2
    assert len(unconfirmed) == 8
    assert receiver.bad == 0
    assert "12 alert(s) recorded" not in out  # recorded by the killed run already: nothing twice


def test_signature_checks_refuse_tampering_and_replay() -> None:
    body = b'{"a": 1}'
    sig = sign(SECRET, 1_700_000_000, body)
    assert verify_signature(SECRET, "1700000000", body, sig, now=1_700_000_100)
    assert not verify_signature(SECRET, "1700000000", body + b" ", sig, now=1_700_000_100)
    assert not verify_signature("other", "1700000000", body, sig, now=1_700_000_100)
    assert not verify_signature(SECRET, "1700000000", body, sig, now=1_700_000_000 + 3600)  # a replay
    assert not verify_signature(SECRET, "1700000001", body, sig, now=1_700_000_100)


def test_a_failing_target_backs_off_then_dead_letters_and_status_shows_it(
    tmp_path: Path, store_url: str, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)
    db = store_url
    _store_posts(db, 2)
    receiver.status = 500
    with smtp_server() as (sink, smtp_port):
        cfg = _config(tmp_path, smtp_port, receiver.port)
        s = settings_mod.load(cfg, environ={"HOOK_SECRET": SECRET})
        now = datetime.now(UTC)
        with open_store(db) as store:
            r = run_alerts(store, s, now=now)
            assert r.recorded == 2 and r.sent.sent == 4 and r.sent.failed == 1  # mail, bot went; hook not
            # the rest of the failing target waits; nothing is due again before the backoff
            r = run_alerts(store, s, now=now + timedelta(seconds=30))
            assert r.sent.sent == 0 and len(receiver.arrived) == 1 + 1  # the second was tried once
            r = run_alerts(store, s, now=now + timedelta(seconds=61))
            assert r.sent.failed >= 1
            for k in range(2, 12):
                run_alerts(store, s, now=now + timedelta(hours=k))
            dead = store.alerts.dead()
            assert {d.target for d in dead} == {"hook"} and len(dead) == 2
            assert all(d.attempts == 3 and "500" in (d.last_error or "") for d in dead)
        assert len(sink.messages) == 2  # the e-mails went once each, the failing webhook did not hold them
    env = {**os.environ, "HOOK_SECRET": SECRET}
    st = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(cfg), "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert st.returncode == 0, st.stderr
    assert "dead letters (2" in st.stdout and "hook" in st.stdout and "500" in st.stdout
    _health_page_shows_the_dead_letters(db)
    receiver.status = 200
    with open_store(db) as store:
        assert store.alerts.requeue_dead("hook") == 2
        r = run_alerts(store, s, now=now + timedelta(hours=13))
        assert r.sent.sent == 2 and not store.alerts.dead()


def _health_page_shows_the_dead_letters(db: str) -> None:
    """The sources/health page of the web app shows the outbox per target and its dead letters."""
    from svodka.web.app import create_app
    from svodka.web.auth import hash_password
    from svodka.web.server import running
    from test_web_support import login

    with open_store(db) as store:
        store.users.add("ops", hash_password("ops-pass-123"), "analyst")
        with running(create_app(store)) as base:
            page = login(base, "ops", "ops-pass-123").get("/health").text
    assert "Alert delivery" in page and "2 dead-lettered deliveries" in page
    row = next(line for line in page.splitlines() if "<td>hook</td>" in line)
    assert "<td>2</td>" in row and "500" in row  # two dead letters, the last error kept
