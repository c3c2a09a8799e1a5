# ruff: noqa: E501  (HTML templates read best on one line each)
"""A real HTTP server on 127.0.0.1 that stands in for t.me and news sites, with injected faults.

Pages follow the structure of the real saved page in ../shared/data/tme_s_html_sample (same elements and
classes: tgme_channel_info_*, tgme_widget_message_wrap > tgme_widget_message[data-post][data-view],
tgme_widget_message_text with <br>, views, <time datetime>, tme_messages_more[data-before], <link
rel="prev">) plus the newer pieces live pages have (forwarded_from, reply, reactions). The posts are the
real ones of ../shared/data/tg_ru_news_2024 (CC BY 4.0, NKTKLN/telegram-news-classifier).

Used by tests/test_collect_*.py and benchmarks/bench_collect.py.
"""

from __future__ import annotations

import base64
import html
import json
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

PAGE_SIZE = 20
FAULTS = ("429", "503", "reset", "timeout", "truncated", "short_body", "malformed", "layout")
# Hostile answers, only when a plan names them: a page that redirects to itself, or to ftp://; a body
# that claims gzip and is not; a 200 page that never ends (streamed until the client hangs up or
# ``endless_bytes``); a page whose post texts lost their class (ids and dates kept).
HOSTILE = ("redirect_loop", "bad_redirect", "bad_gzip", "endless", "text_markup")


@dataclass
class FakePost:
    message_id: int
    date: datetime
    text: str
    views: int = 0
    edited: bool = False
    deleted: bool = False
    service: bool = False
    forward: tuple[str, str, int] | None = None  # (name, handle, message id)
    reply_to: int | None = None
    reactions: tuple[int, ...] = ()
    photo: bool = False
    publish_at: float = 0.0  # seconds after the world's start; hidden until then


@dataclass
class FakeChannel:
    handle: str
    title: str
    tg_id: int
    subscribers: int
    posts: list[FakePost] = field(default_factory=list)
    preview: bool = True
    exists: bool = True

    def visible(self, elapsed: float) -> list[FakePost]:
        return [p for p in self.posts if not p.deleted and p.publish_at <= elapsed]


@dataclass
class FaultPlan:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULTS
    retry_after: int = 1
    retry_after_header: str = ""  # sent as Retry-After instead of ``retry_after`` (e.g. an HTTP date)
    timeout_sleep: float = 1.5
    seed: int = 7
    only_paths: str = ""  # apply faults only to paths starting with this
    exact: bool = False  # exactly rate × 20 failures in every block of 20 requests (no sampling noise)
    endless_bytes: int = 256 * 1024 * 1024  # an "endless" page stops here if the client reads it all


