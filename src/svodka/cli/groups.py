"""`svodka channels suggest-groups` and `accept-group`: groups proposed from co-coverage (channels that keep
covering the same stories, :func:`svodka.pipeline.coverage.suggest_groups`), named and accepted by the user;
nothing is grouped without them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click

from svodka.cli.app import App, command, echo_json
from svodka.collect.registry import channel_named
from svodka.model import Channel
from svodka.pipeline.coverage import SuggestedGroup, SuggestOptions, suggest_groups

_DEFAULT = SuggestOptions()
_ALL = (datetime(1970, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


def _suggestion(n: int, g: SuggestedGroup, chans: dict[int, Channel]) -> dict[str, Any]:
    members = [chans[c] for c in g.channel_ids if c in chans]
    return {
        "n": n,
        "cohesion": g.cohesion,
        "shared_stories": g.shared,
        "stories": g.stories,
        "channels": [
            {"id": c.id, "name": c.name, "title": c.title, "groups": list(c.groups)} for c in members
        ],
        "accept": "svodka channels accept-group NAME " + " ".join(str(c.id) for c in members),
    }


def register(cli: click.Group) -> None:
    channels = cli.commands.get("channels")
    if not isinstance(channels, click.Group):  # registered by svodka.cli.channels, listed before this module
        raise RuntimeError("svodka.cli.groups needs the `channels` group of svodka.cli.channels")

    @command(channels, "suggest-groups")
    @click.option(
        "--min-stories",
        type=click.IntRange(1),
        default=_DEFAULT.min_stories,
        show_default=True,
        help="Leave out channels in fewer stories shared with another channel.",
    )
    @click.option(
        "--min-jaccard",
        type=click.FloatRange(0, 1),
        default=_DEFAULT.min_jaccard,
        show_default=True,
        help="Mean co-coverage (Jaccard of story sets) a group needs.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def suggest(app: App, min_stories: int, min_jaccard: float, as_json: bool) -> None:
        """Suggest channel groups: channels that keep covering the same stories (the Jaccard of their sets of
        stories, clustered by average linkage), best-knit first, with their members and current groups. Name
        one and accept it with `svodka channels accept-group NAME CHANNEL…`; nothing is grouped until then."""
        stories = app.store.stories.in_period(*_ALL)
        opt = SuggestOptions(min_stories=min_stories, min_jaccard=min_jaccard)
        found = suggest_groups((s.channels for s in stories), opt)
        chans = {c.id: c for c in app.store.channels.list()}
        rows = [_suggestion(n, g, chans) for n, g in enumerate(found, 1)]
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            click.echo(
                f"{r['n']:>3}. cohesion {r['cohesion']:.2f} · {len(r['channels'])} channels · "
                f"{r['shared_stories']} of {r['stories']} stories carried by two or more of them"
            )
            for c in r["channels"]:
                groups = f"  (groups {','.join(c['groups'])})" if c["groups"] else ""
                title = f"  {c['title']}" if c["title"] and c["title"] != c["name"] else ""
                click.echo(f"       {c['id']:>5}  {c['name']}{title}{groups}")
            click.echo(f"       accept: {r['accept']}")
        click.echo(f"{len(rows)} group(s) suggested from {len(stories)} stories", err=True)

    @command(channels, "accept-group")
    @click.argument("name")
    @click.argument("members", nargs=-1, required=True)
    def accept(app: App, name: str, members: tuple[str, ...]) -> None:
        """Put the channels MEMBERS (names, @handles or numbers, as `suggest-groups` lists them) in the group
        NAME, keeping the groups they are already in."""
        found = [channel_named(app.store.channels, m) for m in members]  # all named before any is changed
        for c in found:
            c = app.store.channels.set_groups(c.id, [name], add=True)
            click.echo(f"{c.id:>5}  {c.name:<28} groups {','.join(c.groups)}")
