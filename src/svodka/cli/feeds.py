"""`svodka feeds add|list|revoke`: RSS and Atom feeds behind a revocable secret in their URL
(svodka.monitor.feeds; the web app serves them at /feeds/rss/… and /feeds/atom/…)."""

from __future__ import annotations

import click

from svodka.cli.app import App, command, echo_json
from svodka.errors import NotFoundError

# svodka.monitor.feeds (and feedgen) is imported by the commands, not here: `svodka` starts without them


def register(cli: click.Group) -> None:
    @cli.group("feeds")
    def feeds_() -> None:
        """RSS/Atom feeds of digests, stories and watchlist matches, each URL with its own secret."""

    @command(feeds_, "add")
    @click.argument("kind", type=click.Choice(["digest", "stories", "watchlist"]))
    @click.argument("name", required=False, default="")
    @click.option("--group", help="stories: only stories with a channel of this group.")
    @click.option("--topic", help="stories: only stories of this topic.")
    @click.option("--lang", "language", help="stories: only stories with posts in this language.")
    @click.option("--user", "username", help="The account it belongs to (its account page lists it).")
    @click.option("--label", default="", help="What it is for (shown in the lists).")
    def add(
        app: App,
        kind: str,
        name: str,
        group: str | None,
        topic: str | None,
        language: str | None,
        username: str | None,
        label: str,
    ) -> None:
        """Make a feed and print its address (shown only now: the store keeps the secret's hash).

        \b
          svodka feeds add digest morning          the digests of job «morning» (no NAME: every digest)
          svodka feeds add stories --group news --lang ru
          svodka feeds add watchlist peskov --user anna
        """
        from svodka.monitor import feeds
        from svodka.monitor.config import load_watchlists

        spec = feeds.FeedSpec(kind, name, group, topic, language)
        user = app.store.users.get(username) if username else None
        if kind == "watchlist" and name not in {w.name for w in load_watchlists(app.store, app.settings)}:
            raise NotFoundError(f"no watchlist {name!r} (see `svodka watchlists list`)")
        secret, token = feeds.create(app.store, spec, label, user.id if user else None)
        base = str(app.settings["web.public_url"]).rstrip("/")
        click.echo(f"feed {token.id}: {spec.describe()}")
        for fmt in feeds.FORMATS:
            click.echo(f"  {fmt:<5} {base}{feeds.path(secret, fmt)}")
        if not base:
            click.echo("(addresses under the web app's; set web.public_url to print them whole)", err=True)

    @command(feeds_, "list")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, as_json: bool) -> None:
        """Every feed (never its secret): what it shows, its owner, when last read, revoked or not."""
        from svodka.monitor.feeds import spec_of

        names = {u.id: u.username for u in app.store.users.list()}
        rows = [
            {
                "id": t.id,
                "kind": t.kind,
                "shows": spec_of(t).describe(),
                "name": t.name,
                "user": names.get(t.user_id) if t.user_id is not None else None,
                "created_at": t.created_at.isoformat(),
                "last_used": t.last_used.isoformat() if t.last_used else None,
                "revoked": t.revoked_at is not None,
            }
            for t in app.store.feeds.list()
        ]
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            state = "revoked" if r["revoked"] else f"last read {str(r['last_used'] or 'never')[:16]}"
            click.echo(f"{r['id']:>4}  {r['shows']:<40} {r['user'] or '-':<12} {state}")
        if not rows:
            click.echo("no feeds yet: `svodka feeds add digest|stories|watchlist`", err=True)

    @command(feeds_, "revoke")
    @click.argument("feed_id", type=int)
    def revoke(app: App, feed_id: int) -> None:
        """Revoke a feed: its address answers 404 from now on."""
        if not app.store.feeds.revoke(feed_id):
            raise NotFoundError(f"no feed {feed_id} to revoke (see `svodka feeds list`)")
        click.echo(f"revoked feed {feed_id}")