class World:
    """Everything the server serves; mutable while it runs (posts appear, change, vanish)."""

    def __init__(self) -> None:
        self.channels: dict[str, FakeChannel] = {}
        self.feeds: dict[str, list[FakePost]] = {}
        self.faults = FaultPlan()
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.stats: Counter[str] = Counter()
        self.burst: dict[str, int] = {}
        self._rng = random.Random(7)
        self._slots: list[bool] = []
        self._kinds: list[str] = []
        self._forced: str | None = None
        self.latency = 0.0
        self.layout_changed = False
        self.inflight = 0
        self.requests: list[tuple[float, str, str]] = []  # (time.time(), path, User-Agent), as they came

    @classmethod
    def of(cls, channels: Iterable[FakeChannel]) -> World:
        """A world serving copies of ``channels`` (a test may change its posts without touching the others')."""
        w = cls()
        for ch in channels:
            w.channels[ch.handle] = replace(ch, posts=[replace(p) for p in ch.posts])
        return w

    def set_faults(self, plan: FaultPlan) -> None:
        with self.lock:
            self.faults = plan
            self._rng = random.Random(plan.seed)
            self._slots = []
            self._kinds = []
            self._forced = None
            self.stats.clear()
            self.stats["max_inflight"] = self.inflight

    def pick_fault(self, path: str) -> str | None:
        with self.lock:
            self.stats["requests"] += 1
            self.stats["path:" + path] += 1
            plan = self.faults
            if plan.only_paths and not path.startswith(plan.only_paths):
                return None
            if self.burst.get(path, 0) > 0:
                self.burst[path] -= 1
                self.stats["fault:503"] += 1
                return "503"
            if plan.exact:
                if not self._slots:
                    failing = round(plan.rate * 20)
                    self._slots = [True] * failing + [False] * (20 - failing)
                    self._rng.shuffle(self._slots)
                if not self._slots.pop():
                    return None
                if not self._kinds:  # every kind once per round, in a shuffled order
                    self._kinds = list(plan.kinds)
                    self._rng.shuffle(self._kinds)
                kind = self._forced or self._kinds.pop()
                # a 5xx burst: the next failures are 503s too
                self._forced = "503" if kind == "503" and self._rng.random() < 0.6 else None
                self.stats["fault:" + kind] += 1
                return kind
            if plan.rate <= 0 or self._rng.random() >= plan.rate:
                return None
            kind = self._rng.choice(plan.kinds)
            if kind == "503":
                self.burst[path] = self._rng.randint(0, 2)  # a burst: the next requests fail too
            self.stats["fault:" + kind] += 1
            return kind

    def elapsed(self) -> float:
        return time.monotonic() - self.start


