"""The web app in Russian or English (issue 17 §4): ``web.language`` (``auto`` from the stored posts), the
user's own choice on the account page (``users.language``), ``?lang=`` for one page; the ``web`` catalog
complete, up to date with the templates and code, and no English interface word left on a Russian page.

The other web tests run the app in English (``WebConfig()``'s language; the settings-driven ones on stores
whose posts are not analysed, so ``auto`` picks English there too).
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import httpx
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conftest import ROOT
from svodka.i18n import Display, translator
from svodka.store import Store
from svodka.web.app import create_app, environment, route_table
from svodka.web.auth import WebConfig
from svodka.web.server import running
from test_web_support import WebEnv, csrf_of, login, web  # noqa: F401

PO = Path(str(resources.files("svodka") / "locale" / "ru" / "LC_MESSAGES" / "web.po"))
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
TAG = re.compile(r"<[^>]+>")
WIDE = "[document.scrollingElement.scrollWidth, window.innerWidth]"


def _catalog() -> Catalog:
    with PO.open("rb") as handle:
        return read_po(handle, locale="ru", domain="web")


def _key(message_id: str | tuple[str, ...]) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


# --- the catalog --------------------------------------------------------------------------------------
def test_the_catalog_has_every_entry_translated_and_none_fuzzy() -> None:
    catalog = _catalog()
    assert catalog.num_plurals == 3  # «1 канал, 2 канала, 5 каналов»
    entries = [m for m in catalog if m.id]
    assert len(entries) > 300
    untranslated = [_key(m.id) for m in entries if not m.string or not all(m.string)]
    fuzzy = [_key(m.id) for m in entries if m.fuzzy]
    assert not untranslated and not fuzzy and not catalog.fuzzy, (untranslated[:10], fuzzy[:10])
    for m in entries:  # every placeholder kept in every form
        forms = (m.string,) if isinstance(m.string, str) else m.string
        wanted = set(PLACEHOLDER.findall(_key(m.id)))
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) <= wanted | {"%(num)s"}, (m.id, form)
            assert set(PLACEHOLDER.findall(form)) >= wanted - {"%(num)s"}, (m.id, form)


def test_every_marked_string_of_the_templates_and_code_is_in_the_catalog() -> None:
    """Extracted as babel.cfg says (``pybabel extract -F babel.cfg -k N_``), compared both ways."""
    method_map = [
        ("src/svodka/web/**.py", "python"),
        ("src/svodka/web/templates/**.html", "jinja2"),
    ]
    options = {"src/svodka/web/templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    found = {
        _key(message)
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options, keywords=keywords
        )
    }
    assert len(found) > 300
    known = {_key(m.id) for m in _catalog() if m.id}
    assert not found - known, (
        f"not in web.po (run pybabel update, then translate): {sorted(found - known)[:10]}"
    )
    assert not known - found, f"in web.po but no longer used: {sorted(known - found)[:10]}"


def test_russian_plural_forms_and_dates() -> None:
    ngettext = translator("ru", "web").ngettext
    channels = [
        ngettext("%(num)s channel", "%(num)s channels", n) % {"num": n} for n in (1, 2, 5, 11, 21, 22)
    ]
    assert channels == ["1 канал", "2 канала", "5 каналов", "11 каналов", "21 канал", "22 канала"]
    posts = [ngettext("%(num)s post", "%(num)s posts", n) % {"num": n} for n in (1, 3, 14)]
    assert posts == ["1 пост", "3 поста", "14 постов"]
    # ... and on a page: the same template in both languages, a time in the display zone.
    page = environment("ru").from_string(
        '{{ ngettext("%(num)s channel", "%(num)s channels", n) }} · {{ t|when }} · {{ 12345|num }}'
    )
    at = datetime(2024, 12, 1, 6, 0, tzinfo=UTC)
    ru = page.render(n=5, t=at, lang="ru", display=Display("ru", "Europe/Moscow"))
    assert ru == "5 каналов · 1 декабря 2024, 09:00 МСК · 12\xa0345"
    en = environment("en").from_string("{{ t|when }}")
    assert en.render(t=at, lang="en", display=Display("en", "Europe/Moscow")) == "1 December 2024, 09:00 MSK"


def test_an_unknown_web_language_is_refused_at_start_in_one_line() -> None:
    from svodka import settings
    from svodka.errors import ConfigError

    assert WebConfig.from_settings(settings.load(None, {})).language == "auto"
    assert WebConfig.from_settings(settings.load(None, {"web.language": "ru"})).language == "ru"
    with pytest.raises(ConfigError, match=r"^web.language: unknown language 'de'; use one of en, ru, auto$"):
        WebConfig.from_settings(settings.load(None, {"web.language": "de"}))


def test_what_a_watchlist_or_feed_watches_reads_in_english_as_the_monitor_says_it() -> None:
    from svodka.monitor.feeds import FeedSpec
    from svodka.monitor.watchlist import watchlist
    from svodka.web.feeds import _what
    from svodka.web.framework import Ctx
    from svodka.web.watchlists_pages import _describe

    w = watchlist({"name": "w", "query": "Песков", "groups": "news", "topics": "politics", "rules": "post"})
    english = Ctx(request=None, store=None, config=None)  # type: ignore[arg-type]
    russian = Ctx(request=None, store=None, config=None, language="ru")  # type: ignore[arg-type]
    assert _describe(english, w) == w.describe()
    said = "запрос 'Песков'; группы news; темы политика; правила post; куда: (никуда)"
    assert _describe(russian, w) == said
    for spec in (
        FeedSpec("stories", "", "news", "politics", None),
        FeedSpec("stories", "", None, None, None),
        FeedSpec("digest", "morning", None, None, None),
        FeedSpec("digest", "", None, None, None),
        FeedSpec("watchlist", "w", None, None, None),
    ):
        assert _what(english, spec) == spec.describe()
    assert _what(russian, FeedSpec("stories", "", "news", None, "ru")) == "сюжеты (группа: news, язык: ru)"


def test_messages_are_translated_whole_or_by_pattern_and_others_are_left_as_they_are() -> None:
    from svodka.web.labels import say

    assert say("no such page", "ru") == "такой страницы нет"
    assert say("page: must be between 1 and 10000, not 0", "ru") == "page: нужно число от 1 до 10000, а не 0"
    assert say("too many failed logins; try again in 4 s", "ru") == (
        "слишком много неудачных попыток входа; попробуйте снова через 4 с"
    )
    assert say("a message of another layer: 4 s", "ru") == "a message of another layer: 4 s"  # not "4 с"
    assert say("no such page", "en") == "no such page" and say("", "ru") == ""
    # the fallback titles of a story or digest with none (a number only: "Story of …" is a headline)
    assert say("Story 12", "ru") == "Сюжет 12" and say("Digest 3", "ru") == "Сводка 3"
    assert say("Story of the day", "ru") == "Story of the day" and say("Story 12", "en") == "Story 12"


# --- the pages ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def russian(web: WebEnv) -> Iterator[str]:  # noqa: F811
    """A second server over the same store, in Russian, in Moscow time."""
    with running(create_app(web.store, WebConfig(language="ru", tz="Europe/Moscow"))) as base:
        yield base


def _pages(web: WebEnv) -> list[str]:  # noqa: F811
    """Every HTML page of the app (GET, not the API, downloads or feeds) with a stored id in its path."""
    store = web.store
    topor = next(c for c in store.channels.list() if c.name == "Топор Live")
    post = store.posts.by_key(topor.id, 125934)
    ids = {
        "story_id": web.story_id,
        "digest_id": web.digest_id,
        "post_id": post.id if post else None,
        "channel_id": topor.id,
        "topic_id": None,  # no questions in the web store
        "storyline_id": web.story_id,  # a story in no storyline opens as one of its own
    }
    paths = []
    for spec in route_table():
        if spec.role is None or "GET" not in spec.methods or spec.api or "." in spec.path:
            continue
        path = spec.path
        for name, value in ids.items():
            if "{" + name in path:
                if value is None:
                    path = ""
                    break
                path = re.sub(r"\{" + name + r"[^}]*\}", str(value), path)
        if path:
            paths.append(path)
    return [*paths, "/search?q=Тбилиси", "/stories?hours=0", "/no/such/page"]


def _interface_text(page: str) -> str:
    """What the page says in its own words: the text and the labels of its controls, without the data it
    quotes (post texts, headlines, channel and user names, story summaries)."""
    body = page.split("<body>", 1)[-1]
    for data in (
        r"<tr><td>[^<]*</td>",  # a user's or a watchlist's name
        r'<tr class="watchlist">.*?</tr>',  # its query, rules and owner (what it says: a test of its own)
        r"</code></td><td>[^<]*</td>",  # an API key's name
        r'</a><div class="muted">[^<]*</div>',  # a channel's title
        r'<td>[^<]*<span class="muted">\(',  # a source's last error, as it came
        r"<[^>]* translate=\"no\"[^>]*>",  # examples of the query and rule syntax
        # what a stored digest says of its channels' credibility, in the language it was made in
        r'<ul class="muted">(?:(?!</ul>).)*</ul>',
        r'<div class="text">.*?</div>',
        r'<p class="text">.*?</p>',
        r"<a [^>]*href=\"/(?:stories|posts|channels|digests|questions/topics)/[^\"]*\"[^>]*>.*?</a>",
        r'<a class="cite[^"]*"[^>]*>.*?</a>',
        r"<q>.*?</q>",
        r"<code>.*?</code>",
        r'<a href="/account">.*?</a>',  # the user's name
        r"<h1>admin <",
        r'<section class="summary">.*?</section>',
        r"</td><td>[^<]*</td>(?=<td>\d)",  # who made a correction, before when
        r"отменил\(а\) \w+",  # … and who undid it
    ):
        body = re.sub(data, " ", body, flags=re.S)
    labels = " ".join(re.findall(r'(?:placeholder|aria-label|title)="([^"]*)"', body))
    return htmllib.unescape(TAG.sub(" ", body) + " " + labels)


def _english_left(text: str, catalog: Catalog) -> set[str]:
    """The catalog's English strings (with a different translation) that ``text`` still holds verbatim: a
    whole string, or each literal part of one with placeholders, as whole words."""
    left = set()
    for m in catalog:
        if not m.id:
            continue
        english = _key(m.id)
        forms = (m.string,) if isinstance(m.string, str) else m.string
        if english in forms:
            continue
        for part in PLACEHOLDER.split(htmllib.unescape(TAG.sub(" ", english))):
            part = part.strip(" :.,;()+×—–-«»/")
            if len(part) < 3 or not re.search(r"[A-Za-z]{3}", part) or part.upper() == part:
                continue  # a unit, an abbreviation (UTC, CSV) or punctuation, the same in both languages
            if re.search(r"(?<![\w@/.-])" + re.escape(part) + r"(?![\w/.-])", text):
                left.add(part)
    return left


def test_every_page_in_russian_has_no_english_interface_word_left(
    web: WebEnv,  # noqa: F811
    russian: str,
) -> None:
    catalog = _catalog()
    with closing(login(russian, "admin")) as admin:
        # a watchlist and a feed, so that their pages describe them
        watch = {
            "name": "ru-desk",
            "query": "Песков OR Кремль",
            "groups": "news",
            "rules": "post, sources>=2",
        }
        csrf = admin.csrf  # type: ignore[attr-defined]
        assert (
            admin.post("/watchlists", data={**watch, "shared": "on", "csrf_token": csrf}).status_code == 303
        )
        feed = {"kind": "stories", "group": "news", "topic": "politics", "csrf_token": csrf}
        assert admin.post("/account/feeds", data=feed).status_code == 201
        # corrections on the story, one undone and one in force, so that its page and the log list them
        corrected = _corrections(web, admin) if web.story_id is not None else []
        for path in _pages(web):
            response = admin.get(path)
            assert response.status_code in (200, 404), (path, response.status_code)
            assert '<html lang="ru">' in response.text, path
            left = _english_left(_interface_text(response.text), catalog)
            assert not left, (path, sorted(left))
        if corrected:
            story = admin.get(f"/stories/{web.story_id}").text
            assert "Исправления этого сюжета" in story and "Объединить с сюжетом" in story
            assert f"сюжет {web.story_id} — не новость" in story and "отменил(а) admin" in story
            log = admin.get("/corrections").text
            assert f"пост {corrected[1]} — не новость" in log and ">Отменить</button>" in log
            for c in web.store.corrections.list():  # the store as it was, for the other tests
                if c.active:
                    web.store.corrections.undo(c.id, "admin")
    anonymous = httpx.get(russian + "/login", timeout=30).text
    assert "Вход" in anonymous and not _english_left(_interface_text(anonymous), catalog)


def _corrections(web: WebEnv, admin: httpx.Client) -> list[int]:  # noqa: F811
    """The whole story marked not news and undone, one of its posts marked not news (in force); a refused
    correction said in Russian on its error page. Returns the story's and the post's ids."""
    assert web.story_id is not None
    sid, csrf = web.story_id, admin.csrf  # type: ignore[attr-defined]
    post = web.store.stories.get(sid).members[-1].post.id
    form = {"csrf_token": csrf, "action": "not-news-story"}
    assert admin.post(f"/stories/{sid}/corrections", data=form).status_code == 303
    (whole,) = web.store.corrections.list()
    undo = {"csrf_token": csrf, "next": f"/stories/{sid}"}
    assert admin.post(f"/corrections/{whole.id}/undo", data=undo).status_code == 303
    form = {"csrf_token": csrf, "action": "not-news-post", "post": str(post)}
    assert admin.post(f"/stories/{sid}/corrections", data=form).status_code == 303
    again = admin.post(f"/stories/{sid}/corrections", data=form)
    assert again.status_code == 409 and f"пост {post} уже отмечен как не новость" in again.text
    twice = admin.post(f"/corrections/{whole.id}/undo", data=undo)
    assert twice.status_code == 409 and f"исправление {whole.id} уже отменено" in twice.text
    return [sid, post]


def test_the_new_parts_read_in_russian() -> None:
    """A storyline link's signals and the coordinated posting part of a story page, in Russian."""
    from svodka.pipeline.coordination import coordinated_dict, coordination
    from svodka.web.framework import Ctx
    from svodka.web.storylines import said_why
    from test_coordination_shown import CAMPAIGN

    why = "centroid+names: Алеппо, Хама · 1.2 d apart"
    russian = Ctx(request=None, store=None, config=None, language="ru")  # type: ignore[arg-type]
    english = Ctx(request=None, store=None, config=None)  # type: ignore[arg-type]
    assert said_why(russian, why) == "смысл+имена: Алеппо, Хама · 1.2 дн. между ними"
    assert said_why(english, why) == why and said_why(russian, "other") == "other"
    part = (
        environment("ru")
        .get_template("_coordinated.html")
        .render(
            coordinated=coordinated_dict(coordination(CAMPAIGN)),
            lang="ru",
            display=Display("ru", "Europe/Moscow"),
        )
    )
    assert "⚠ Скоординированная публикация" in part and "в 3 не связанных между собой каналах" in part
    assert "Ни один независимый канал об этом не сообщает" in part
    assert not _english_left(_interface_text(part), _catalog())


