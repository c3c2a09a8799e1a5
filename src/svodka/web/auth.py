"""Accounts, sessions, API keys and the login rate limit of the web app.

Passwords are hashed with argon2id (argon2-cffi's defaults). A session is a random token in an HttpOnly,
SameSite cookie; the store keeps only its SHA-256 and a per-session CSRF token that every form echoes.
An API key (``svk_<prefix>_<secret>``) is shown once; the store keeps its prefix and SHA-256 — enough for a
256-bit random secret, which no dictionary attack reaches.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from svodka.errors import InputError, SvodkaError
from svodka.model import ApiKey, User
from svodka.store import Store

log = logging.getLogger(__name__)

SESSION_COOKIE = "svodka_session"
LOGIN_CSRF_COOKIE = "svodka_login_csrf"
MIN_PASSWORD = 8

_hasher = PasswordHasher()
# Each argon2 check takes 64 MiB and ~50 ms of a core: a burst of logins must not take the server's memory.
_CHECKS = threading.BoundedSemaphore(2)
# Verified against when the user name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("svodka: no such user")


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The web app's settings (``web.*``), grouped so functions take one parameter."""

    session_hours: float = 12.0
    secure_cookies: bool = False
    login_max_failures: int = 5
    login_window_s: int = 900
    page_size: int = 20
    max_body_bytes: int = 1 << 20

    @classmethod
    def from_settings(cls, settings: Any) -> WebConfig:
        return cls(
            session_hours=settings["web.session_hours"],
            secure_cookies=settings["web.secure_cookies"],
            login_max_failures=settings["web.login_max_failures"],
            login_window_s=settings["web.login_window_s"],
            page_size=settings["web.page_size"],
            max_body_bytes=settings["web.max_body_bytes"],
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


def login(store: Store, username: str, password: str, client: str, config: WebConfig) -> User:
    """Check a user name and password, counting failures per name and per client.

    Raises :class:`TooManyAttempts` (before checking anything) once either has failed
    ``login_max_failures`` times in the window, and :class:`LoginFailed` for a wrong name or password.
    """
    now = int(time.time())
    by_user, by_client = store.login_attempts.failures_since(username, client, now - config.login_window_s)
    if max(by_user, by_client) >= config.login_max_failures:
        raise TooManyAttempts(config.login_window_s)
    found = store.users.password_hash(username)
    ok = verify_password(found[1] if found else _DUMMY_HASH, password) and found is not None
    store.login_attempts.record(username, client, ok)
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
