"""`svodka digest`: compose the digest of a period, write it, and deliver it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from svodka.cli.app import App, command, progress
from svodka.cli.browse import AS_OF_HELP
from svodka.clock import parse_as_of, store_now
from svodka.errors import ConfigError
from svodka.i18n import AUTO, check_language, display_tz, pick_language, zone_label
from svodka.pipeline.topic_names import TOPICS

if TYPE_CHECKING:
    from svodka.store import Store

# The composer, the renderers and delivery are imported by the commands that run them, not by the CLI's
# start (every command pays for what is imported here: tests/test_cli_imports.py).


def _formats(text: str | None, default: tuple[str, ...]) -> list[str]:
    from svodka.digest.deliver import FORMATS

    items = [f.strip().lower() for f in text.split(",")] if text else list(default)
    bad = [f for f in items if f not in FORMATS]
    if bad:
        raise ConfigError(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(f for f in items if f))


def register(cli: click.Group) -> None:
    register_digest(cli)
    register_credibility(cli)


def register_digest(cli: click.Group) -> None:
    @command(cli, "digest")
    @click.option("--since", help="Period: the last 24h / 90m / 3d, or `last` (since the previous digest).")
    @click.option(
        "--from", "date_from", metavar="DATE", help="Start (2024-11-30 or 2024-11-30T08:00, in --tz)."
    )
    @click.option("--to", "date_to", metavar="DATE", help="End (default: now).")
    @click.option("--topic", type=click.Choice(TOPICS), help="Only stories of this topic.")
    @click.option("--group", help="Only posts of channels in this group.")
    @click.option("--lang", help="Only posts in this language (ru, uk, en, …).")
    @click.option("--top", type=int, help="How many stories [setting digest.top].")
    @click.option("--tz", help="Time zone to show times in, or auto [setting display.tz].")
    @click.option(
        "--language",
        type=click.Choice(["ru", "en", "auto"]),
        help="Labels' language [setting digest.language].",
    )
    @click.option(
        "--format", "formats", metavar="LIST", help="md,html,pdf,docx,json [setting digest.formats]."
    )
    @click.option(
        "--out", "out_dir", metavar="DIR", help="Folder to write digest.<format> [setting digest.out]."
    )
    @click.option(
        "--email", "emails", multiple=True, metavar="TO", help="E-mail it (SMTP settings); repeatable."
    )
    @click.option("--bot", "chat", metavar="CHAT", help="Send it to this Telegram chat by bot.")
    @click.option(
        "--no-save", is_flag=True, help="Do not record it (the next digest will not see it as shown)."
    )
    @click.option(
        "--fresh", is_flag=True, help="As if nothing was shown before: no story left out as a repeat."
    )
    @click.option("--sentences", is_flag=True, help="Print the key sentences too.")
    @click.option(
        "--latest",
        is_flag=True,
        help="End the period at the newest stored post, not now (archives, samples).",
    )
    def digest(
        app: App,
        since: str | None,
        date_from: str | None,
        date_to: str | None,
        topic: str | None,
        group: str | None,
        lang: str | None,
        top: int | None,
        tz: str | None,
        language: str | None,
        formats: str | None,
        out_dir: str | None,
        emails: tuple[str, ...],
        chat: str | None,
        no_save: bool,
        fresh: bool,
        sentences: bool,
        latest: bool,
    ) -> None:
        """Compose the digest of a period: top stories ranked by independent sources, credibility, reach,
        velocity and recency, each with a headline and key sentences taken from the posts and linked to them.

        A story already shown in the previous digest of the same kind (the latest that ended before this
        period's end) comes back only with new posts, marked "update"; --fresh shows it as new. A past
        period gives the same digest again (same store and settings). Writes digest.md / .html (/ .pdf /
        .json) into --out and prints the top stories.
        """
        from svodka.digest.compose import build_digest, build_fresh_digest, post_languages, save_digest
        from svodka.digest.deliver import (
            BotSettings,
            SmtpSettings,
            render_all,
            send_email,
            send_telegram,
            write_files,
        )
        from svodka.digest.model import DigestQuery
        from svodka.digest.period import resolve_period
        from svodka.digest.render import render_text
        from svodka.scheduled import digest_options

        s = app.settings
        language = check_language(language or s["digest.language"], "digest.language")
        tz_setting = tz or s["display.tz"]
        tz = display_tz(tz_setting, language)  # auto language: the zone once the posts have said (below)
        top = top or s["digest.top"]
        kinds = _formats(formats, s["digest.formats"])
        probe = DigestQuery(
            datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 2, tzinfo=UTC), topic, group, lang, top, tz
        )
        store = app.store
        last = store.digests.last(probe.kind)
        now = _newest(store) if latest else datetime.now(UTC)
        span = since or (None if date_from or date_to else s["digest.since"])
        previous_end = last.until if last else None
        start, until = resolve_period(span, date_from, date_to, tz, now, previous_end)
        if language == AUTO and tz_setting == AUTO and (date_from or date_to):
            # a date is read in the zone of the language the period's posts are in
            language = pick_language(AUTO, post_languages(store, start, until))
            tz = display_tz(tz_setting, language)
            start, until = resolve_period(span, date_from, date_to, tz, now, previous_end)
        elif language == AUTO and tz_setting == AUTO:
            tz = AUTO  # settled with the language by the digest's posts
        query = DigestQuery(start, until, topic, group, lang, top, tz, language=language)
        options = digest_options(s)
        with progress(total=top, desc="digest", unit="story") as advance:
            build = build_fresh_digest if fresh else build_digest
            result = build(store, query, options, on_progress=advance)
        if not no_save:
            result = save_digest(store, result)
        rendered = render_all(result, kinds)
        paths = write_files(rendered, out_dir or s["digest.out"])
        if emails:
            send_email(result, list(emails), SmtpSettings.from_settings(s), attach=rendered)
            click.echo(f"e-mailed to {', '.join(emails)}", err=True)
        if chat:
            n = send_telegram(
                result,
                chat,
                BotSettings.from_settings(s),
            )
            click.echo(f"sent to Telegram chat {chat} in {n} message(s)", err=True)
        click.echo(render_text(result, sentences=sentences))
        click.echo("\nwritten: " + ", ".join(str(p) for p in paths), err=True)


def _newest(store: Store) -> datetime:
    """The date of the newest stored post (one second past it, so the period includes it)."""
    last = [s.last for s in store.channels.stats() if s.last is not None]
    if not last:
        raise ConfigError("the store has no posts yet: import or collect some first")
    return max(last) + timedelta(seconds=1)


def display_zone(app: App) -> str:
    """The zone the CLI prints times in: ``display.tz``; ``auto`` by ``digest.language``, and when that is
    ``auto`` too, by the language of the newest day's posts (a Russian store: Moscow)."""
    s = app.settings
    setting, language = s["display.tz"], s["digest.language"]
    if setting == AUTO and language == AUTO:
        from svodka.digest.compose import post_languages

        last = [c.last for c in app.store.channels.stats() if c.last is not None]
        newest = max(last) + timedelta(seconds=1) if last else None
        sample = post_languages(app.store, newest - timedelta(days=1), newest) if newest else []
        language = pick_language(AUTO, sample)
    return display_tz(setting, language)


def as_of_line(at: datetime, basis: str, tz: str) -> str:
    """«as of 2024-12-02 23:59 MSK (newest post)»: an archive's "now", in the display zone."""
    from svodka.digest.schema import zone

    local = at.astimezone(zone(tz))
    return f"as of {local:%Y-%m-%d %H:%M} {zone_label(local, 'en')} ({basis})"


def register_credibility(cli: click.Group) -> None:
    @command(cli, "credibility")
    @click.option("--days", type=float, help="Days of stories to learn from [setting digest.history_days].")
    @click.option("--as-of", "as_of", help=AS_OF_HELP)
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def credibility(app: App, days: float | None, as_of: str | None, as_json: bool) -> None:
        """Each channel's credibility and why: its tier and its record over recent stories — how often
        independent channels corroborate it, how often it is first, how often it copies."""
        from svodka.cli.app import echo_json
        from svodka.digest.compose import load_stories
        from svodka.pipeline.credibility import learn_records
        from svodka.pipeline.networks import membership

        span = timedelta(days=days or app.settings["digest.history_days"])
        now = store_now(app.store, span, parse_as_of(as_of, "--as-of"))
        if not now.is_live:
            click.echo(as_of_line(now.at, now.basis, display_zone(app)), err=True)
        stories = load_stories(app.store, now.at - span, now.at)
        networks = membership(app.store.networks.list())
        records = learn_records(stories, {c.id: c for c in app.store.channels.list()}, None, networks)
        rows = sorted(records.values(), key=lambda r: (-r.score, r.name))
        if as_json:
            echo_json(
                [
                    {
                        "channel": r.name,
                        "score": r.score,
                        "tier": r.tier,
                        "stories": r.stories,
                        "corroborated": r.corroborated,
                        "first": r.first,
                        "shared_stories": r.multi,
                        "posts": r.posts,
                        "copies": r.copies,
                        "why": r.explain(),
                    }
                    for r in rows
                ]
            )
            return
        for r in rows:
            click.echo(r.explain())
