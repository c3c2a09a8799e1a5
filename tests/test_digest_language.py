"""Digests, e-mails, bot and alert messages in Russian (digest.language), from the digest catalog.

The bundled Russian day goes through the real CLI once (import, process with USE, a digest in every format
with the language and zone left at ``auto``, as `make run` does): every format must be Russian — no English
label of the catalog left (the check is built from src/svodka/locale/ru/LC_MESSAGES/digest.po: no msgid
whose msgstr differs may appear), dates «2 декабря 2024, 09:15 МСК», plural forms — and English by setting.
The e-mail and the bot message go to real servers on 127.0.0.1 (aiosmtpd, a Bot API that records).
"""

from __future__ import annotations

import email
import email.policy
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import docx
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from conftest import ROOT
from smtp_server import smtp_server
from svodka.digest.deliver import SmtpSettings
from svodka.digest.voice import Voice
from svodka.i18n import Display
from svodka.monitor import send
from svodka.monitor.targets import target

PO = ROOT / "src" / "svodka" / "locale" / "ru" / "LC_MESSAGES" / "digest.po"
FORMATS = "md,html,pdf,docx,json"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[-+ #0-9.]*[sdfr]")
WORD = re.compile(r"[A-Za-z]{3,}")


def catalog() -> Any:
    with PO.open("rb") as f:
        return read_po(f, locale="ru", domain="digest")


def english_fragments() -> set[str]:
    """The English words of every message the catalog translates differently: what must not be left in a
    Russian digest (words of three letters or more, outside placeholders)."""
    words: set[str] = set()
    for m in catalog():
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if set(ids) == set(strings):
            continue
        for msgid in ids:
            words.update(WORD.findall(PLACEHOLDER.sub(" ", msgid)))
    return words - {"svodka"}  # the product's name stays


def leftovers(text: str, data: set[str]) -> list[str]:
    """The catalog's English words in ``text`` once the digest's data (quotes, names, links) is taken out."""
    for item in sorted(data, key=len, reverse=True):
        text = text.replace(item, " ")
    text = re.sub(r"https?://\S+", " ", text)
    found = set(WORD.findall(text))
    return sorted(found & english_fragments())


def data_of(doc: dict[str, Any]) -> set[str]:
    """Every string of the document that is data, not a label: texts, channel and group names, links."""
    out: set[str] = {doc.get("name") or ""}
    for it in doc["items"]:
        cited = [it["headline"], *it["sentences"]]
        out.update(c["text"] for c in cited)
        out.update(c["channel"] for c in cited)
        out.update(it["card"]["channels"])
        for d in it["differences"]:
            out.update(q["sentence"] for q in d["quotes"])
            out.update(q["what"] for q in d["quotes"])
            out.update(q["channel"] for q in d["quotes"])
            out.add(d["line"].split(": ", 1)[-1])
        for g in it["card"]["groups"]:
            out.add(g["group"])
    for line in doc["credibility"]:
        out.add(line.split(": ", 1)[0])
    return {s for s in out if s}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The bundled day processed (USE), and its digest with language and zone at ``auto`` in every format,
    and again in English (``--language en``)."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: scripts/system-deps.sh")
    tmp = tmp_path_factory.mktemp("sample")
    config = tmp / "svodka.toml"
    config.write_text('[pipeline]\nembedder = "use"\n', encoding="utf-8")
    db, out, out_en = tmp / "s.db", tmp / "ru", tmp / "en"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    env["SVODKA_DIGEST_LANGUAGE"] = "auto"  # the default; the suite's conftest pins English
    base = [sys.executable, "-m", "svodka", "--db", str(db), "--config", str(config)]
    digest = ["digest", "--latest", "--since", "24h", "--no-save", "--format", FORMATS]
    runs = {}
    for key, args in (
        ("import", ["import", str(ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl")]),
        ("process", ["process"]),
        ("ru", [*digest, "--out", str(out)]),
        ("en", [*digest, "--out", str(out_en), "--language", "en"]),
        ("stories", ["stories", "--since", "24h", "--limit", "3"]),
    ):
        runs[key] = subprocess.run(base + args, env=env, capture_output=True, text=True, timeout=900)
        assert runs[key].returncode == 0, runs[key].stderr
    return {"db": db, "ru": out, "en": out_en, "runs": runs, "env": env, "base": base}


def _doc(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "digest.json").read_text(encoding="utf-8"))


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, timeout=60).stdout


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(io.BytesIO(path.read_bytes())).paragraphs)


