"""The one table of settings: it drives the TOML config, the environment overrides, ``svodka settings``
and ``docs/settings.md``.

A setting ``section.name`` is read, later ones winning, from:

1. its default in :data:`TABLE`;
2. the config file (``svodka.toml`` in the working directory, or ``--config PATH``)::

       [store]
       db = "svodka.db"

3. the environment: ``SVODKA_SECTION_NAME`` (``SVODKA_STORE_DB``), or the setting's short alias
   (``SVODKA_DB``) — the place for secrets such as ``SVODKA_TELEGRAM_API_HASH``;
4. command-line flags (``--db``), passed as ``overrides``.

To add a setting, add one row to :data:`TABLE` in the section of its stage; nothing else needs to know.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from svodka.errors import ConfigError

CONFIG_FILE = "svodka.toml"
RENAMED = {
    "digest.tz": "display.tz"
}  # old name -> setting: still read (file and environment), with a warning

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Setting:
    name: str  # "section.key"
    default: Any
    help: str
    type: type = str
    secret: bool = False  # never printed; meant for the environment
    alias: str | None = None  # short environment name, e.g. SVODKA_DB

    @property
    def env(self) -> str:
        return "SVODKA_" + self.name.upper().replace(".", "_").replace("-", "_")


S = Setting


class Tables(tuple[dict[str, Any], ...]):
    """The value of a setting written as an array of TOML tables (``[[digest.jobs]]``): a tuple of dicts,
    checked by the stage that reads it. In the environment it is a JSON array of objects."""

    def __new__(cls, value: Any = ()) -> Tables:
        if isinstance(value, str):
            try:
                value = json.loads(value) if value.strip() else []
            except ValueError:
                raise ConfigError(f"not a JSON array of objects: {value[:60]!r}") from None
        if isinstance(value, Mapping):
            value = [value]  # [digest.jobs] written once, as a plain table
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, Mapping) for v in value):
            raise ConfigError(f"expected an array of tables ([[section.name]]), not {value!r}")
        return super().__new__(cls, (dict(v) for v in value))


TABLE: tuple[Setting, ...] = (
    # --- store ---
    S(
        "store.db",
        "svodka.db",
        "Database: a SQLite file path (or sqlite:///PATH), or postgresql://USER@HOST:PORT/DB (the password"
        " from PGPASSWORD or ~/.pgpass).",
        alias="SVODKA_DB",
    ),
    S("store.batch_size", 5000, "Posts written per transaction when importing or collecting.", int),
    S("store.busy_timeout", 10.0, "Seconds to wait for another writer before giving up.", float),
    # --- import ---
    S("import.max_file_mb", 0, "Refuse input files larger than this many MiB (0: no limit).", int),
    # --- telegram ---
    S("telegram.web_base_url", "https://t.me", "Base URL of Telegram's public web preview (t.me/s/…)."),
    S(
        "telegram.api_id",
        0,
        "MTProto api_id from my.telegram.org (for the Telethon source).",
        int,
        secret=True,
    ),
    S("telegram.api_hash", "", "MTProto api_hash from my.telegram.org.", secret=True),
    S("telegram.session", "svodka.session", "Telethon session file, or a session string.", secret=True),
    S("telegram.bot_api_url", "https://api.telegram.org", "Base URL of the Telegram Bot API (delivery)."),
    S("telegram.bot_token", "", "Bot token for delivering digests by Telegram bot.", secret=True),
    # --- network ---
    S("network.proxy", "", "Proxy for web and RSS sources: http://, socks5:// URL (empty: none)."),
    S("network.timeout", 20.0, "Seconds before an HTTP request is abandoned.", float),
    S("network.user_agent", "svodka/0.1 (+https://github.com/svodka)", "User-Agent sent to web sources."),
    # --- collect ---
    S("collect.interval", 600.0, "Seconds between two collections of one source (`svodka watch`).", float),
    S("collect.max_interval", 3600.0, "Quiet sources are re-read less often, up to this (s).", float),
    S("collect.jitter", 0.2, "Random spread of each interval, as a fraction (0.2: ±20 %).", float),
    S("collect.concurrency", 8, "Sources collected at the same time.", int),
    S("collect.host_rate", 2.0, "Requests per second to one host (t.me, a feed's site).", float),
    S("collect.retries", 2, "Quick retries of a failed request within one collection.", int),
    S("collect.retry_delay", 1.0, "Seconds before the first quick retry; doubles for the next.", float),
    S("collect.backoff_base", 30.0, "Seconds to wait after a first failure; doubles each time.", float),
    S("collect.backoff_cap", 3600.0, "Longest wait between attempts at a failing source, in seconds.", float),
    S("collect.max_inline_wait", 10.0, "A Retry-After up to this (s) is waited out in place.", float),
    S(
        "collect.retry_after_cap",
        21600.0,
        "Longest wait (s) a source may ask for (Retry-After, FloodWait); a longer one is cut to this.",
        float,
    ),
    S(
        "collect.max_page_bytes",
        10 * 1024 * 1024,
        "Largest response body (bytes) read from a web or RSS source; a bigger one is an error (0: none).",
        int,
    ),
    S("collect.breaker_threshold", 5, "Failures in a row that open a source's circuit breaker.", int),
    S("collect.breaker_cooldown", 3600.0, "Seconds an open breaker waits before one trial attempt.", float),
    S("collect.backfill_posts", 200, "On first collection, go back this many posts (0: none).", int),
    S("collect.backfill_days", 0, "… and no further back than this many days (0: no date limit).", int),
    S("collect.edit_window_hours", 24.0, "Re-read posts this recent to catch edits and deletions.", float),
    S("collect.edit_window_pages", 2, "At most this many pages re-read per channel for edits.", int),
    S(
        "collect.telegram_via",
        "web",
        "Telegram source: web (t.me/s, no account), mtproto (Telethon) or auto.",
        alias="SVODKA_TELEGRAM_VIA",
    ),
    S("collect.proxies", (), "Per-source proxies: 'HANDLE_OR_HOST=URL', comma-separated.", tuple),
    S(
        "collect.claim_ttl",
        60.0,
        "Seconds a collector's claim on a source outlives a collector that died (several `svodka watch` on "
        "one store share the sources; renewed every third of it while collecting).",
        float,
    ),
    S(
        "collect.mtproto_proxy",
        "",
        "Proxy for Telethon: socks5://host:port or mtproxy://SECRET@host:port.",
        secret=True,
    ),
    # --- pipeline ---
    S(
        "pipeline.embedder",
        "e5",
        "Sentence embedder: e5 (multilingual-e5-small 4-bit), use (USE-m3, faster) "
        "or st:MODEL_OR_PATH (a local sentence-transformers model).",
    ),
    S("pipeline.device", "auto", "Device for st: embedders: auto (cuda when available), cpu or cuda."),
    S("pipeline.embed_batch", 64, "Texts embedded per model call.", int),
    S(
        "pipeline.batch_posts",
        1000,
        "Posts `svodka process` commits at a time, in date order: a kill loses at most one batch, "
        "and the next run resumes after the last one committed.",
        int,
    ),
    S(
        "pipeline.progress_every",
        30.0,
        "Seconds between progress lines of `svodka process` when its output is not a terminal.",
        float,
    ),
    S(
        "pipeline.lease_ttl",
        120.0,
        "Seconds the story-placement lease of `svodka process` outlives a holder that died without releasing "
        "it (SQLite; renewed every third of it; PostgreSQL frees it with the holder's session).",
        float,
    ),
    S(
        "pipeline.follow_poll",
        5.0,
        "Seconds `svodka process --follow` waits before looking again for new posts, or for the lease "
        "another worker holds.",
        float,
    ),
    S(
        "pipeline.claim_posts",
        200,
        "Posts a `svodka process` worker claims for embedding at a time (several workers on one store "
        "share the embedding this way; the one placing stories waits for the posts of its batch another "
        "is embedding).",
        int,
    ),
    S(
        "pipeline.claim_ttl",
        60.0,
        "Seconds an embedding claim outlives a worker that died holding it (renewed every third of it): "
        "then its posts are claimed again.",
        float,
    ),
    S("pipeline.threshold", 0.28, "Average pair score a post needs to join a story (0..1).", float),
    S(
        "pipeline.window_hours",
        48.0,
        "Posts this much older than a new post are not compared with it.",
        float,
    ),
    S("pipeline.half_life_hours", 12.0, "Time gap at which a pair's score has lost a quarter.", float),
    S("pipeline.same_channel_penalty", 0.1, "Subtracted from the score of two posts of one channel.", float),
    S(
        "pipeline.sem_floor",
        -1.0,
        "Embedding cosine of two unrelated posts (scores 0); -1: by model (0.8 e5, 0.1 use; "
        "st: models: the median over random pairs of the posts at hand).",
        float,
    ),
    S(
        "pipeline.copy_threshold",
        0.7,
        "Word 3-shingle Jaccard above which a post is a near-duplicate.",
        float,
    ),
    S("pipeline.copy_window_hours", 48.0, "How far back a copy's origin is searched.", float),
    # --- engine ---
    S(
        "engine.kind",
        "local",
        "Where `svodka process` and `svodka questions triage` run their heavy stages: local (this process), "
        "ray (a Ray cluster; pip install 'svodka[ray]') or auto (the running Ray cluster, else local).",
    ),
    S(
        "engine.address",
        "",
        "Ray cluster of engine.kind = ray: empty starts one on this machine, auto joins the running one, "
        "ray://HOST:PORT a remote one.",
    ),
    S(
        "engine.workers",
        0,
        "Embedding actors on Ray (0: one per GPU for st: models, else one per CPU of the cluster).",
        int,
    ),
    # developments (clusters) grouped into stories: svodka.pipeline.developing
    S(
        "pipeline.story_names",
        "caps",
        "Names for grouping developments: caps (capitalised words) or natasha.",
    ),
    S(
        "pipeline.story_centroid",
        0.75,
        "Centroid similarity (0..1) that puts two developments in one story.",
        float,
    ),
    S("pipeline.story_centroid_names", 0.6, "… the similarity that does so with shared names.", float),
    S(
        "pipeline.story_names_share",
        0.6,
        "Share of the smaller development's name weight two must share.",
        float,
    ),
    S(
        "pipeline.story_centroid_link",
        0.4,
        "… the similarity that does so with a shared link or hashtag.",
        float,
    ),
    S(
        "pipeline.story_centroid_cover",
        0.55,
        "… the similarity that does so when every post of the smaller names the other's rare core name.",
        float,
    ),
    S("pipeline.story_gap_hours", 6.0, "Developments further apart in time stay in separate stories.", float),
    # stories of different days linked into storylines: svodka.pipeline.storylines
    S("storylines.max_gap_days", 2.0, "Stories further apart in days join no storyline.", float),
    S(
        "storylines.centroid",
        0.85,
        "Centroid similarity (0..1) that puts two stories in one storyline.",
        float,
    ),
    S("storylines.centroid_names", 0.7, "… the similarity that does so with shared rare names.", float),
    S(
        "storylines.names_share",
        0.5,
        "Share of the smaller story's name weight two stories must share.",
        float,
    ),
    S("storylines.centroid_link", 0.6, "… the similarity that does so with a shared link or hashtag.", float),
    S("storylines.min_posts", 2, "Posts a story needs to join a storyline.", int),
    S(
        "networks.window_minutes",
        60.0,
        "Channel networks: a shared text counts this soon after its origin.",
        float,
    ),
    S("networks.min_texts", 3, "Channel networks: shared texts a pair needs to be linked (not once).", int),
    S(
        "networks.max_link_channels",
        5,
        "Channel networks: a promo link more channels keep is an advertiser's.",
        int,
    ),
    # --- display ---
    S(
        "display.tz",
        "auto",
        "Time zone every time is shown in — web app, CLI, digests (IANA name, e.g. Europe/Moscow); auto: "
        "Europe/Moscow when the language in use is Russian, else UTC. Old name: digest.tz.",
    ),
    # --- digest ---
    S(
        "digest.since",
        "24h",
        "Default period of `svodka digest`: the last N hours/days (24h, 3d), or `last`.",
    ),
    S("digest.top", 15, "Stories in a digest.", int),
    S(
        "digest.language",
        "auto",
        "Language of digests, e-mails, bot and alert messages: ru, en, or auto (the language most of the"
        " digest's posts are in).",
    ),
    S("digest.formats", ("md", "html"), "Formats `svodka digest` writes: md, html, pdf, docx, json.", list),
    S("digest.out", ".", "Folder the digest files are written to."),
    S("digest.sentences", 4, "Key sentences per story, at most (2 to 4).", int),
    S("digest.half_life_hours", 12.0, "Least recency half-life, hours (a longer digest: its length).", float),
    S("digest.history_days", 30.0, "Days of stories channel credibility is learned from.", float),
    S(
        "digest.importance",
        2.0,
        "Weight of the importance term (what the desk leads with) in the rank.",
        float,
    ),
    S(
        "digest.topic_weights",
        (),
        "Desk profile: TOPIC=WEIGHT items over the federal desk's (politics=1, war and security=1, "
        "economy=0.8, incidents/society/science=0.3, technology=0.2, others 0).",
        list,
    ),
    S("digest.boost", (), "Desk profile: channels (name, @handle, title) or group:NAME to lead with.", list),
    S("digest.mute", (), "Desk profile: channels or group:NAME pushed to the bottom of the digest.", list),
    S("digest.llm_url", "", "OpenAI-compatible URL for optional LLM abstracts (empty: off)."),
    S("digest.llm_model", "local", "Model name sent to the abstract server."),
    S("digest.schedule", "every day at 08:00 UTC", "When `svodka watch` builds the digest ('every 6h', …)."),
    S(
        "digest.jobs",
        Tables(),
        "Digests `svodka watch` builds and delivers: one [[digest.jobs]] table each (name, schedule, "
        "period, top, topic, group, lang, tz, formats, out, email, bot_chat); see README.",
        Tables,
    ),
    S(
        "digest.email",
        (),
        "E-mail recipients of the one scheduled digest that digest.schedule alone configures.",
        tuple,
    ),
    S("digest.bot_chat", "", "Telegram chat (id or @channel) of that digest; needs telegram.bot_token."),
    S(
        "digest.fresh_wait",
        120.0,
        "Seconds `svodka watch` spends bringing sources up to date before a due digest (0: none).",
        float,
    ),
    # --- smtp ---
    S("smtp.host", "localhost", "SMTP server for e-mailed digests."),
    S("smtp.port", 25, "SMTP port (587 for STARTTLS, 465 for SSL).", int),
    S("smtp.security", "none", "none, starttls or ssl."),
    S("smtp.sender", "svodka@localhost", "From: address of e-mailed digests."),
    S("smtp.user", "", "SMTP login (empty: no login)."),
    S("smtp.password", "", "SMTP password.", secret=True),
    # --- alerts (watchlists, rules, delivery: svodka.monitor) ---
    S(
        "watchlists",
        Tables(),
        "Watchlists: one [[watchlists]] table each (name, query, groups, channels, languages, topics, "
        "rules, targets); see README, Monitoring.",
        Tables,
    ),
    S(
        "alerts.targets",
        Tables(),
        "Where alerts go: one [[alerts.targets]] table each (name, kind = email, bot or webhook, to, chat, "
        "url, secret_env, batch_minutes, quiet_hours, tz).",
        Tables,
    ),
    S(
        "alerts.webhook_secret",
        "",
        "HMAC-SHA256 key of webhook alerts (a target's secret_env wins).",
        secret=True,
    ),
    S("alerts.max_attempts", 8, "Failed attempts before an alert delivery is dead-lettered.", int),
    S(
        "alerts.backoff_base",
        30.0,
        "Seconds before a failed alert delivery is retried, doubled each time.",
        float,
    ),
    S("alerts.backoff_cap", 3600.0, "The longest wait between two attempts of an alert delivery.", float),
    S(
        "alerts.spike_factor",
        3.0,
        "Spike: a story's channels in its last hour over its earlier hourly rate.",
        float,
    ),
    S("alerts.max_age_hours", 24.0, "Posts and stories older than this raise no alert (0: any age).", float),
    S(
        "alerts.interval",
        15.0,
        "Seconds between alert runs inside `svodka watch` (0: no alerts there).",
        float,
    ),
    # --- web ---
    S("web.host", "127.0.0.1", "Address `svodka serve` binds (only this machine unless told otherwise)."),
    S("web.port", 8080, "Port of `svodka serve`.", int),
    S("web.workers", 1, "Processes `svodka serve` serves from (several: on PostgreSQL).", int),
    S("web.session_hours", 12.0, "Hours a web login lasts.", float),
    S("web.secure_cookies", False, "Mark cookies Secure (set when served over HTTPS behind a proxy).", bool),
    S(
        "web.login_max_failures",
        5,
        "Failed logins of one user name from one client before each further try of that pair must wait.",
        int,
    ),
    S("web.login_window_s", 900, "Seconds over which failed logins are counted.", int),
    S(
        "web.login_delay_s",
        1.0,
        "The first such wait; it doubles with each further failure of the pair (a success starts again).",
        float,
    ),
    S("web.login_delay_cap_s", 300.0, "The longest such wait, in seconds.", float),
    S(
        "web.login_client_max_failures",
        100,
        "Failed logins from one client (any user names) in the window before it must wait for the window.",
        int,
    ),
    S(
        "web.trusted_proxies",
        (),
        "Reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client; "
        "empty: the connecting address is the client.",
        tuple,
    ),
    S("web.page_size", 20, "Rows per page in search and lists.", int),
    S(
        "web.language",
        "auto",
        "Language of the web pages: ru, en, or auto (Russian when most of the newest 1,000 analysed posts"
        " are, decided at start); a user may pick their own on the account page.",
    ),
    S(
        "web.public_url",
        "",
        "Address readers open svodka's web app at; cited posts without a public link go there.",
    ),
    S(
        "web.max_body_bytes",
        1 << 20,
        "Largest request body (form or JSON) the web app reads, after the login check; beyond it: 413.",
        int,
    ),
    # --- questions ---
    S("questions.topics", 15, "Topics (first level) a full triage makes.", int),
    S("questions.subtopics", 125, "Subtopics in all, shared among topics by size.", int),
    S(
        "questions.near_duplicate",
        0.8,
        "Jaccard (word 3-shingles, MinHash LSH) above which questions merge.",
        float,
    ),
    S("questions.batch_size", 5000, "Questions written per transaction when importing.", int),
    S(
        "questions.new_topic_min",
        30,
        "Questions (counting duplicates) an emerging topic needs before incremental triage opens it.",
        int,
    ),
    S(
        "questions.new_topic_burst",
        4.0,
        "How many times denser among the new questions than among the stored ones an emerging topic must be.",
        float,
    ),
)

_BY_NAME = {s.name: s for s in TABLE}


def setting(name: str) -> Setting:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r} (see `svodka settings`)") from None


def _convert(s: Setting, value: Any, origin: str) -> Any:
    if s.type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{origin}: {s.name} must be true or false, not {value!r}")
    if s.type in (list, tuple):
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value)
        return tuple(v.strip() for v in str(value).split(",") if v.strip())
    try:
        return s.type(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{origin}: {s.name} must be {s.type.__name__}, not {value!r}") from None


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(_flatten(v, name + "."))
        else:
            out[name] = v
    return out


class Settings(Mapping[str, Any]):
    """Resolved settings: a read-only mapping from ``section.name`` to a typed value."""

    def __init__(self, values: Mapping[str, Any], origins: Mapping[str, str], path: Path | None) -> None:
        self._values = dict(values)
        self._origins = dict(origins)
        self.path = path

    def __getitem__(self, name: str) -> Any:
        name = RENAMED.get(name, name)
        if name not in self._values:
            setting(name)  # raises a ConfigError naming the unknown setting
        return self._values[name]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def origin(self, name: str) -> str:
        """Where the value came from: default, the config file, an environment variable or a flag."""
        return self._origins[name]

    def section(self, prefix: str) -> dict[str, Any]:
        p = prefix.rstrip(".") + "."
        return {k[len(p) :]: v for k, v in self._values.items() if k.startswith(p)}

    def replace(self, **overrides: Any) -> Settings:
        """A copy with some values replaced; keys use ``__`` for the dot (``store__db``)."""
        values, origins = dict(self._values), dict(self._origins)
        for key, value in overrides.items():
            name = key.replace("__", ".")
            name = RENAMED.get(name, name)
            s = setting(name)
            values[name] = _convert(s, value, "override")
            origins[name] = "override"
        return Settings(values, origins, self.path)


def load(
    path: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve every setting from defaults, the TOML file, the environment and ``overrides``.

    ``path`` None means ``./svodka.toml`` if it exists (then ``SVODKA_CONFIG``); a path that is given
    must exist.
    """
    env = os.environ if environ is None else environ
    overrides = {RENAMED.get(k, k): v for k, v in (overrides or {}).items()}
    if path is None and env.get("SVODKA_CONFIG"):
        path = env["SVODKA_CONFIG"]
    file_path: Path | None = None
    file_values: dict[str, Any] = {}
    if path is not None:
        file_path = Path(path)
        if not file_path.is_file():
            raise ConfigError(f"{file_path}: config file not found")
    elif Path(CONFIG_FILE).is_file():
        file_path = Path(CONFIG_FILE)
    if file_path is not None:
        try:
            file_values = _flatten(tomllib.loads(file_path.read_text(encoding="utf-8")))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{file_path}: not valid TOML: {e}") from None
        for old, new in RENAMED.items():
            if old in file_values:
                log.warning("%s: %s is an old name; write %s", file_path, old, new)
                file_values.setdefault(new, file_values.pop(old))
        for name in file_values:
            if name not in _BY_NAME:
                raise ConfigError(f"{file_path}: unknown setting {name!r} (see `svodka settings`)")

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for s in TABLE:
        value, origin = s.default, "default"
        if s.name in file_values:
            value, origin = _convert(s, file_values[s.name], str(file_path)), str(file_path)
        for var in (s.env, s.alias, *_old_env(s.name)):
            if var and var in env:
                if var in _old_env(s.name):
                    log.warning("$%s is an old name; set $%s", var, s.env)
                value, origin = _convert(s, env[var], f"${var}"), f"${var}"
                break
        if overrides and overrides.get(s.name) is not None:
            value, origin = _convert(s, overrides[s.name], "flag"), "flag"
        values[s.name], origins[s.name] = value, origin
    return Settings(values, origins, file_path)