def test_russian_pages_read_in_russian(web: WebEnv, russian: str) -> None:  # noqa: F811
    """Spot checks of the translation itself: terms, plural forms and dates on real pages."""
    with closing(login(russian, "viewer")) as viewer:
        home = viewer.get("/").text
        assert "Сводки" in home and "Сюжеты" in home and "Поиск по" in home
        if web.story_id is not None:
            story = viewer.get(f"/stories/{web.story_id}").text
            assert "Происхождение" in story and "Первым сообщил:" in story and "МСК" in story
            assert re.search(r"\d+ (постов|поста|пост) · \d+ (каналов|канала|канал)", story)
            assert re.search(r"<span class=\"badge\">\d+ независимы[йх]</span> источник", story)
        # 00:12 UTC on 2 December is 03:12 in Moscow, written as people write it
        topor = next(c for c in web.store.channels.list() if c.name == "Топор Live")
        post = web.store.posts.by_key(topor.id, 125934)
        assert post is not None
        assert "2 декабря 2024, 03:12 МСК" in viewer.get(f"/posts/{post.id}").text
        assert "такой страницы нет" in viewer.get("/no/such/page").text
        # the web layer's refusals and input errors, on their error pages
        assert "для этого нужна роль аналитика" in viewer.get("/health").text
        bad_date = viewer.get("/search", params={"q": "выборы", "since": "вчера"})
        said = "since: это не дата (ГГГГ-ММ-ДД): &#39;вчера&#39;"
        assert bad_date.status_code == 400 and said in bad_date.text


