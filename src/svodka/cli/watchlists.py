"""`svodka watchlists add|list|remove|test`: named queries that raise alerts (svodka.monitor)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from itertools import islice
from typing import TYPE_CHECKING

import click

from svodka.cli.app import App, command, echo_json
from svodka.errors import ConfigError, NotFoundError

if TYPE_CHECKING:
    from svodka.monitor.watchlist import Watchlist

# svodka.monitor is imported by the commands, not here: every `svodka` command starts without it


def _lists(app: App) -> list[Watchlist]:
    from svodka.monitor.config import load_watchlists

    return load_watchlists(app.store, app.settings)


def _find(app: App, name: str) -> Watchlist:
    for w in _lists(app):
        if w.name == name:
            return w
    raise NotFoundError(f"no watchlist {name!r} (see `svodka watchlists list`)")


def register(cli: click.Group) -> None:
    @cli.group("watchlists")
    def watchlists() -> None:
        """Named queries watched in every new post and story; their rules raise alerts (`svodka alerts`)."""

    @command(watchlists, "add")
    @click.argument("name")
    @click.argument("query", nargs=-1)
    @click.option("--group", "groups", multiple=True, help="Only channels of this group (repeatable).")
    @click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
    @click.option("--lang", "languages", multiple=True, help="Only posts in this language (repeatable).")
    @click.option("--topic", "topics", multiple=True, help="Only stories of this topic (repeatable).")
    @click.option(
        "--rule",
        "rules",
        multiple=True,
        help="post, sources>=N, spike[>=K], tier<=T, edits (repeatable; default: post).",
    )
    @click.option("--target", "targets_", multiple=True, help="An [[alerts.targets]] name (repeatable).")
    def add(
        app: App,
        name: str,
        query: tuple[str, ...],
        groups: tuple[str, ...],
        channels: tuple[str, ...],
        languages: tuple[str, ...],
        topics: tuple[str, ...],
        rules: tuple[str, ...],
        targets_: tuple[str, ...],
    ) -> None:
        """Add a watchlist: NAME, then its query — words (any inflection), "exact phrases", AND, OR, NOT,
        -minus words; a word written with a capital letter is a name and matches its Russian cases
        («Песков»: Пескова, Пескову, Песковым).

        \b
          svodka watchlists add peskov 'Песков -футбол' --rule post --rule 'sources>=3' --target desk
          svodka watchlists add cbr '"ключевая ставка" OR ЦБ' --group news --rule spike
        """
        from svodka.monitor.config import targets
        from svodka.monitor.watchlist import watchlist

        w = watchlist(
            {
                "name": name,
                "query": " ".join(query),
                "groups": list(groups),
                "channels": list(channels),
                "languages": list(languages),
                "topics": list(topics),
                "rules": list(rules) or ["post"],
                "targets": list(targets_),
            }
        )
        known = targets(app.settings)
        missing = [t for t in w.targets if t not in known]
        if missing:
            raise ConfigError(
                f"no alert target named {', '.join(missing)}: add it to [[alerts.targets]] first"
            )
        if any(x.name == name for x in _lists(app)):
            raise ConfigError(f"watchlist {name!r} exists already (remove it first, or change svodka.toml)")
        app.store.watchlists.add(w.name, w.spec())
        click.echo(f"added watchlist {w.name}: {w.describe()}")

    @command(watchlists, "list")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, as_json: bool) -> None:
        """Every watchlist: those of svodka.toml and those added here."""
        lists = _lists(app)
        if as_json:
            echo_json([{"name": w.name, "origin": w.origin, **json.loads(w.spec())} for w in lists])
            return
        for w in lists:
            click.echo(f"{w.name:<24} {w.describe()}" + ("  (svodka.toml)" if w.origin == "config" else ""))
        if not lists:
            click.echo("no watchlists yet: `svodka watchlists add NAME QUERY` or [[watchlists]]", err=True)

    @command(watchlists, "remove")
    @click.argument("name")
    def remove(app: App, name: str) -> None:
        """Remove a watchlist added here (one of svodka.toml is removed there); its alerts stay."""
        if not app.store.watchlists.remove(name):
            w = _find(app, name)
            raise ConfigError(f"watchlist {w.name!r} is defined in svodka.toml: remove it there")
        click.echo(f"removed watchlist {name}")

    @command(watchlists, "test")
    @click.argument("name")
    @click.option(
        "--since", default="7d", show_default=True, help="Look at the posts of the last 24h / 7d …."
    )
    @click.option("--limit", default=20, show_default=True, help="How many matches to show.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def test(app: App, name: str, since: str, limit: int, as_json: bool) -> None:
        """Show what a watchlist would have matched in the stored posts of a period (nothing is sent)."""
        from svodka.monitor.match import Matcher
        from svodka.monitor.rules import post_facts

        w = _find(app, name)
        from svodka.digest.period import parse_span

        start = datetime.now(UTC) - parse_span(since)
        store = app.store
        matcher = Matcher([w], store.channels.list())
        need_language = bool(w.languages)
        seen = matched = 0
        shown: list[dict[str, object]] = []
        posts = store.posts.iter(since=start, include_deleted=False)
        while chunk := list(islice(posts, 1000)):
            seen += len(chunk)
            langs = store.analysis.get_many([p.id for p in chunk]) if need_language else {}
            for post in chunk:
                analysis = langs.get(post.id)
                facts = post_facts(post, analysis.language if analysis else None, need_language)
                if not matcher.match(facts):
                    continue
                matched += 1
                if len(shown) < limit:
                    shown.append(
                        {
                            "post_id": post.id,
                            "date": post.date.isoformat(),
                            "channel": post.channel,
                            "text": " ".join(post.text.split())[:160],
                            "url": post.url,
                        }
                    )
        if as_json:
            echo_json({"watchlist": w.name, "posts": seen, "matched": matched, "matches": shown})
            return
        for m in shown:
            click.echo(f"{m['post_id']:>8}  {str(m['date'])[:16]}  {str(m['channel'])[:20]:<20}  {m['text']}")
        click.echo(f"{w.name}: {matched} of {seen} posts since {start:%Y-%m-%d %H:%M} UTC matched", err=True)