def test_auto_writes_the_russian_days_digest_in_russian_in_every_format(sample: dict[str, Any]) -> None:
    out = sample["ru"]
    doc = _doc(out)
    assert doc["language"] == "ru" and doc["period"]["tz"] == "Europe/Moscow"  # display.tz auto: Moscow
    data = data_of(doc)
    texts = {
        "md": (out / "digest.md").read_text(encoding="utf-8").replace("\\", ""),
        "html": _page_text((out / "digest.html").read_text(encoding="utf-8")),
        "docx": _docx_text(out / "digest.docx"),
        "json": "\n".join(
            [*(d["line"] for it in doc["items"] for d in it["differences"]), *doc["credibility"]]
        ),
        "console": sample["runs"]["ru"].stdout,
    }
    for fmt, text in texts.items():
        assert leftovers(text, data) == [], fmt
    for fmt in ("md", "html", "docx", "console"):
        assert "первым сообщил" in texts[fmt] and " МСК" in texts[fmt], fmt
    assert "Достоверность цитируемых каналов" in texts["md"] and "оценка" in texts["md"]
    assert '<html lang="ru">' in (out / "digest.html").read_text(encoding="utf-8")
    assert doc["items"] and all(
        d["line"].startswith("расходятся")
        or (d["kind"] in ("figure", "claim") and d["line"].startswith("«") and "» — только в " in d["line"])
        or (d["kind"] == "name" and d["line"].startswith("«") and " упоминается только в " in d["line"])
        for d in _diffs(doc)
    )