def test_lang_in_the_query_gives_one_page_in_that_language(russian: str) -> None:
    with closing(login(russian, "viewer")) as viewer:
        english = viewer.get("/stories", params={"lang": "en"}).text
        assert '<html lang="en">' in english and "<h1>Stories" in english and "Сюжеты" not in english
        assert '<html lang="ru">' in viewer.get("/stories").text  # one page only
        wrong = viewer.get("/stories", params={"lang": "de"})
        assert wrong.status_code == 400 and "неизвестный язык &#39;de&#39;" in wrong.text
        assert '<html lang="ru">' in wrong.text  # the error itself in the reader's language
        api = viewer.get("/api/stories", params={"lang": "ru", "limit": 1})  # the API stays English
        assert api.status_code == 200 and "stories" in api.json()


def test_a_user_picks_their_language_and_it_sticks(web: WebEnv) -> None:  # noqa: F811
    with running(create_app(web.store, WebConfig())) as base:
        with closing(login(base, "analyst")) as analyst:
            assert '<html lang="en">' in analyst.get("/").text
            form = {"language": "ru", "csrf_token": csrf_of(analyst.get("/account").text)}
            assert analyst.post("/account/language", data=form).status_code == 303
            account = analyst.get("/account").text
            assert '<html lang="ru">' in account and '<option value="ru" selected>' in account
            assert "<h1>Сюжеты" in analyst.get("/stories").text
        with closing(login(base, "analyst")) as again:  # a new session: still Russian
            assert '<html lang="ru">' in again.get("/").text
            assert '<html lang="en">' in again.get("/", params={"lang": "en"}).text
            bad = again.post("/account/language", data={"language": "xx", "csrf_token": again.csrf})  # type: ignore[attr-defined]
            assert bad.status_code == 400 and "неизвестный язык" in bad.text  # said in Russian: still ru
            back = again.post("/account/language", data={"language": "", "csrf_token": again.csrf})  # type: ignore[attr-defined]
            assert back.status_code == 303 and '<html lang="en">' in again.get("/").text
        with closing(login(base, "viewer")) as viewer:  # one user's choice is theirs alone
            assert '<html lang="en">' in viewer.get("/").text


