"""`svodka channels networks …`: channels run as one network, their evidence, and the user's decisions."""

from __future__ import annotations

from collections.abc import Mapping

import click

from svodka.cli.app import App, command, common_options, echo_json
from svodka.collect.registry import channel_named
from svodka.model import Network, PairEvidence
from svodka.pipeline.networks import network_dict


def _delay(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _pair(e: PairEvidence, names: Mapping[int, str]) -> str:
    links = f"; shared links {', '.join(e.links[:4])}{' …' if len(e.links) > 4 else ''}" if e.links else ""
    fwd = f" ({e.forwards} forwards)" if e.forwards else ""
    return (
        f"    {names.get(e.a, e.a)} ↔ {names.get(e.b, e.b)}: {e.texts} shared texts{fwd}, "
        f"median delay {_delay(e.median_delay_s)}{links}"
    )


def _lines(n: Network, names: Mapping[int, str]) -> list[str]:
    head = f"{n.id:>4}  {n.name}  [{n.state}]  {len(n.channels)} channels: " + ", ".join(
        names.get(c, f"#{c}") for c in n.channels
    )
    return [head, *(_pair(e, names) for e in n.evidence)]


def register(cli: click.Group) -> None:
    channels = cli.commands.get("channels")
    if not isinstance(channels, click.Group):  # registered by svodka.cli.channels, listed before this module
        raise RuntimeError("svodka.cli.networks needs the `channels` group of svodka.cli.channels")

    eval_ = cli.commands.get("eval")
    if not isinstance(eval_, click.Group):  # registered by svodka.cli.process, listed before this module
        raise RuntimeError("svodka.cli.networks needs the `eval` group of svodka.cli.process")

    @command(eval_, "networks")
    @click.argument("posts", type=click.Path(dir_okay=False, exists=True))
    @click.option(
        "--gold",
        type=click.Path(dir_okay=False, exists=True),
        required=True,
        help="Networks drawn up by reading (e.g. tests/data/networks_tg_ru_news_2024.json).",
    )
    def eval_networks(app: App, posts: str, gold: str) -> None:
        """Precision and recall over channel pairs of the networks found in POSTS (a file `svodka import`
        reads, e.g. ../shared/data/tg_ru_news_2024/posts.jsonl) against GOLD."""
        from svodka.evaluate.networks import evaluate_networks

        check = evaluate_networks(posts, gold, app.settings)
        for name, members in check.networks:
            click.echo(f"{name}: {', '.join(members)}")
        click.echo(check.row())

    @channels.group("networks", invoke_without_command=True)
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @common_options
    @click.pass_context
    def networks(ctx: click.Context, as_json: bool) -> None:
        """Channels run as one network (found from shared texts, promo links and same-minute posting, or
        declared), with the evidence; a network counts as one independent source. Subcommands record
        your decisions (confirm, dismiss, rename, split, declare); `rebuild` reads every stored post."""
        if ctx.invoked_subcommand is not None:
            return
        app = ctx.ensure_object(App)
        names = {c.id: c.name for c in app.store.channels.list()}
        rows = app.store.networks.list()
        if as_json:
            echo_json([network_dict(n, names) for n in rows])
            return
        for n in rows:
            click.echo("\n".join(_lines(n, names)))
        if not rows:
            click.echo("no networks yet: `svodka process` (or `svodka channels networks rebuild`)", err=True)

    def show(app: App, n: Network) -> None:
        names = {c.id: c.name for c in app.store.channels.list()}
        click.echo("\n".join(_lines(n, names)))

    @command(networks, "confirm")
    @click.argument("network_id", type=int)
    def confirm(app: App, network_id: int) -> None:
        """Confirm a network: its members stay as they are, whatever later evidence says."""
        show(app, app.store.networks.set_state(network_id, "confirmed"))

    @command(networks, "dismiss")
    @click.argument("network_id", type=int)
    def dismiss(app: App, network_id: int) -> None:
        """Not a network: its channels count as independent sources again (and it is not proposed again)."""
        show(app, app.store.networks.set_state(network_id, "dismissed"))

    @command(networks, "rename")
    @click.argument("network_id", type=int)
    @click.argument("name")
    def rename(app: App, network_id: int, name: str) -> None:
        """Give a network a name (a proposed network is confirmed by it)."""
        show(app, app.store.networks.rename(network_id, name))

    @command(networks, "split")
    @click.argument("network_id", type=int)
    @click.argument("channels_out", metavar="CHANNEL...", nargs=-1, required=True)
    def split(app: App, network_id: int, channels_out: tuple[str, ...]) -> None:
        """Take CHANNELs out of a network (into one of their own when two or more): they are never linked
        with the channels that stay again."""
        ids = [channel_named(app.store.channels, c).id for c in channels_out]
        show(app, app.store.networks.split(network_id, ids))

    @command(networks, "declare")
    @click.argument("name")
    @click.argument("members", metavar="CHANNEL...", nargs=-1, required=True)
    def declare(app: App, name: str, members: tuple[str, ...]) -> None:
        """Declare a network you know of: CHANNELs (two or more) count as one source from now on."""
        ids = [channel_named(app.store.channels, c).id for c in members]
        show(app, app.store.networks.declare(name, ids))

    @command(networks, "rebuild")
    def rebuild(app: App) -> None:
        """Rebuild the evidence from every stored post (normalise, ads, copies; no embeddings) and find the
        networks again: for a store processed before networks were kept, or only imported."""
        from svodka.process.networks import rebuild_networks

        found = rebuild_networks(app.store, app.settings)
        names = {c.id: c.name for c in app.store.channels.list()}
        for n in found:
            click.echo("\n".join(_lines(n, names)))
        click.echo(f"{len(found)} network(s)", err=True)
