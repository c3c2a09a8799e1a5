"""The main pages laid out in headless Chromium (Debian's, driven by Playwright) at 1280 px and on a 390 px
phone: nothing wider than the screen, no raw markdown or ``\\u`` escapes, a compact navigation, colour
emoji, and screenshots that show the page's key regions (compared by what they show, not pixel by pixel).

``SVODKA_SCREENSHOTS=DIR`` keeps the screenshots (docs/web-*.png are made from them).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from test_web_browser import CHROMIUM, FLAGS, KEEP
from test_web_support import PASSWORDS, WebEnv, web  # noqa: F401

WIDTHS = (1280, 390)
EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
RAW = re.compile(r"\*\*|\]\(|\\u[0-9a-fA-F]{4}")

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (bash scripts/system-deps.sh)"
)


@pytest.fixture(scope="module")
def page(web: WebEnv, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:  # noqa: F811
    sync_api = pytest.importorskip("playwright.sync_api")
    profile = tmp_path_factory.mktemp("chromium-layout")
    with sync_api.sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            java_script_enabled=False,  # the pages work without it; evaluate() below still measures
            viewport={"width": 1280, "height": 900},
            locale="ru-RU",
        )
        context.set_default_timeout(30_000)
        p = context.new_page()
        p.goto(web.base + "/login")
        p.fill("input[name=username]", "viewer")
        p.fill("input[name=password]", PASSWORDS["viewer"])
        p.click("button[type=submit]")
        p.wait_for_url(web.base + "/")
        yield p
        context.close()


def _pages(web: WebEnv) -> dict[str, tuple[str, tuple[str, ...]]]:  # noqa: F811
    """name → (path, the selectors of the regions its screenshot must show)."""
    store = web.store
    topor = next(c for c in store.channels.list() if c.name == "Топор Live")
    post = store.posts.by_key(topor.id, 125934)
    assert post is not None
    out = {
        "home": ("/", ("header.top", "h1", "main form")),
        "post": (f"/posts/{post.id}", ("header.top", "h1", ".post.full .text")),
        "search": ("/search?q=Байден", ("header.top", "form.search", ".post")),
        "channel": (f"/channels/{topor.id}", ("header.top", "h1", "dl.stats", "svg.chart")),
    }
    if web.story_id is not None:
        story = store.stories.get(web.story_id)
        out["story"] = (f"/stories/{web.story_id}", ("header.top", "h1", "section.provenance", ".report"))
        out["channel"] = (
            f"/channels/{story.members[0].post.channel_id}",
            ("header.top", "h1", "dl.stats", "table.credibility", "svg.chart"),
        )
    return out


def _inked(img: Any) -> float:
    """The share of pixels darker than the light background (text, rules, bars)."""
    hist = img.convert("L").histogram()
    return sum(hist[:200]) / max(1, sum(hist))


def _check_shot(page: Any, name: str, width: int, regions: tuple[str, ...], tmp_path: Path) -> Any:
    from PIL import Image

    path = tmp_path / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(KEEP) / path.name)
    img = Image.open(path)
    assert img.width == width, f"{name}: a {img.width} px wide page on a {width} px screen"
    first = img.crop((0, 0, width, min(img.height, 900)))
    assert 0.004 < _inked(first) < 0.6, f"{name} at {width}: blank or broken page"
    assert sum(1 for n in first.convert("L").histogram() if n) > 40, f"{name}: too few shades"
    for sel in regions:
        box = page.locator(sel).first.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"{name} at {width}: no {sel}"
        assert box["x"] >= -1 and box["x"] + box["width"] <= width + 1, f"{name} at {width}: {sel} sticks out"
        crop = img.crop(
            (int(box["x"]), int(box["y"]), int(box["x"] + box["width"]), int(box["y"] + box["height"]))
        )
        assert _inked(crop) > 0.003, f"{name} at {width}: {sel} is drawn blank"
    return img


@pytest.mark.parametrize("width", WIDTHS)
def test_main_pages_fit_the_screen_and_show_no_raw_markup(
    page: Any,
    web: WebEnv,  # noqa: F811
    width: int,
    tmp_path: Path,
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    heights = {}
    for name, (path, regions) in _pages(web).items():
        page.goto(web.base + path)
        scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{name} at {width} px: {scroll} px wide"
        text = page.evaluate("document.querySelector('main').textContent")
        found = RAW.search(text)
        assert not found, (
            f"{name}: {found.group(0)!r} in …{text[max(0, found.start() - 60) : found.end() + 30]}…"
        )
        img = _check_shot(page, name, width, regions, tmp_path)
        heights[name] = img.height
        header = page.locator("header.top").bounding_box()
        nav = page.locator("header nav").bounding_box()
        assert header and nav
        if width < 600:  # the phone's navigation: one row (scrolling sideways) under the brand
            assert nav["height"] < 40 and header["height"] < 100, (name, header, nav)
        else:
            assert header["height"] < 60, (name, header)
    assert all(h >= 300 for h in heights.values())


def test_the_phone_layout_stacks_what_the_desktop_shows_side_by_side(
    page: Any,
    web: WebEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    """The same page at both widths: the phone's is taller, the statistics keep their two columns inside
    the screen, a wide table scrolls in its own box, and the text column takes the screen's width."""
    path, regions = _pages(web)["channel"]
    sizes = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(web.base + path)
        sizes[width] = _check_shot(page, "channel", width, regions, tmp_path).size
        for i in range(page.locator("dl.stats dd").count()):
            label = page.locator("dl.stats dt").nth(i).bounding_box()
            value = page.locator("dl.stats dd").nth(i).bounding_box()
            assert label and value and abs(label["y"] - value["y"]) < 5, (width, label, value)
            assert value["x"] + value["width"] <= width, (width, value)
        main = page.locator("main").bounding_box()
        assert main and main["width"] >= min(width, 900) * 0.9
    assert sizes[390][1] > sizes[1280][1]  # the phone's page is longer
    if web.story_id is not None:
        page.set_viewport_size({"width": 390, "height": 900})
        page.goto(f"{web.base}/stories/{web.story_id}")
        table = page.locator("table.channels")
        box = table.bounding_box()
        assert box and box["width"] <= 390
        inner = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
        assert inner[0] > inner[1]  # eight columns: they scroll inside the table's box, not the page