def _page_text(page: str) -> str:
    """What a reader sees of an HTML page: no style sheet, no tags."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _diffs(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for it in doc["items"] for d in it["differences"]]


def test_the_pdf_reads_back_in_russian(sample: dict[str, Any]) -> None:
    text = _pdf_text(sample["ru"] / "digest.pdf")
    first = re.sub(r"\s+", " ", text.split("\f")[0])
    assert "Главное" in first and "Сводка за 2 декабря 2024" in first and "оценка" in first
    assert re.search(r"\d+ канал(а|ов)? \(независимых: \d+\) · первым сообщил", first)
    assert "первым сообщил" in text and "Достоверность цитируемых каналов" in text
    one_line = re.sub(r"\s+", " ", text)
    assert leftovers(one_line, data_of(_doc(sample["ru"]))) == []


def test_the_docx_reads_back_in_russian(sample: dict[str, Any]) -> None:
    document = docx.Document(io.BytesIO((sample["ru"] / "digest.docx").read_bytes()))
    paras = [p.text for p in document.paragraphs]
    assert paras[2] == "Главное" and "Источники" in paras and "Достоверность цитируемых каналов" in paras
    assert paras[1].startswith("Сводка за 2 декабря 2024")
    assert document.core_properties.language == "ru"
    cards = [p for p in paras if p.startswith("первым сообщил ")]
    assert len(cards) == len(_doc(sample["ru"])["items"])
    assert all(re.search(r" · \d+ (канал|канала|каналов) · \d+ (пост|поста|постов) · ", c) for c in cards)


def test_plural_forms_follow_the_numbers(sample: dict[str, Any]) -> None:
    doc = _doc(sample["ru"])
    md = (sample["ru"] / "digest.md").read_text(encoding="utf-8")
    for it in doc["items"]:
        n = len(it["card"]["channels"])
        word = (
            "канал"
            if n % 10 == 1 and n % 100 != 11
            else "канала"
            if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14
            else "каналов"
        )
        assert f"{n} {word}" in md
    assert f"{len(doc['items'])} из {doc['stories_considered']} сюжет" in md


def test_english_by_setting(sample: dict[str, Any]) -> None:
    out = sample["en"]
    doc = _doc(out)
    assert doc["language"] == "en" and doc["period"]["tz"] == "UTC"  # display.tz auto: UTC for English
    md = (out / "digest.md").read_text(encoding="utf-8")
    assert "first: " in md and " independent" in md and "## Channels cited: credibility" in md
    assert re.search(r"^Digest 2024-12-0\d \d\d:\d\d – 2024-12-0\d \d\d:\d\d \(UTC\)$", md, re.M)
    assert not re.search(r"^\*первым сообщил", md, re.M) and "## Достоверность" not in md
    assert "Top stories" in _docx_text(out / "digest.docx") and "Top stories" in _pdf_text(out / "digest.pdf")


def test_cli_stories_print_in_the_display_zone(sample: dict[str, Any]) -> None:
    """`svodka stories` on the Russian store: Moscow times (display.tz auto), the "as of" line says МSK."""
    moscow = sample["runs"]["stories"]
    assert "MSK (archive)" in moscow.stderr
    env = {**sample["env"], "SVODKA_DISPLAY_TZ": "UTC"}
    utc = subprocess.run(
        [*sample["base"], "stories", "--since", "24h", "--limit", "3"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "UTC (archive)" in utc.stderr
    first_msk, first_utc = moscow.stdout.splitlines()[0], utc.stdout.splitlines()[0]
    hour = lambda line: int(re.search(r" \d{4}-\d\d-\d\d (\d\d):", line).group(1))  # noqa: E731
    assert (hour(first_msk) - hour(first_utc)) % 24 == 3


class _BotApi(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]]

    def do_POST(self) -> None:
        self.seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        body = json.dumps({"ok": True, "result": {"message_id": len(self.seen)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bot_api() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_BotApi,), {"seen": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()


def test_email_and_bot_message_in_russian(sample: dict[str, Any], bot_api: tuple[str, list[Any]]) -> None:
    url, seen = bot_api
    with smtp_server() as (sink, port):
        env = {
            **sample["env"],
            "SVODKA_SMTP_HOST": "127.0.0.1",
            "SVODKA_SMTP_PORT": str(port),
            "SVODKA_TELEGRAM_BOT_API_URL": url,
            "SVODKA_TELEGRAM_BOT_TOKEN": "TOKEN",
        }
        args = [
            "digest",
            "--latest",
            "--since",
            "24h",
            "--no-save",
            "--top",
            "5",
            "--out",
            str(sample["ru"] / "m"),
        ]
        done = subprocess.run(
            [*sample["base"], *args, "--email", "desk@example.org", "--bot", "-100123"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr
        msg = email.message_from_bytes(sink.messages[0][2], policy=email.policy.default)
    assert msg["Subject"].startswith("Сводка за ") and "2 декабря 2024" in msg["Subject"]  # the period once
    plain = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Сводка за " in plain and "первым сообщил" in plain and "5 из " in plain
    page = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "первым сообщил" in page and "составлена" in page
    assert leftovers(_page_text(page), data_of(_doc(sample["ru"]))) == []
    text = "\n".join(body["text"] for body in seen)
    assert seen and "первым сообщил" in text and " МСК" in text
    assert leftovers(html.unescape(re.sub(r"<[^>]+>", " ", text)), data_of(_doc(sample["ru"]))) == []


def test_alert_email_in_russian() -> None:
    """An alert e-mail (monitor.send) in Russian: digest.language auto settles on the posts' language."""
    item = {
        "delivery_id": 1,
        "alert_id": 1,
        "revision": 2,
        "watchlist": "грузия",
        "rule": "edit",
        "title": "edited: Протестующие подожгли здание парламента",
        "channel": "РИА Новости",
        "date": "2024-12-02T06:15:00+00:00",
        "text": "Протестующие подожгли здание парламента Грузии в Тбилиси.",
        "old_text": "Протестующие у здания парламента Грузии.",
        "new_text": "Протестующие подожгли здание парламента Грузии в Тбилиси.",
        "url": "https://t.me/rian_ru/1",
        "sources": 3,
    }
    v = send.voice([item, item], "auto", "auto")
    assert v == Voice("ru", "Europe/Moscow")
    with smtp_server() as (sink, port):
        to = target({"name": "desk", "kind": "email", "to": ["desk@example.org"]})
        send.send_email(to, [item, item], SmtpSettings(host="127.0.0.1", port=port, timeout=10), v)
        msg = email.message_from_bytes(sink.messages[0][2], policy=email.policy.default)
    assert msg["Subject"] == "svodka: 2 оповещения"
    body = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "обновление: изменён: Протестующие" in body and "— 3 источника" in body
    assert "было: Протестующие у здания" in body and "стало: Протестующие подожгли" in body
    assert "РИА Новости, 2 декабря 2024, 09:15 МСК" in body
    english = send.render_text([item])  # English by default, as before: the payload's ISO date
    assert "update: edited: " in english and "was: " in english and "2024-12-02T06:15:00+00:00" in english


