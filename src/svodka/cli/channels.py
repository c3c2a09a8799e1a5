"""`svodka channels …`: the channels and feeds svodka reads."""

from __future__ import annotations

from pathlib import Path

import click

from svodka.cli.app import App, command, echo_json
from svodka.collect.registry import channel_named, parse_channel
from svodka.errors import InputError
from svodka.model import Channel


def _line(c: Channel) -> str:
    groups = ",".join(c.groups) or "-"
    state = "" if c.active else "  (inactive)"
    title = f"  {c.title}" if c.title and c.title != c.handle else ""
    return f"{c.id:>5}  {c.name:<28} tier {c.tier}  groups {groups}{title}{state}"


def register(cli: click.Group) -> None:
    @cli.group("channels")
    def channels() -> None:
        """List, add and remove channels; set their credibility tier and groups."""

    @command(channels, "list")
    @click.option("--group", help="Only channels in this group.")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, group: str | None, as_json: bool) -> None:
        """List channels: id, name, tier, groups."""
        rows = app.store.channels.list(group=group)
        if as_json:
            echo_json([c.as_dict() for c in rows])
            return
        for c in rows:
            click.echo(_line(c))
        if not rows:
            click.echo("no channels yet: `svodka channels add @name` or `svodka import FILE`", err=True)

    @command(channels, "add")
    @click.argument("identifiers", nargs=-1)
    @click.option(
        "--file",
        "list_file",
        type=click.Path(exists=True, dir_okay=False),
        help="A file with one channel per line (# comments allowed).",
    )
    @click.option("--group", "groups", multiple=True, help="Put the channels in this group (repeatable).")
    @click.option("--tier", type=click.IntRange(0, 5), help="Credibility tier: 1 most credible … 5 least.")
    def add(
        app: App,
        identifiers: tuple[str, ...],
        list_file: str | None,
        groups: tuple[str, ...],
        tier: int | None,
    ) -> None:
        """Add channels: @name, name, t.me/name, t.me/s/name, https://telegram.me/name, -100… ids, feed URLs,
        and whatever else an installed source reads (entry points `svodka.sources`).

        Put `--` before a -100… id so it is not read as an option: `svodka channels add -- -1001234567890`.
        """
        items = list(identifiers)
        if list_file:
            for line in Path(list_file).read_text(encoding="utf-8").splitlines():
                line = line.split("#", 1)[0].strip()
                if line:
                    items.append(line)
        if not items:
            raise click.UsageError("name at least one channel, or --file")
        bad = 0
        for item in items:
            try:
                ref = parse_channel(item)
            except InputError as e:
                click.echo(f"error: {e.reason}", err=True)
                bad += 1
                continue
            click.echo("added " + _line(app.store.channels.add(ref, tier=tier, groups=groups)))
        if bad:
            raise click.exceptions.Exit(1)

    @command(channels, "remove")
    @click.argument("name")
    @click.option(
        "--keep-posts", is_flag=True, help="Keep the stored posts; only stop following the channel."
    )
    @click.option("--yes", is_flag=True, help="Do not ask before deleting the channel's posts.")
    def remove(app: App, name: str, keep_posts: bool, yes: bool) -> None:
        """Stop following a channel (and, unless --keep-posts, delete its stored posts)."""
        channel = channel_named(app.store.channels, name)
        if not keep_posts and not yes:
            click.confirm(f"Delete {channel.name} and all its stored posts?", abort=True)
        app.store.channels.remove(channel.id, keep_posts=keep_posts)
        click.echo(f"removed {channel.name}" + (" (posts kept)" if keep_posts else ""))

    @command(channels, "set-tier")
    @click.argument("name")
    @click.argument("tier", type=click.IntRange(0, 5))
    def set_tier(app: App, name: str, tier: int) -> None:
        """Set a channel's credibility tier: 1 most credible … 5 least, 0 unknown."""
        click.echo(_line(app.store.channels.set_tier(channel_named(app.store.channels, name).id, tier)))

    @command(channels, "set-group")
    @click.argument("name")
    @click.argument("groups", nargs=-1, required=True)
    @click.option("--add", is_flag=True, help="Add to the channel's groups instead of replacing them.")
    def set_group(app: App, name: str, groups: tuple[str, ...], add: bool) -> None:
        """Put a channel in one or more groups (replacing its groups unless --add)."""
        channel = channel_named(app.store.channels, name)
        click.echo(_line(app.store.channels.set_groups(channel.id, groups, add=add)))

    @command(channels, "set-handle")
    @click.argument("name")
    @click.argument("handle")
    def set_handle(app: App, name: str, handle: str) -> None:
        """Set a channel's public handle (@name or t.me/name), so its posts link to t.me/<handle>/<post>.
        A channel added as @handle beside the imported one is merged into it, posts kept."""
        ref = parse_channel(handle)
        if not ref.handle or ref.ext_id is not None:
            raise InputError("<handle>", f"{handle!r} is not a channel handle: write @name or t.me/name")
        channel = channel_named(app.store.channels, name)
        click.echo(_line(app.store.channels.set_handle(channel.id, ref.handle)))

    @command(channels, "learn-handles")
    def learn_handles(app: App) -> None:
        """Learn the handles of channels imported without one from their recent posts: forwards that name
        them, their own footers (@name, t.me/name) when repeated, links to their posts (t.me/name/123 where
        the channel holds post 123 and the link's words are its words) in two posts or more, and their
        title beside a handle in two posts or more (`svodka process` does this too)."""
        from svodka.pipeline.handles import learn_store_handles

        learned = learn_store_handles(app.store.channels, app.store.posts)
        for h in learned:
            click.echo(f"{_line(app.store.channels.by_id(h.channel_id))}  ({h.evidence})")
        click.echo(f"{len(learned)} handle(s) learned", err=True)

    @command(channels, "merge")
    @click.argument("keep")
    @click.argument("drop")
    def merge(app: App, keep: str, drop: str) -> None:
        """Make two stored channels one: DROP's posts, groups and collection state move to KEEP."""
        a, b = channel_named(app.store.channels, keep), channel_named(app.store.channels, drop)
        click.echo("merged " + _line(app.store.channels.merge(a.id, b.id)))
