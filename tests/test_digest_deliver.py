"""Delivery against real servers on 127.0.0.1: SMTP (aiosmtpd), a Bot API that speaks sendMessage, and an
OpenAI-compatible /v1/chat/completions for the optional abstract; plus files."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from smtp_server import Sink, smtp_server
from svodka.digest import DigestOptions, DigestQuery, build_digest
from svodka.digest.abstract import LlmSettings, OpenAICompatAbstractor
from svodka.digest.deliver import (
    BotSettings,
    SmtpSettings,
    render_all,
    send_email,
    send_telegram,
    write_files,
)
from svodka.digest.model import Digest
from svodka.digest.render import render_html, render_markdown
from svodka.errors import DeliveryError
from svodka.model import StoredPost, Story, StoryMember

T0 = datetime(2024, 11, 30, 10, tzinfo=UTC)
TEXTS = [
    (
        "ria",
        "Протестующие подожгли здание парламента Грузии в Тбилиси.\n\nНа месте работают пожарные и полиция.",
    ),
    ("bbc", "В центре Тбилиси полиция применила водомёты против участников акции протеста у парламента."),
    ("shot", "Здание парламента Грузии загорелось после того, как протестующие забросали его фейерверками."),
]
OTHER = "В Москве выпал первый снег этой зимы, синоптики обещают оттепель к выходным."


def _story(sid: int, texts: list[tuple[str, str]], start: int) -> Story:
    members = tuple(
        StoryMember(
            StoredPost(
                start + i,
                start + i,
                ch,
                100 + i,
                T0 + timedelta(minutes=10 * i),
                text,
                f"https://t.me/{ch}/{100 + i}",
            )
        )
        for i, (ch, text) in enumerate(texts)
    )
    return Story(sid, members, members[0].post.date, members[-1].post.date)


STORIES = [_story(1, TEXTS, 1), _story(2, [("moscow", OTHER)], 10)]
QUERY = DigestQuery(T0 - timedelta(hours=1), T0 + timedelta(hours=12), tz="Europe/Moscow")


@pytest.fixture
def digest() -> Digest:
    return build_digest(STORIES, QUERY)


# --- SMTP ----------------------------------------------------------------------------------------------
@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    with smtp_server() as running:
        yield running


def test_email_over_a_real_smtp_server(digest: Digest, smtp: tuple[Sink, int]) -> None:
    sink, port = smtp
    attach = render_all(digest, ["json"])
    send_email(
        digest,
        ["reader@example.org", "b@example.org"],
        SmtpSettings(host="127.0.0.1", port=port, sender="svodka@example.org", timeout=10),
        attach,
    )
    assert len(sink.messages) == 1
    sender, rcpts, raw = sink.messages[0]
    assert sender == "svodka@example.org" and rcpts == ["reader@example.org", "b@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == "Digest 2024-11-30 12:00 – 2024-12-01 01:00 (Europe/Moscow)"  # the period once
    body = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert body is not None and html is not None
    assert "https://t.me/ria/100" in body.get_content()
    assert "<article" in html.get_content()
    names = [p.get_filename() for p in msg.iter_attachments()]
    assert names == ["digest.json"]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_with_smtp_login() -> None:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"reader", b"s3cret")
        return AuthResult(success=ok, handled=False)

    with smtp_server(authenticator=check, auth_require_tls=False, auth_required=True) as (sink, port):
        d = build_digest(STORIES, QUERY)
        good = SmtpSettings(host="127.0.0.1", port=port, user="reader", password="s3cret", timeout=10)
        send_email(d, ["a@example.org"], good)
        assert len(sink.messages) == 1
        with pytest.raises(DeliveryError, match="535"):
            send_email(d, ["a@example.org"], replace(good, password="wrong"))
        assert len(sink.messages) == 1


def test_email_failure_is_a_delivery_error(digest: Digest) -> None:
    with pytest.raises(DeliveryError, match=r"SMTP 127\.0\.0\.1:9"):
        send_email(digest, ["a@example.org"], SmtpSettings(host="127.0.0.1", port=9, timeout=5))


# --- HTTP servers (Bot API, LLM) ------------------------------------------------------------------------
class _Recorder(BaseHTTPRequestHandler):
    requests: list[tuple[str, dict[str, Any]]]
    reply: Any

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append((self.path, body))
        status, payload = self.reply(self.path, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _serve(reply: Any) -> tuple[ThreadingHTTPServer, list[tuple[str, dict[str, Any]]]]:
    requests: list[tuple[str, dict[str, Any]]] = []
    handler = type("H", (_Recorder,), {"requests": requests, "reply": staticmethod(reply)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, requests


@pytest.fixture
def bot_api() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    def reply(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if not path.startswith("/botTOKEN/sendMessage"):
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if body["chat_id"] == "@nowhere":
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}
        if len(body["text"]) > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        return 200, {
            "ok": True,
            "result": {"message_id": 1, "chat": {"id": body["chat_id"]}, "text": body["text"]},
        }

    server, requests = _serve(reply)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests
    finally:
        server.shutdown()


def test_telegram_bot_delivery(bot_api: tuple[str, list[tuple[str, dict[str, Any]]]]) -> None:
    url, requests = bot_api
    big = build_digest([_story(i, TEXTS, 10 * i) for i in range(1, 40)], replace_top(QUERY, 39))
    n = send_telegram(big, "-100123", BotSettings(api_url=url, token="TOKEN", timeout=10))
    assert n == len(requests) > 1
    assert all(body["parse_mode"] == "HTML" and body["chat_id"] == "-100123" for _, body in requests)
    text = "\n".join(body["text"] for _, body in requests)
    assert text.count('<a href="https://t.me/ria/10') >= 39


def test_telegram_bot_refusal_names_the_reason(digest: Digest, bot_api: tuple[str, list[Any]]) -> None:
    url, _ = bot_api
    with pytest.raises(DeliveryError, match="chat not found"):
        send_telegram(digest, "@nowhere", BotSettings(api_url=url, token="TOKEN", timeout=10))
    with pytest.raises(DeliveryError) as e:
        send_telegram(digest, "1", BotSettings(api_url="http://127.0.0.1:9", token="SECRET123", timeout=5))
    assert "SECRET123" not in str(e.value)


def replace_top(q: DigestQuery, top: int) -> DigestQuery:
    return replace(q, top=top)


# --- LLM abstract -------------------------------------------------------------------------------------
@pytest.fixture
def llm() -> Iterator[tuple[str, list[tuple[str, dict[str, Any]]], dict[str, str]]]:
    answer = {"content": ""}

    def reply(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path != "/v1/chat/completions":
            return 404, {"error": "not found"}
        msg = {"role": "assistant", "content": answer["content"]}
        return 200, {"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": msg}]}

    server, requests = _serve(reply)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", requests, answer
    finally:
        server.shutdown()


def test_abstract_uses_only_the_storys_posts_and_keeps_citations(llm: Any) -> None:
    url, requests, answer = llm
    answer["content"] = "Протестующие подожгли парламент Грузии [1][3]; полиция применила водомёты [2]."
    d = build_digest(STORIES, QUERY, DigestOptions(abstractor=OpenAICompatAbstractor(LlmSettings(url))))
    first = d.items[0]
    assert first.summary.abstract is not None
    assert [c.url for c in first.summary.abstract.refs] == [
        f"https://t.me/{ch}/{100 + i}" for i, (ch, _) in enumerate(TEXTS)
    ]
    assert first.summary.sentences and first.summary.headline.url  # extractive part stays
    # The request for story 1 carries its three posts and nothing of story 2.
    prompt = requests[0][1]["messages"][1]["content"]
    assert all(t.split("\n")[0] in prompt for _, t in TEXTS) and "снег" not in prompt
    assert "\\[1\\]" in render_markdown(d) and 'class="abstract"' in render_html(d)


def test_abstract_with_foreign_citations_is_dropped(llm: Any) -> None:
    url, _, answer = llm
    answer["content"] = "Что-то произошло [7]."
    d = build_digest(STORIES, QUERY, DigestOptions(abstractor=OpenAICompatAbstractor(LlmSettings(url))))
    assert all(it.summary.abstract is None for it in d.items)


def test_abstract_server_down_keeps_the_digest() -> None:
    d = build_digest(
        STORIES,
        QUERY,
        DigestOptions(abstractor=OpenAICompatAbstractor(LlmSettings("http://127.0.0.1:9", timeout=3))),
    )
    assert len(d.items) == 2 and all(it.summary.abstract is None for it in d.items)


# --- files ---------------------------------------------------------------------------------------------
def test_files_are_written(digest: Digest, tmp_path: Path) -> None:
    paths = write_files(render_all(digest, ["md", "html", "json"]), tmp_path / "out")
    assert sorted(p.name for p in paths) == ["digest.html", "digest.json", "digest.md"]
    assert json.loads((tmp_path / "out" / "digest.json").read_text())["items"][0]["story_id"] == 1
    assert not list((tmp_path / "out").glob("*.part"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(DeliveryError, match="cannot write"):
        write_files({"md": b"x"}, tmp_path / "file" / "sub")
