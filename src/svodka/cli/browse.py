"""`svodka search` and `svodka stats`: read what is stored."""

from __future__ import annotations

from datetime import UTC, datetime

import click

from svodka.cli.app import App, command, echo_json
from svodka.collect.registry import channel_named
from svodka.errors import ConfigError

AS_OF_HELP = (
    "Count back from this time (YYYY-MM-DD: its end, or YYYY-MM-DDTHH:MM, UTC); by default from now, or "
    "from the newest stored post when nothing was posted in the window (an imported archive)."
)


def _day(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d") if dt else "-"


def register(cli: click.Group) -> None:
    @command(cli, "search")
    @click.argument("query", nargs=-1, required=True)
    @click.option("--limit", default=20, show_default=True, help="How many posts to show.")
    @click.option("--offset", default=0, help="Skip this many (paging).")
    @click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
    @click.option("--group", help="Only channels of this group.")
    @click.option("--since", help="Only posts of the last 24h / 7d / 90m ….")
    @click.option("--lang", help="Only posts in this language (ru, uk, en, …; known after `svodka process`).")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def search(
        app: App,
        query: tuple[str, ...],
        limit: int,
        offset: int,
        channels: tuple[str, ...],
        group: str | None,
        since: str | None,
        lang: str | None,
        as_json: bool,
    ) -> None:
        """Full-text search over posts, in any inflection (Russian and English): `svodka search выборы`.

        Every word must occur; "quoted words" must occur as a phrase; a OR b; NOT x; prefix*; brackets
        (a -word goes after `--`: `svodka search -- выборы -москва`). Relevance ranks the newest
        10,000 matches (after the filters); narrow by date or channel to reach further back.
        """
        from svodka.digest.period import parse_span

        ids: list[int] | None = [channel_named(app.store.channels, c).id for c in channels] or None
        if group:
            in_group = [c.id for c in app.store.channels.list(group=group)]
            if not in_group:
                raise ConfigError(f"no channel is in group {group!r} (see `svodka channels list`)")
            ids = [i for i in ids if i in in_group] if ids else in_group
        start = datetime.now(UTC) - parse_span(since) if since else None
        hits = app.store.posts.search(
            " ".join(query), limit=limit, offset=offset, channel_ids=ids, since=start, language=lang
        )
        if as_json:
            echo_json(
                [
                    {
                        "id": h.post.id,
                        "channel": h.post.channel,
                        "message_id": h.post.message_id,
                        "date": h.post.date.isoformat(),
                        "url": h.post.url,
                        "snippet": h.snippet,
                        "rank": h.rank,
                    }
                    for h in hits
                ]
            )
            return
        for h in hits:
            snippet = h.snippet.replace("\n", " ")
            click.echo(f"{h.post.date:%Y-%m-%d %H:%M}  {h.post.channel}  {h.post.url or ''}\n    {snippet}")
        if not hits:
            click.echo("no posts match", err=True)

    @command(cli, "stats")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def stats(app: App, as_json: bool) -> None:
        """Per channel: posts stored, date range, edits kept, deletions seen."""
        rows = app.store.channels.stats()
        if as_json:
            echo_json(
                [
                    {
                        "channel": s.channel.name,
                        "id": s.channel.id,
                        "title": s.channel.title,
                        "posts": s.posts,
                        "first": s.first,
                        "last": s.last,
                        "edits": s.edits,
                        "deletions": s.deletions,
                    }
                    for s in rows
                ]
            )
            return
        click.echo(f"{'channel':<30} {'posts':>8}  {'first':<10}  {'last':<10}  {'edits':>6}  {'deleted':>7}")
        for s in rows:
            click.echo(
                f"{s.channel.name[:30]:<30} {s.posts:>8}  {_day(s.first):<10}  {_day(s.last):<10}  "
                f"{s.edits:>6}  {s.deletions:>7}"
            )
        click.echo(f"{'total':<30} {sum(s.posts for s in rows):>8}")
