"""A person's path through svodka in headless Chromium (Debian's, driven by Playwright), with screenshots.

Log in, open a digest and a story from it, search, add a channel — with JavaScript switched off, since the
pages must work without it. Each screenshot is checked: its size, that it is not blank, and what it shows.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from svodka.model import ChannelRef
from test_web_support import PASSWORDS, WebEnv, web  # noqa: F401

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots stay here for a person to look at (tests/…/web-screens) when SVODKA_SCREENSHOTS is set.
KEEP = os.environ.get("SVODKA_SCREENSHOTS")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (bash scripts/system-deps.sh)"
)


@pytest.fixture(scope="module")
def page(web: WebEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh, empty user-data-dir
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            java_script_enabled=False,
            viewport={"width": 1280, "height": 900},
            locale="ru-RU",
        )
        context.set_default_timeout(30_000)
        p = context.new_page()
        yield p
        context.close()


def shot(page: Any, name: str, tmp_path: Path) -> Path:
    """Take a full-page screenshot and check it is a real, non-blank page image."""
    from PIL import Image

    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(KEEP) / path.name)
    with Image.open(path) as img:
        assert img.width == 1280 and img.height >= 300
        top = img.convert("L").crop((0, 0, img.width, min(img.height, 900)))  # what the first screen shows
        hist = top.histogram()
    inked = sum(hist[:200]) / sum(hist)  # pixels of text, rules and buttons on the light background
    assert 0.01 < inked < 0.6, f"{name}: {inked:.2%} inked pixels: blank or broken page"
    assert sum(1 for n in hist if n) > 40, f"{name}: too few shades for a rendered page"
    return path


def test_a_person_logs_in_reads_searches_and_adds_a_channel(page: Any, web: WebEnv, tmp_path: Path) -> None:  # noqa: F811
    page.goto(web.base + "/digests")  # not logged in: sent to the login form
    assert "/login" in page.url
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORDS["admin"])
    shot(page, "01-login", tmp_path)
    page.click("button[type=submit]")
    page.wait_for_url("**/digests")
    assert page.locator("header .who").inner_text().startswith("admin")

    if web.digest_id is not None:
        page.click(f"a[href='/digests/{web.digest_id}']")
        page.wait_for_url(f"**/digests/{web.digest_id}")
        items = page.locator("ol.digest > li.item")
        assert items.count() >= 5
        assert page.locator("ol.digest a.cite").count() >= items.count()  # every claim cites a post
        shot(page, "02-digest", tmp_path)
        page.locator("ol.digest > li.item h2 a").first.click()  # the top story
        page.wait_for_url("**/stories/*")
    else:
        shot(page, "02-digests", tmp_path)
        if web.story_id is None:
            pytest.skip("no stories to open (needs ../shared/data/stories_dev)")
        page.goto(f"{web.base}/stories/{web.story_id}")
    assert page.locator("section.provenance").is_visible()
    assert "independent" in page.locator("section.provenance").inner_text()
    assert page.locator("section.provenance").get_by_text("First:").is_visible()
    shot(page, "03-story", tmp_path)

    if web.story_id is not None:
        page.goto(f"{web.base}/stories/{web.story_id}")
        rows = page.locator("section.provenance table tbody tr")
        assert rows.count() == 3  # two forwards and one near-duplicate, each with its origin and delay
        text = page.locator("section.provenance table").inner_text()
        assert "forward" in text and "near-duplicate" in text and "min" in text
        shot(page, "03b-story-with-copies", tmp_path)

    page.click("header nav a[href='/search']")
    page.fill("input[name=q]", "Байден")
    page.select_option("select[name=group]", "")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**/search?q=*")
    marks = page.locator(".post mark")
    assert marks.count() >= 10
    assert marks.first.inner_text().lower().startswith("байден")
    assert page.locator("a[rel=next]").is_visible()
    shot(page, "04-search", tmp_path)
    page.click("a[rel=next]")
    page.wait_for_url("**page=2")
    assert page.locator(".post").count() >= 1

    page.click("header nav a[href='/channels']")
    page.fill("#add-channel input[name=channel]", "@browser_added")
    page.select_option("#add-channel select[name=tier]", "2")
    page.fill("#add-channel input[name=groups]", "tested, web")
    page.click("#add-channel button[type=submit]")
    page.wait_for_url("**/channels/*")
    assert page.locator("h1").inner_text().startswith("browser_added")
    assert "tier 2" in page.locator("main p.muted").first.inner_text()
    shot(page, "05-channel-added", tmp_path)
    added = web.store.channels.get(ChannelRef(handle="browser_added"))
    assert added.tier == 2 and set(added.groups) == {"tested", "web"}

    page.goto(web.base + "/channels")
    assert page.get_by_role("link", name="browser_added").is_visible()
    shot(page, "06-channels", tmp_path)