def test_russian_dates_periods_and_plurals() -> None:
    v = Voice("ru", "Europe/Moscow")
    channels = [v.n("%(num)d channel", "%(num)d channels", n) for n in (1, 2, 5, 11, 21, 22, 25, 112)]
    assert channels == [
        "1 канал", "2 канала", "5 каналов", "11 каналов",
        "21 канал", "22 канала", "25 каналов", "112 каналов",
    ]  # fmt: skip
    assert v.n("%(num)d post", "%(num)d posts", 3) == "3 поста"
    assert v.n("%(num)d independent", "%(num)d independent", 2) == "2 независимых источника"
    moscow = Display("ru", "Europe/Moscow")
    at = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)
    assert moscow.when(at) == "1 декабря 2024, 09:00 МСК" and v.when(at) == "1 декабря 2024, 09:00 МСК"

    def day(d: int) -> datetime:
        return _msk_midnight(2024, 12, d)

    assert moscow.period(day(1), day(2)) == "1 декабря 2024"
    assert moscow.period(day(1), day(3)) == "1–2 декабря 2024"
    assert moscow.period(_msk_midnight(2024, 11, 30), day(3)) == "30 ноября – 2 декабря 2024"
    assert (
        moscow.period(_msk_midnight(2024, 12, 31), _msk_midnight(2025, 1, 2))
        == "31 декабря 2024 – 1 января 2025"
    )
    assert moscow.period(at, at.replace(hour=18)) == "1 декабря 2024, 09:00–21:00 МСК"
    assert (
        Display("en", "UTC").period(at, at.replace(day=2))
        == "1 December 2024, 06:00 – 2 December 2024, 06:00 UTC"
    )
    english = Voice("en", "Europe/Moscow")
    assert english.n("%(num)d channel", "%(num)d channels", 1) == "1 channel"
    assert english.period(at, at.replace(hour=18)) == "2024-12-01 09:00 – 2024-12-01 21:00 (Europe/Moscow)"