# --- the real data --------------------------------------------------------------------------------
def load_channels(
    posts_jsonl: Path, max_channels: int | None = None, max_posts: int | None = None
) -> list[FakeChannel]:
    """Channels of tg_ru_news_2024 with their real posts (ids, dates, texts)."""
    by_channel: dict[int, list[dict[str, object]]] = {}
    titles: dict[int, str] = {}
    with posts_jsonl.open(encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            cid = abs(int(rec["sender_id"])) - 1_000_000_000_000
            by_channel.setdefault(cid, []).append(rec)
            titles[cid] = str(rec["channel"])
    out = []
    for cid in sorted(by_channel)[:max_channels]:
        recs = sorted(by_channel[cid], key=lambda r: int(r["message_id"]))  # type: ignore[call-overload]
        if max_posts is not None:
            recs = recs[-max_posts:]
        posts = [
            FakePost(
                message_id=int(r["message_id"]),  # type: ignore[call-overload]
                date=datetime.fromisoformat(str(r["date"])).astimezone(UTC),
                text=str(r["text"] or ""),
                views=(int(r["message_id"]) * 37) % 250_000,  # type: ignore[call-overload]
            )
            for r in recs
        ]
        out.append(FakeChannel(f"c{cid}", titles[cid], cid, 1000 + cid % 900_000, posts))
    return out


def normalize(text: str) -> str:
    """Text as a web page can carry it: runs of spaces collapsed, line edges trimmed."""
    lines = [re.sub(r"[ \t\r\f\v]+", " ", line).strip(" ") for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# --- markup ----------------------------------------------------------------------------------------
_URL = re.compile(r"https?://[^\s<>\"]+")
_TAG = re.compile(r"(?<![\w/])#(\w+)")


def _text_html(text: str) -> str:
    out = []
    pos = 0
    for m in re.finditer(rf"{_URL.pattern}|{_TAG.pattern}", text):
        out.append(html.escape(text[pos : m.start()]))
        token = m.group(0)
        if token.startswith("#"):
            out.append(f'<a href="?q={quote(token)}">{html.escape(token)}</a>')
        else:
            out.append(
                f'<a href="{html.escape(token)}" target="_blank" rel="noopener">{html.escape(token)}</a>'
            )
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br/>")


def _count(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 1000:
        return f"{n / 1000:.1f}K"
    return str(n)


def _message(ch: FakeChannel, p: FakePost) -> str:
    view = base64.b64encode(json.dumps({"c": -ch.tg_id, "p": p.message_id, "t": 0}).encode()).decode()
    cls = "tgme_widget_message force_userpic js-widget_message" + (" service_message" if p.service else "")
    parts = [
        '<div class="tgme_widget_message_wrap js-widget_message_wrap">',
        f'<div class="{cls}" data-post="{ch.handle}/{p.message_id}" data-view="{view}">',
        f'<div class="tgme_widget_message_user"><a href="https://t.me/{ch.handle}"><i class="tgme_widget_message_user_photo bgcolor5" data-content="x"></i></a></div>',
        '<div class="tgme_widget_message_bubble"><i class="tgme_widget_message_bubble_tail"></i>',
        f'<div class="tgme_widget_message_author"><a class="tgme_widget_message_owner_name" href="https://t.me/{ch.handle}"><span dir="auto">{html.escape(ch.title)}</span></a></div>',
    ]
    if p.forward:
        name, handle, mid = p.forward
        parts.append(
            '<div class="tgme_widget_message_forwarded_from accent_color">Forwarded from '
            f'<a class="tgme_widget_message_forwarded_from_name" href="https://t.me/{handle}/{mid}">'
            f'<span dir="auto">{html.escape(name)}</span></a></div>'
        )
    if p.reply_to:
        parts.append(
            f'<a class="tgme_widget_message_reply" href="https://t.me/{ch.handle}/{p.reply_to}">'
            '<div class="tgme_widget_message_author accent_color"><span class="tgme_widget_message_author_name">'
            f'{html.escape(ch.title)}</span></div><div class="tgme_widget_message_text js-message_reply_text">…</div></a>'
        )
    if p.photo:
        parts.append(
            f'<a class="tgme_widget_message_photo_wrap" href="https://t.me/{ch.handle}/{p.message_id}" '
            'style="width:800px"><div class="tgme_widget_message_photo" style="padding-top:56.25%"></div></a>'
        )
    body = "pinned" if p.service else _text_html(p.text)
    parts.append(f'<div class="tgme_widget_message_text js-message_text" dir="auto">{body}</div>')
    if p.reactions:
        items = "".join(
            f'<span class="tgme_reaction"><i class="emoji"><b>👍</b></i>{_count(n)}</span>'
            for n in p.reactions
        )
        parts.append(f'<div class="tgme_widget_message_reactions js-message_reactions">{items}</div>')
    views = (
        ""
        if p.service
        else f'<span class="tgme_widget_message_views">{_count(p.views)}</span><span class="copyonly"> views</span>'
    )
    edited = "edited &nbsp;" if p.edited else ""
    parts.append(
        '<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info">'
        f'{views}<span class="tgme_widget_message_meta">{edited}<a class="tgme_widget_message_date" '
        f'href="https://t.me/{ch.handle}/{p.message_id}"><time datetime="{p.date.isoformat()}">'
        f"{p.date:%H:%M}</time></a></span></div></div></div></div></div>"
    )
    return "".join(parts)


def render_page(ch: FakeChannel, posts: list[FakePost], before: int | None) -> str:
    """A t.me/s page: ``posts`` oldest first; ``before`` the cursor to older posts (None at the start)."""
    title = html.escape(ch.title)
    more = (
        f'<a href="/s/{ch.handle}?before={before}" class="tme_messages_more js-messages_more" data-before="{before}"></a>'
        if before is not None
        else ""
    )
    prev = f'<link rel="prev" href="/s/{ch.handle}?before={before}">' if before is not None else ""
    messages = "\n".join(_message(ch, p) for p in posts)
    return f"""<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>{title} – Telegram</title>
<meta property="og:title" content="{title}">{prev}
<link href="//telegram.org/css/widget-frame.css?27" rel="stylesheet" media="screen"></head>
<body class="widget_frame_base tgme_widget emoji_image thin_box_shadow no_transitions">
<header class="tgme_header search_collapsed"><div class="tgme_container"><div class="tgme_header_right_column"><section class="tgme_right_column">
<div class="tgme_channel_info"><div class="tgme_channel_info_header"><div class="tgme_channel_info_header_title"><span dir="auto">{title}</span></div>
<div class="tgme_channel_info_header_username"><a href="https://t.me/{ch.handle}">@{ch.handle}</a></div></div>
<div class="tgme_channel_info_counters"><div class="tgme_channel_info_counter"><span class="counter_value">{_count(ch.subscribers)}</span> <span class="counter_type">subscribers</span></div>
<div class="tgme_channel_info_counter"><span class="counter_value">12</span> <span class="counter_type">photos</span></div></div></div>
</section></div></div></header>
<main class="tgme_main" data-url="/{ch.handle}"><div class="tgme_container">
<section class="tgme_channel_history js-message_history">{more}
{messages}
</section></div></main>
<script src="//telegram.org/js/widget-frame.js?29"></script>
</body>
</html>
"""


def render_card(ch: FakeChannel | None, handle: str) -> str:
    """t.me/<name>: a channel's card (no preview), or the page of a name that does not exist."""
    title = (
        f'<div class="tgme_page_title"><span dir="auto">{html.escape(ch.title)}</span></div>' if ch else ""
    )
    return f"""<!DOCTYPE html><html><head><title>Telegram: Contact @{handle}</title></head>
<body><div class="tgme_page_wrap"><div class="tgme_page">{title}
<div class="tgme_page_extra">If you have Telegram, you can contact @{handle} right away.</div>
<div class="tgme_page_action"><a class="tgme_action_button_new" href="tg://resolve?domain={handle}">View in Telegram</a></div>
</div></div></body></html>"""


def render_feed(name: str, items: list[FakePost]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(p.text.split(chr(10))[0][:120])}</title>"
        f"<link>https://news.example/{name}/{p.message_id}</link><guid>{name}-{p.message_id}</guid>"
        f"<pubDate>{format_datetime(p.date)}</pubDate><description>{html.escape(p.text)}</description></item>"
        for p in items
        if not p.deleted
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Feed {name}</title><link>https://news.example/{name}</link><description>test</description>"
        f"{entries}</channel></rss>"
    )


def _layout_changed(page: str) -> str:
    return page.replace("tgme_widget_message", "tgme_post").replace("tgme_channel_history", "tgme_feed")


# --- the server -------------------------------------------------------------------------------------
class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # silence
        pass

    def _send(
        self,
        status: int,
        body: str,
        ctype: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        world = self.server.world
        with world.lock:
            world.requests.append((time.time(), self.path, self.headers.get("User-Agent", "")))
            world.inflight += 1
            world.stats["max_inflight"] = max(world.stats["max_inflight"], world.inflight)
        try:
            self._get(world)
        finally:
            with world.lock:
                world.inflight -= 1

    def _get(self, world: World) -> None:
        if world.latency:
            time.sleep(world.latency)
        url = urlsplit(self.path)
        if url.scheme:  # absolute-form: we are being used as an HTTP proxy
            world.stats["proxied"] += 1
        fault = world.pick_fault(url.path)
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if fault == "timeout":
            time.sleep(world.faults.timeout_sleep)
            self.close_connection = True
            return
        if fault == "429":
            wait = world.faults.retry_after_header or str(world.faults.retry_after)
            self._send(429, "Too Many Requests", "text/plain", {"Retry-After": wait})
            return
        if fault == "redirect_loop":  # the page sends us back to itself
            self._send(302, "", "text/html", {"Location": self.path})
            return
        if fault == "bad_redirect":
            self._send(302, "", "text/html", {"Location": "ftp://127.0.0.1/pub/page"})
            return
        if fault == "bad_gzip":
            self._send(200, "this is not gzip", "text/html; charset=utf-8", {"Content-Encoding": "gzip"})
            return
        if fault == "endless":
            self._endless(world)
            return
        if fault == "503":
            self._send(503, "Service Unavailable", "text/plain")
            return
        status, body, ctype, headers = self._route(url.path, parse_qs(url.query))
        if status == 200 and fault in ("truncated", "short_body", "malformed", "layout", "text_markup"):
            if fault == "truncated":  # a page cut short, with a Content-Length that matches the cut
                body = body[: max(1, int(len(body) * world._rng.uniform(0.2, 0.9)))]
            elif fault == "short_body":  # the connection drops before Content-Length bytes arrived
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.close_connection = True
                return
            elif fault == "malformed":
                body = (
                    re.sub(r'<time datetime="[^"]*">', "<time>", body, count=1)
                    if "<time" in body
                    else body[:-40]
                )
            elif fault == "layout":
                body = _layout_changed(body)
            elif fault == "text_markup":  # t.me renames the text element only: ids and dates stay
                body = body.replace("tgme_widget_message_text", "tgme_widget_message_body")
        self._send(status, body, ctype, headers)

    def _endless(self, world: World) -> None:
        """200, no Content-Length, a page that goes on and on; counts what the client accepted."""
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        chunk = ("<p>" + "Бесконечная страница. " * 2900 + "</p>\n").encode()  # ~128 KiB
        sent = 0
        try:
            self.wfile.write(b'<!DOCTYPE html><html><body><section class="tgme_channel_history">')
            while sent < world.faults.endless_bytes:
                self.wfile.write(chunk)
                sent += len(chunk)
                with world.lock:
                    world.stats["endless_bytes"] += len(chunk)
        except OSError:  # the client stopped reading and hung up: what the test wants
            pass

    def _route(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, str, dict[str, str]]:
        world = self.server.world
        html_type = "text/html; charset=utf-8"
        m = re.fullmatch(r"/s/(\w+)", path)
        if m:
            with world.lock:
                ch = world.channels.get(m.group(1).lower())
                if ch is None or not ch.exists or not ch.preview:
                    return 302, "", html_type, {"Location": f"/{m.group(1)}"}
                if world.layout_changed:
                    return (
                        200,
                        _layout_changed(render_page(ch, ch.visible(world.elapsed())[-3:], None)),
                        html_type,
                        {},
                    )
                visible = ch.visible(world.elapsed())
                before = query.get("before", [None])[0]
                if before is not None:
                    visible = [p for p in visible if p.message_id < int(before)]
                page = visible[-PAGE_SIZE:]
                cursor = page[0].message_id if page and len(visible) > len(page) else None
                world.stats["pages"] += 1
                return 200, render_page(ch, page, cursor), html_type, {}
        m = re.fullmatch(r"/(\w+)", path)
        if m:
            with world.lock:
                ch = world.channels.get(m.group(1).lower())
                return 200, render_card(ch if ch and ch.exists else None, m.group(1)), html_type, {}
        m = re.fullmatch(r"/feeds/(\w+)\.xml", path)
        if m and m.group(1) in world.feeds:
            with world.lock:
                body = render_feed(m.group(1), world.feeds[m.group(1)])
            etag = '"' + format(hash(body) & 0xFFFFFFFF, "x") + '"'
            if self.headers.get("If-None-Match") == etag:
                world.stats["not_modified"] += 1
                return 304, "", "application/rss+xml", {"ETag": etag}
            return 200, body, "application/rss+xml", {"ETag": etag}
        return 404, "not found", "text/plain", {}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    world: World

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up (killed daemons, timeouts) are part of the tests


class FakeTelegram:
    """``with FakeTelegram(world) as srv: srv.url`` — serves ``world`` on 127.0.0.1 until closed."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.httpd = _Server(("127.0.0.1", 0), _Handler)
        self.httpd.world = world
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeTelegram:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