def test_copies_are_folded_and_emoji_are_drawn_in_colour(page: Any, web: WebEnv, tmp_path: Path) -> None:  # noqa: F811
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(web.base + _pages(web)["post"][0])
    assert page.locator(".post.full strong").first.is_visible()
    plug = page.locator(".post.full details.plug")
    assert plug.is_visible() and not plug.locator("a").is_visible()  # folded until opened
    if EMOJI_FONT.exists():
        from PIL import Image

        shot = tmp_path / "emoji.png"
        page.locator(".post.full .text").first.screenshot(path=str(shot))
        r, g, b = (np.asarray(Image.open(shot).convert("RGB"), dtype=int)[..., i] for i in range(3))
        # ⚡️ in Noto Color Emoji is yellow-orange; the page's text is grey-blue on white.
        warm = int(((r > 200) & (g > 120) & (g < 230) & (b < 90)).sum())
        assert warm >= 20, f"{warm} yellow pixels: the emoji is not drawn in colour"
    if web.story_id is None:
        pytest.skip("needs ../shared/data/stories_dev for a story with copies")
    page.goto(f"{web.base}/stories/{web.story_id}")
    folded = page.locator("section.timeline details.copies")
    assert folded.count() >= 1
    closed_height = page.evaluate("document.scrollingElement.scrollHeight")
    summary = folded.first.locator("> summary")
    assert re.match(r"\d+ cop(y|ies): ", summary.inner_text())
    assert not folded.first.locator(".post").first.is_visible()
    summary.click()  # <details> opens without JavaScript
    assert folded.first.locator(".post").first.is_visible()
    assert page.evaluate("document.scrollingElement.scrollHeight") > closed_height
