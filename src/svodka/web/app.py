"""Build the Starlette application over an open store: ``create_app(store, config)``."""

from __future__ import annotations

from datetime import datetime
from functools import cache, lru_cache
from typing import Any
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from svodka.i18n import AUTO, Display, pick_language, translator
from svodka.links import safe_url
from svodka.store import Store
from svodka.web import api, exports, labels, openapi, pages, questions, stories_browser, storylines  # noqa: F401
from svodka.web.api_corrections import api_corrections  # noqa: F401  (declares /api/corrections…)
from svodka.web.auth import WebConfig
from svodka.web.charts import bar_chart
from svodka.web.corrections import correct_story  # noqa: F401  (declares the correction routes)
from svodka.web.feeds import hide_secrets  # also declares the feed routes
from svodka.web.fragments import fragment
from svodka.web.framework import ROUTES, Ctx, Renderer, RouteSpec, SecurityHeaders, json_response
from svodka.web.markup import Rendered, render_post
from svodka.web.watchlists_pages import alerts_page  # noqa: F401  (declares the watchlist and alert routes)


@pass_context
def _when(context: Context, value: Any) -> str:
    """A time for people: to the minute, in the page's zone and language («1 декабря 2024, 09:00 МСК»)."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return _when_text(context.get("display") or Display(), value)
    return "—" if value is None else str(value)


@lru_cache(maxsize=8192)
def _when_text(display: Display, value: datetime) -> str:
    """:meth:`Display.when`, once per distinct time and display (a story page writes a few hundred)."""
    return display.when(value)


@lru_cache(maxsize=2048)
def _rendered(text: str | None, max_chars: int | None = None) -> Rendered:
    """:func:`render_post`, once per distinct text (a pure function of it: a page's posts, shown again)."""
    return render_post(text, max_chars)


@pass_context
def _label(context: Context, value: Any) -> str:
    """A word from data or code (svodka.web.labels) in the page's language; anything else as it is."""
    if not isinstance(value, str) or not value:
        return "—" if value is None else str(value)
    return labels.say(value, context.get("lang") or "en")


@pass_context
def _num(context: Context, value: Any, digits: int | None = None) -> str:
    """A number as the page's language writes it: 12,345.6 / 12 345,6 (``digits``: that many decimals)."""
    if not isinstance(value, int | float):
        return "—" if value is None else str(value)
    pattern = None if digits is None else "#,##0." + "0" * digits
    return format_decimal(value, format=pattern, locale=context.get("lang") or "en")


@pass_context
def _pct(context: Context, value: Any) -> str:
    """A share as the page's language writes it: 39% / 39 %."""
    return "—" if value is None else format_percent(float(value), locale=context.get("lang") or "en")


@pass_context
def _duration(context: Context, seconds: Any) -> str:
    if seconds is None:
        return "—"
    _ = translator(context.get("lang") or "en", "web").gettext
    s = int(seconds)
    if abs(s) < 120:
        return _("%(n)s s") % {"n": s}
    if abs(s) < 7200:
        return _("%(n)s min") % {"n": s // 60}
    return _("%(n)s h") % {"n": f"{s / 3600:.1f}"}


def _pager(params: Any, page: int) -> str:
    """The current query string with ``page`` replaced."""
    items = [(k, v) for k, v in params.multi_items() if k != "page" and v != ""]
    return urlencode([*items, ("page", str(page))])


@cache
def environment(language: str = "en") -> Environment:
    """The pages' Jinja environment for ``language`` (one per language, made once, shared by every app):
    ``_`` / ``ngettext`` / ``{% trans %}`` read the ``web`` catalog of that language."""
    env = Environment(
        loader=PackageLoader("svodka.web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translator(language, "web"), newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(when=_when, num=_num, label=_label, pct=_pct, duration=_duration, pager=_pager)
    env.filters.update(safe_url=safe_url)
    env.filters.update(rendered=_rendered, bar_chart=bar_chart)  # post text as HTML; SVG charts
    env.globals.update(fragment=fragment)  # a part rendered once per distinct input (svodka.web.fragments)
    return env


def _by_method(handlers: dict[str, Any]) -> Any:
    """One endpoint for a path: the handler of the request's method (HEAD is GET without the body)."""

    async def endpoint(request: Request) -> Response:
        handler = handlers.get(request.method) or handlers["GET"]
        response: Response = await handler(request)
        return response

    return endpoint


def create_app(store: Store, config: WebConfig | None = None) -> Starlette:
    """The web app over ``store`` (the caller keeps ownership of the store and closes it)."""
    config = config or WebConfig()
    hide_secrets()  # a feed URL's secret stays out of the access log
    # web.language = auto: the language most of the stored posts are in, decided once, at start.
    sample = store.interface.post_languages() if config.language == AUTO else []
    language = pick_language(config.language, sample)
    config = config.settled(language)
    renderer = Renderer(environment, store, config, language)
    # One route per path with every method declared on it, so a 405 names all of them in its Allow header.
    by_path: dict[str, dict[str, Any]] = {}
    for spec, fn in ROUTES:
        for method in spec.methods:
            by_path.setdefault(spec.path, {})[method] = renderer.endpoint(spec, fn)
    routes: list[Any] = [
        Route(path, _by_method(handlers), methods=list(handlers)) for path, handlers in by_path.items()
    ]
    document = openapi.document()

    async def openapi_json(request: Request) -> Response:
        return json_response(document)

    routes.append(Route("/api/openapi.json", openapi_json, methods=["GET"], name="openapi"))
    routes.append(Mount("/static", StaticFiles(packages=[("svodka.web", "static")]), name="static"))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        spec = RouteSpec(request.url.path, "", None, (), request.url.path.startswith("/api/"))
        message = "no such page" if exc.status_code == 404 else str(exc.detail)
        ctx = renderer.identify(Ctx(request=request, store=store, config=config, api=spec.api))
        response = renderer.error(ctx, spec, exc.status_code, message)
        response.headers.update(exc.headers or {})  # a 405's Allow
        return response

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error})
    app.state.renderer = renderer
    app.add_middleware(SecurityHeaders)
    return app


def route_table() -> list[RouteSpec]:
    """Every declared route with its least role (the tests walk this to check each one)."""
    return [spec for spec, _fn in ROUTES]
