"""The small layer every route goes through: who is asking, may they, is the form genuine, HTML or JSON.

A route is declared with :func:`route` and names the least role it needs (``None``: public). The wrapper
authenticates (session cookie, or an API key on ``/api/``), answers 401/redirect for no login and 403 for
the wrong role, checks the CSRF token on every state-changing request made with a cookie, runs the handler
in a worker thread (the store is synchronous) and renders what it returns as HTML or JSON.
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import orjson
from jinja2 import Environment
from markupsafe import escape
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from svodka.errors import CorrectionError, InputError, NotFoundError, QueryError, StoreError
from svodka.i18n import LANGUAGES, Display, translator
from svodka.model import User
from svodka.store import Store
from svodka.web import auth
from svodka.web.story_model import Memo

log = logging.getLogger(__name__)

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class RouteSpec:
    path: str
    name: str
    role: str | None  # least role; None: public
    methods: tuple[str, ...]
    api: bool


@dataclass(slots=True)
class Ctx:
    """What a handler gets: the request's parts, the caller, and the app's store and settings."""

    request: Request
    store: Store
    config: auth.WebConfig
    user: User | None = None
    csrf: str | None = None  # the session's CSRF token (None for API-key or anonymous callers)
    form: dict[str, str] = field(default_factory=dict)
    body: Any = None  # parsed JSON body of an API request
    by_key: bool = False  # authenticated by an API key (no cookie: no CSRF token needed)
    api: bool = False  # a route under /api/
    language: str = "en"  # the page's language: ?lang=, else the user's choice, else web.language

    def _(self, message: str, **values: Any) -> str:
        """``message`` (English, in the ``web`` catalog) in the page's language, ``%(name)s`` filled."""
        text = translator(self.language, "web").gettext(message)
        return text % values if values else text

    def param(self, name: str, default: str | None = None) -> str | None:
        """A query parameter; an empty one is absent on pages (forms send empty fields), while the API
        refuses it, and a repeated one, as its OpenAPI document says."""
        values = self.request.query_params.getlist(name)
        if self.api and len(values) > 1:
            raise InputError(name, "given more than once: give it once")
        if self.api and values == [""]:
            raise InputError(name, "given empty: give a value or leave it out")
        value = values[-1] if values else None
        return default if value is None or value == "" else value

    def flag(self, name: str) -> bool:
        """A ``true``/``false`` query parameter (absent: false)."""
        value = self.param(name)
        if value not in (None, "true", "false"):
            raise InputError(name, f"must be true or false, not {value[:40]!r}")
        return value == "true"

    @property
    def path_params(self) -> dict[str, Any]:
        return self.request.path_params


@dataclass(frozen=True, slots=True)
class View:
    """A page: its template and the data that is also its JSON."""

    template: str
    data: dict[str, Any]
    status: int = 200
    # The store's state the data was read at (with what else it depends on beyond the request): the page's
    # HTML is then kept under it and reused by the next request of that page (Renderer.html).
    kept: Hashable | None = None


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


ROUTES: list[tuple[RouteSpec, Callable[[Ctx], Any]]] = []


def route(
    path: str, role: str | None, methods: tuple[str, ...] = ("GET",)
) -> Callable[[Callable[[Ctx], Any]], Any]:
    """Declare a route; the handler is a plain function ``(ctx) -> View | Response | dict``."""

    def decorate(fn: Callable[[Ctx], Any]) -> Callable[[Ctx], Any]:
        ROUTES.append((RouteSpec(path, fn.__name__, role, methods, path.startswith("/api/")), fn))
        return fn

    return decorate


def wants_json(request: Request, spec: RouteSpec) -> bool:
    if spec.api or request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS, default=str)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return mapped or ip


def client_address(request: Request, trusted: tuple[auth.Network, ...]) -> str:
    """The client's address: the connecting peer, unless it is one of ``trusted`` (``web.trusted_proxies``);
    then the right-most ``X-Forwarded-For`` address that is not a trusted proxy (each proxy appends the
    address it was connected from, so only the entries the trusted ones appended can be believed). An entry
    that is not an address ends the walk at the last trusted hop."""
    peer = request.client.host if request.client else "unknown"
    hop = _address(peer)
    if hop is None or not any(hop in net for net in trusted):
        return peer
    forwarded = ",".join(request.headers.getlist("x-forwarded-for")).split(",")
    for entry in reversed(forwarded):
        ip = _address(entry)
        if ip is None:
            break
        hop = ip
        if not any(ip in net for net in trusted):
            break
    return str(hop)


