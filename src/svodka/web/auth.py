"""Accounts, sessions, API keys and the login rate limit of the web app.

Passwords are hashed with argon2id (argon2-cffi's defaults). A session is a random token in an HttpOnly,
SameSite cookie; the store keeps only its SHA-256 and a per-session CSRF token that every form echoes.
An API key (``svk_<prefix>_<secret>``) is shown once; the store keeps its prefix and SHA-256 — enough for a
256-bit random secret, which no dictionary attack reaches.

The login limit (:func:`login`) slows a guesser down without locking anyone out. Failures are counted per
(user name, client address): after ``web.login_max_failures`` (5) of a pair in ``web.login_window_s`` (900 s),
each further try of that pair must wait ``web.login_delay_s`` (1 s) after its last failure, doubling with each
failure, at most ``web.login_delay_cap_s`` (300 s). A guesser at one name from one address so gets 5 + 10
tries in any 15 minutes (the waits 1 + 2 + … + 256 + 300 s fill the window), about 15 a quarter-hour at best;
the right user, from any other address, is not held back at all, and from the same address waits at most the
cap. Each pair's tries are checked one at a time (a parallel one gets 429), so a burst of parallel guesses
cannot all pass the count before the first is recorded. A wrong password from one address does not touch the
same name elsewhere, so nobody can lock a colleague out. A broad cap per address,
``web.login_client_max_failures`` (100 failures, any names, in the window), stops one address spraying many
names; it is 20 times the pair's allowance so that an office behind one NAT, with a few people mistyping,
never reaches it. The client address is the connecting peer, or — when the peer is one of
``web.trusted_proxies`` — the right-most address of ``X-Forwarded-For`` that is not a trusted proxy (see
:func:`svodka.web.framework.client_address`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import ipaddress
import logging
import math
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from svodka.digest.schema import zone
from svodka.errors import ConfigError, InputError, SvodkaError
from svodka.i18n import AUTO, check_language, display_tz
from svodka.model import ApiKey, User
from svodka.store import Store
from svodka.store.base import LoginFailures

log = logging.getLogger(__name__)

SESSION_COOKIE = "svodka_session"
LOGIN_CSRF_COOKIE = "svodka_login_csrf"
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Each argon2 check takes 64 MiB and ~50 ms of a core: a burst of logins must not take the server's memory.
_CHECKS = threading.BoundedSemaphore(2)
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("svodka: no such user")

# The (user name, client) pairs whose login is being checked now: one at a time each.
_TRYING: set[tuple[str, str]] = set()
_TRYING_LOCK = threading.Lock()

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(values: tuple[str, ...] | list[str]) -> tuple[Network, ...]:
    """``web.trusted_proxies`` read: each an address or a CIDR block; a bad one is a one-line ConfigError."""
    found = []
    for value in values:
        try:
            found.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ConfigError(f"web.trusted_proxies: not an address or CIDR block: {value[:60]!r}") from None
    return tuple(found)


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The web app's settings (``web.*``), grouped so functions take one parameter."""

    session_hours: float = 12.0
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_s: int = 900
    login_delay_s: float = 1.0
    login_delay_cap_s: float = 300.0
    login_client_max_failures: int = 100
    trusted_proxies: tuple[Network, ...] = ()
    page_size: int = 20
    max_body_bytes: int = 1 << 20
    tz: str = "UTC"  # display.tz: the zone of every time on the pages (auto until create_app settles it)
    language: str = "en"  # web.language (ru, en, auto); built by hand (tests, library use) the app is English
    embedder: str = "e5"  # pipeline.embedder: whose cached vectors and topic head the stories' topics read

    def settled(self, language: str) -> WebConfig:
        """This config with an ``auto`` zone made the zone of ``language`` (Moscow for Russian, else UTC)."""
        return self if self.tz != AUTO else dataclasses.replace(self, tz=display_tz(AUTO, language))

    @classmethod
    def from_settings(cls, settings: Any) -> WebConfig:
        return cls(
            session_hours=settings["web.session_hours"],
            secure_cookies=settings["web.secure_cookies"],
            login_max_failures=settings["web.login_max_failures"],
            login_window_s=settings["web.login_window_s"],
            login_delay_s=settings["web.login_delay_s"],
            login_delay_cap_s=settings["web.login_delay_cap_s"],
            login_client_max_failures=settings["web.login_client_max_failures"],
            trusted_proxies=networks(settings["web.trusted_proxies"]),
            page_size=settings["web.page_size"],
            max_body_bytes=settings["web.max_body_bytes"],
            # display.tz (auto: the zone of the app's language, settled in create_app once it is known)
            tz=_zone_setting(settings["display.tz"]),
            language=check_language(settings["web.language"], "web.language"),
            embedder=settings["pipeline.embedder"],
        )