def _old_env(name: str) -> tuple[str, ...]:
    """The environment variables of a setting's old names (``SVODKA_DIGEST_TZ`` for display.tz)."""
    return tuple(Setting(old, None, "").env for old, new in RENAMED.items() if new == name)


def defaults(**overrides: Any) -> Settings:
    """Every setting at its default (no file, no environment), with ``overrides`` (``store__db=…``)."""
    base = Settings({s.name: s.default for s in TABLE}, {s.name: "default" for s in TABLE}, None)
    return base.replace(**overrides) if overrides else base


def markdown_table() -> str:
    """The settings reference as Markdown: the body of ``docs/settings.md``."""
    lines = [
        "# Settings",
        "",
        "Generated from `svodka.settings.TABLE` by `svodka settings --markdown`; do not edit by hand.",
        "",
        "Each setting can be set in `svodka.toml` (`[section]` then `name = value`), or in the environment",
        "as `SVODKA_SECTION_NAME`. Secrets belong in the environment.",
        "",
        "| setting | default | environment | meaning |",
        "| --- | --- | --- | --- |",
    ]
    for s in TABLE:
        env = f"`{s.env}`" + (f" or `{s.alias}`" if s.alias else "")
        env += "".join(f" (old: `{old}`)" for old in _old_env(s.name))
        default = "*(secret)*" if s.secret and s.default else f"`{s.default!r}`"
        lines.append(f"| `{s.name}` | {default} | {env} | {s.help} |")
    return "\n".join(lines) + "\n"