def _replay(body: bytes) -> Callable[[], Any]:
    """An ASGI ``receive`` that hands over ``body`` (already read, within the limit) in one message."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def _api_key(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.headers.get("x-api-key")


KEPT_PAGES = 512  # rendered pages kept per app (Renderer.html): the story pages being read
# What a kept page says of the person who asks is written into it as these (the same text once escaped) and
# filled in per request: the session's CSRF token and the user's name.
_CSRF_SLOT = "csrf" + secrets.token_hex(16)
_NAME_SLOT = "name" + secrets.token_hex(16)


class Renderer:
    """Renders views for one app (its store and settings; the Jinja environment of each page's language)."""

    def __init__(
        self, environments: Callable[[str], Environment], store: Store, config: auth.WebConfig, language: str
    ) -> None:
        self.environments = environments  # language -> its environment (made once each)
        self.store = store
        self.config = config
        self.language = language  # the app's: web.language, with auto decided from the store at start
        self.kept: Memo[str] = Memo(KEPT_PAGES)  # pages rendered under a View's ``kept`` (html)

    def language_of(self, ctx: Ctx) -> str:
        """The page's language: ``?lang=`` for this page, else the user's choice, else the app's; an unknown
        ``?lang`` is an InputError."""
        asked = ctx.request.query_params.get("lang")
        if asked and not ctx.api:
            if asked not in LANGUAGES:
                known = ", ".join(LANGUAGES)
                raise InputError("lang", f"unknown language {asked[:20]!r}; use one of {known}")
            return asked
        return self.own_language(ctx)

    def own_language(self, ctx: Ctx) -> str:
        """The user's choice (account page), else the app's."""
        chosen = self.store.interface.user_language(ctx.user.id) if ctx.user is not None else None
        return chosen if chosen in LANGUAGES else self.language

    def identify(self, ctx: Ctx) -> Ctx:
        """``ctx`` with its session's user and the page's language (for pages answered outside a route)."""
        found = auth.session_user(self.store, ctx.request.cookies.get(auth.SESSION_COOKIE))
        if found is not None:
            ctx.user, ctx.csrf = found
        ctx.language = self.readable_language(ctx)
        return ctx

    def readable_language(self, ctx: Ctx) -> str:
        """:meth:`language_of`, or for an unknown ``?lang`` the user's own (to say so in)."""
        try:
            return self.language_of(ctx)
        except InputError:
            return self.own_language(ctx)

    def html(
        self, template: str, ctx: Ctx, data: dict[str, Any], status: int = 200, kept: Hashable | None = None
    ) -> Response:
        """``template`` rendered from ``data`` for this request. With ``kept`` (the store's state ``data`` was
        read at: :attr:`View.kept`) the page is rendered once per distinct (template, ``kept``, status,
        language, zone, path and query, the asker's role) and the asker's CSRF token and name are filled in
        per request, so the template may read of ``user`` only its role and name and of ``request`` only
        its path and query."""
        if kept is None:
            body = self._render(template, ctx, data, ctx.user, ctx.csrf)
        else:
            user = ctx.user
            role = None if user is None else user.role
            url = ctx.request.url
            asker = (ctx.language, self.config.tz, url.path, url.query, role, ctx.csrf is None)
            key = (template, kept, status, asker)
            slot = None if user is None else replace(user, username=_NAME_SLOT)
            csrf = None if ctx.csrf is None else _CSRF_SLOT
            body = self.kept.get(key, lambda: self._render(template, ctx, data, slot, csrf))
            if ctx.csrf is not None:
                body = body.replace(_CSRF_SLOT, ctx.csrf)
            if user is not None:
                body = body.replace(_NAME_SLOT, str(escape(user.username)))
        return Response(body, status_code=status, media_type="text/html; charset=utf-8")

    def _render(
        self, template: str, ctx: Ctx, data: dict[str, Any], user: User | None, csrf: str | None
    ) -> str:
        return (
            self.environments(ctx.language)
            .get_template(template)
            .render(
                {"tz": self.config.tz, **data},  # tz: the zone every time on the page is shown in (|when)
                data=data,
                user=user,
                csrf=csrf,
                request=ctx.request,
                path=ctx.request.url.path,
                lang=ctx.language,
                display=Display(ctx.language, self.config.tz),
            )
        )

    def error(self, ctx: Ctx, spec: RouteSpec, status: int, message: str) -> Response:
        if wants_json(ctx.request, spec):
            return json_response({"error": message, "status": status}, status)
        return self.html("error.html", ctx, {"status": status, "message": message}, status)

    def endpoint(self, spec: RouteSpec, fn: Callable[[Ctx], Any]) -> Callable[[Request], Any]:
        async def handle(request: Request) -> Response:
            ctx = Ctx(request=request, store=self.store, config=self.config, api=spec.api)
            # Who is asking comes first: a request that may not be made is answered before its body is read.
            response = await run_in_threadpool(self._admit, spec, ctx)
            if response is None and not spec.api:  # the API speaks English whoever asks
                response = await run_in_threadpool(self._language, spec, ctx)
            if response is None and request.method in UNSAFE:
                response = await self._read_body(spec, ctx)
            if response is None:
                response = await run_in_threadpool(self._run, spec, fn, ctx)
            response.headers.setdefault("cache-control", "no-store")
            return response

        return handle

    async def _read_body(self, spec: RouteSpec, ctx: Ctx) -> Response | None:
        """Read at most ``web.max_body_bytes`` of the body into ``ctx.body`` (JSON) or ``ctx.form``."""
        request, limit = ctx.request, self.config.max_body_bytes
        too_large = f"the request body is larger than {limit} bytes (web.max_body_bytes)"
        declared = request.headers.get("content-length")
        if declared is not None and not declared.strip().isdigit():
            return self.error(ctx, spec, 400, "the Content-Length header is not a number")
        if declared is not None and int(declared) > limit:
            return self.error(ctx, spec, 413, too_large)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():  # a chunked body has no length: count it as it comes
            size += len(chunk)
            if size > limit:
                return self.error(ctx, spec, 413, too_large)
            chunks.append(chunk)
        body = b"".join(chunks)
        ctype = request.headers.get("content-type", "")
        try:
            if ctype.startswith("application/json"):
                ctx.body = orjson.loads(body or b"null")
            else:
                form = await Request(request.scope, _replay(body)).form()
                ctx.form = {k: v for k, v in form.items() if isinstance(v, str)}
        except (orjson.JSONDecodeError, ValueError, KeyError, AssertionError, HTTPException):
            return self.error(ctx, spec, 400, "the request body cannot be read")
        return None

    def _language(self, spec: RouteSpec, ctx: Ctx) -> Response | None:
        try:
            ctx.language = self.language_of(ctx)
        except InputError as e:
            ctx.language = self.own_language(ctx)  # the error page in the language the user reads
            return self.error(ctx, spec, 400, str(e))
        return None

    def _admit(self, spec: RouteSpec, ctx: Ctx) -> Response | None:
        """Authenticate the caller into ``ctx``; the answer when they may not make this request, else None."""
        request = ctx.request
        found = auth.session_user(self.store, request.cookies.get(auth.SESSION_COOKIE))
        if found is not None:
            ctx.user, ctx.csrf = found
        elif spec.api:
            ctx.user = auth.api_key_user(self.store, _api_key(request))
            ctx.by_key = ctx.user is not None
        if spec.role is None:
            return None
        if ctx.user is None:
            if wants_json(request, spec):
                return json_response(
                    {"error": "login required", "status": 401},
                    401,
                    {"www-authenticate": 'Bearer realm="svodka"'},
                )
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if not ctx.user.may(spec.role):
            ctx.language = self.readable_language(ctx)
            return self.error(ctx, spec, 403, f"this needs the {spec.role} role")
        return None

    def _run(self, spec: RouteSpec, fn: Callable[[Ctx], Any], ctx: Ctx) -> Response:
        request = ctx.request
        # Every state change made with a session cookie must carry the session's CSRF token; API-key
        # requests carry no ambient credential, so they need none.
        if request.method in UNSAFE and spec.role is not None and not ctx.by_key:
            given = ctx.form.get("csrf_token") or request.headers.get("x-csrf-token")
            if not auth.same_token(ctx.csrf, given):
                return self.error(
                    ctx, spec, 403, "the form has expired or did not come from svodka; reload it"
                )
        try:
            result = fn(ctx)
        except HttpError as e:
            return self.error(ctx, spec, e.status, e.message)
        except NotFoundError as e:
            return self.error(ctx, spec, 404, str(e))
        except CorrectionError as e:  # the stories as they stand refuse it (web/openapi.py: 409)
            return self.error(ctx, spec, 409, str(e))
        except (InputError, QueryError, StoreError) as e:
            return self.error(ctx, spec, 400, str(e))
        except OverflowError:  # an id beyond SQLite's 64-bit integers names nothing
            return self.error(ctx, spec, 404, "no such record")
        if isinstance(result, Response):
            return result
        if isinstance(result, View):
            if wants_json(request, spec):
                return json_response(result.data, result.status)
            return self.html(result.template, ctx, result.data, result.status, result.kept)
        return json_response(result)


SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}


class SecurityHeaders:
    """ASGI middleware adding the same security headers to every response."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in SECURITY_HEADERS.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