class LoginFailed(SvodkaError):
    """Wrong user name or password (deliberately not saying which)."""


class TooManyAttempts(SvodkaError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; try again in {retry_after} s")
        self.retry_after = retry_after


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InputError("password", f"must have at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    with _CHECKS:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def login_wait(seen: LoginFailures, now: float, config: WebConfig) -> int:
    """Whole seconds a login attempt must still wait given the failures ``seen`` (0: go ahead)."""
    waits = [0.0]
    extra = seen.pair - config.login_max_failures
    if extra >= 0 and seen.pair_last is not None:
        delay = min(config.login_delay_cap_s, config.login_delay_s * 2 ** min(extra, 40))
        waits.append(seen.pair_last + delay - now)
    if seen.client >= config.login_client_max_failures and seen.client_first is not None:
        waits.append(seen.client_first + config.login_window_s - now)
    return math.ceil(max(waits))


def login(store: Store, username: str, password: str, client: str, config: WebConfig) -> User:
    """Check a user name and password from ``client`` (an address), under the login limit (module doc).

    Raises :class:`TooManyAttempts` (before checking anything, and not counted) while the (name, client)
    pair or the client must wait, or another try of the pair is still being checked (1 s), and
    :class:`LoginFailed` for a wrong name or password.
    """
    pair = (username.strip()[:64].casefold(), client)
    with _TRYING_LOCK:  # a burst of parallel tries would all pass the count before any is recorded
        if pair in _TRYING:
            raise TooManyAttempts(1)
        _TRYING.add(pair)
    try:
        now = time.time()
        seen = store.login_attempts.failures_since(username, client, int(now) - config.login_window_s)
        wait = login_wait(seen, now, config)
        if wait > 0:
            raise TooManyAttempts(wait)
        found = store.users.password_hash(username)
        ok = verify_password(found[1] if found else _DUMMY_HASH, password) and found is not None
        store.login_attempts.record(username, client, ok)
    finally:
        with _TRYING_LOCK:
            _TRYING.discard(pair)
    if not ok or found is None:
        log.info("failed login for %r from %s", username, client)
        raise LoginFailed("wrong user name or password")
    store.users.touch_login(found[0].id)
    return found[0]


def new_session(store: Store, user: User, config: WebConfig) -> tuple[str, str]:
    """Open a session: returns (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = int(time.time() + config.session_hours * 3600)
    store.sessions.create(sha256(token), user.id, csrf, expires)
    return token, csrf


def session_user(store: Store, token: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a live session cookie, or None."""
    if not token or len(token) > 200:
        return None
    row = store.sessions.get(sha256(token))
    return None if row is None else (row.user, row.csrf)


def end_session(store: Store, token: str | None) -> None:
    if token:
        store.sessions.delete(sha256(token))


def new_api_key(store: Store, user: User, name: str = "") -> tuple[str, ApiKey]:
    """Create a key for ``user``: returns the key (shown once) and its listing."""
    prefix = secrets.token_hex(6)
    key = f"svk_{prefix}_{secrets.token_urlsafe(32)}"
    return key, store.api_keys.add(user.id, prefix, sha256(key), name)


def api_key_user(store: Store, key: str | None) -> User | None:
    """The owner of a valid API key, or None."""
    if not key or not key.startswith("svk_") or len(key) > 200:
        return None
    prefix = key[4:].split("_", 1)[0]
    found = store.api_keys.by_prefix(prefix)
    if found is None or not hmac.compare_digest(found[1], sha256(key)):
        return None
    last = found[0].last_used
    if last is None or time.time() - last.timestamp() > 60:  # one write a minute, not one per request
        store.api_keys.touch(found[0].id)
    return found[2]


def same_token(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def _zone_setting(value: str) -> str:
    """``display.tz`` checked (an unknown zone is a ConfigError at start, not per page); ``auto`` kept."""
    return value if value == AUTO else zone(display_tz(value, "en")).key