def _msk_midnight(y: int, m: int, d: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(y, m, d, tzinfo=ZoneInfo("Europe/Moscow"))


def test_the_catalog_is_whole_and_has_every_marked_string() -> None:
    cat = catalog()
    entries = [m for m in cat if m.id]
    untranslated = [
        m.id for m in entries if not all(m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    assert untranslated == [] and [m.id for m in entries if m.fuzzy] == []
    assert cat.num_plurals == 3 and all(len(m.string) == 3 for m in entries if m.pluralizable)
    for m in entries:  # the placeholders of the translation are the message's own
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(set(PLACEHOLDER.findall(s)) == set(PLACEHOLDER.findall(ids[-1])) for s in strings), m.id
    method_map, options_map = parse_mapping_cfg(io.StringIO((ROOT / "babel-digest.cfg").read_text()))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "n": (1, 2)}
    marked = {
        msg[2] if isinstance(msg[2], str) else msg[2][0]
        for msg in extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords)
    }
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in entries}
    assert len(marked) > 60 and marked - known == set()
    assert known - marked == set()  # and no entry the code no longer says (one wording a label)


def _in_russian(module: Any, stories: list[Any]) -> Any:
    """The digest of ``stories`` a test module builds, in Russian in Moscow time."""
    from datetime import timedelta

    from svodka.digest.compose import DigestOptions, build_digest
    from svodka.digest.model import DigestQuery

    t0 = module.T0
    query = DigestQuery(t0, t0 + timedelta(days=1), top=10, tz="Europe/Moscow", language="ru")
    options = DigestOptions(channels=module.CHANNELS, now=t0 + timedelta(hours=3))
    return build_digest(stories, query, options)


def test_the_evidence_and_the_coordinated_flag_in_russian_in_every_rendering() -> None:
    """Coverage by group, how the sources differ, «only in …» and a coordinated burst with its shared marks:
    in the bot's message, Markdown, HTML and the print layout, no English label left."""
    import test_coordination_shown
    import test_evidence_renderings
    from svodka.digest.pdf import render_print_html
    from svodka.digest.render import render_html, render_markdown, render_telegram
    from svodka.digest.schema import to_dict

    e, c = test_evidence_renderings, test_coordination_shown
    evidence = _in_russian(e, [e.PROTEST, e.RATE])
    campaign = _in_russian(c, [c.CAMPAIGN, c.NEWS])
    bot = "\n".join(render_telegram(evidence))
    groups = "<i>Группы: официальные: 1 (первым сообщил tass, 30 ноября 2024, 12:00 МСК) · независимые: 2 "
    assert groups in bot
    assert "<i>В чём расходятся источники:</i>" in bot
    assert "≠ «5 участников» против «7 участников» — цифры расходятся: «" in bot
    assert "\n<b>Только в „официальные“</b>\n• " in bot
    assert "<i>2 канала, 2 поста; первым сообщил tass, 30 ноября 2024, 12:30 МСК</i>" in bot
    printed = render_print_html(to_dict(evidence))
    assert "Группы:" in printed and "официальные: 1 (первым сообщил tass, 12:00)" in printed
    assert "Только в „официальные“" in printed and "2 канала, 2 поста; первым сообщил tass" in printed
    marks = "erid 2vtzqvsby8b, пометка «Реклама», ссылка vtb.promo/rushvtb"
    renderings = {
        "bot": "\n".join(render_telegram(campaign)),
        "md": render_markdown(campaign),
        "html": render_html(campaign),
        "print": render_print_html(to_dict(campaign)),
    }
    said = "один и тот же текст в 3 не связанных между собой каналах за 30 мин; общие признаки: " + marks
    for fmt, text in renderings.items():
        assert said in html.unescape(text) and "независимых сообщений нет" in text, fmt
    assert "⚠ <b>Скоординированная публикация</b>: " in renderings["bot"]
    assert "**⚠ Скоординированная публикация: " in renderings["md"]
    for digest, texts in ((evidence, [bot, printed]), (campaign, list(renderings.values()))):
        data = data_of(to_dict(digest)) | {"erid", "tass", "meduza", "dozhd", "vtb.promo/rushvtb"}
        for text in texts:
            assert leftovers(_page_text(text), data) == []