def test_auto_is_the_language_most_stored_posts_are_in(web: WebEnv, store: Store) -> None:  # noqa: F811
    # The web store's analysed posts are Russian: auto picks Russian at start.
    assert (
        web.store.interface.post_languages(50).count("ru") == len(web.store.interface.post_languages(50)) > 0
    )
    with running(create_app(web.store, WebConfig(language="auto"))) as base:
        assert '<html lang="ru">' in httpx.get(base + "/login", timeout=30).text
    # An empty store has nothing to go by: English.
    with running(create_app(store, WebConfig(language="auto"))) as base:
        assert '<html lang="en">' in httpx.get(base + "/login", timeout=30).text


def test_the_interface_repository_keeps_each_users_language(store: Store) -> None:
    from svodka.web.auth import hash_password

    user = store.users.add("reader", hash_password("reader-pass-1"), "viewer")
    assert store.interface.user_language(user.id) is None
    store.interface.set_user_language(user.id, "ru")
    assert store.interface.user_language(user.id) == "ru"
    store.interface.set_user_language(user.id, None)
    assert store.interface.user_language(user.id) is None
    assert store.interface.user_language(user.id + 1000) is None
    assert store.interface.post_languages() == []


# --- in a browser -------------------------------------------------------------------------------------
def test_in_chromium_the_russian_pages_fit_the_screen_and_the_choice_is_made_with_a_form(
    web: WebEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Headless Chromium (Debian's, as tests/test_web_layout.py drives it), without JavaScript: a user of an
    English app picks Russian on the account page; the longer Russian words keep the pages inside 390 px
    and the phone's navigation on one row."""
    from test_web_browser import CHROMIUM, FLAGS
    from test_web_support import PASSWORDS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (bash scripts/system-deps.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with running(create_app(web.store, WebConfig())) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            java_script_enabled=False,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = browser.new_page()
            page.goto(base + "/login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORDS["admin"])
            page.click("button[type=submit]")
            page.goto(base + "/account")
            assert page.evaluate("document.documentElement.lang") == "en"
            page.select_option("form#language select", "ru")
            page.click("form#language button")
            page.wait_for_url(base + "/account")
            assert page.evaluate("document.documentElement.lang") == "ru"
            assert page.locator("h2").first.inner_text() == "Язык интерфейса"
            paths = ["/", "/stories?hours=0", "/channels", "/health"]
            if web.story_id is not None:
                paths.append(f"/stories/{web.story_id}")
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                for path in paths:
                    page.goto(base + path)
                    scroll, inner = page.evaluate(WIDE)
                    assert scroll <= inner, f"{path} at {width} px: {scroll} px wide"
                    nav = page.locator("header nav")
                    assert "Сюжеты" in nav.inner_text() and "Stories" not in nav.inner_text()
                    box = nav.bounding_box()
                    assert box and (width > 600 or box["height"] < 40), (path, width, box)
            if web.story_id is not None:
                summary = page.locator("section.timeline details.copies > summary").first
                assert re.match(r"\d+ копи(я|и|й): ", summary.inner_text())
        finally:
            browser.close()
            web.store.interface.set_user_language(web.store.users.get("admin").id, None)  # for the others
