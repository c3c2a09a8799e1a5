"""`svodka corrections …`: analysts' corrections of the stories, kept with who and when, undoable, honoured
by later `svodka process` runs (svodka.process.corrections)."""

from __future__ import annotations

import getpass

import click

from svodka.cli.app import App, command, echo_json
from svodka.model import Correction


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return "cli"


_USER = click.option("--user", "user", default=_user, show_default="the login name", help="Who decided.")


def _done(c: Correction) -> None:
    from svodka.pipeline.corrections import describe

    click.echo(f"correction {c.id}: {describe(c)} (undo: svodka corrections undo {c.id})")


def register(cli: click.Group) -> None:
    @cli.group("corrections")
    def corrections_() -> None:
        """Analysts' corrections of the stories: each is kept with who and when, later `svodka process`
        runs honour it (a moved post stays moved, a split story is not joined again), `undo` gives back
        the pipeline's own decision."""

    @command(corrections_, "merge")
    @click.argument("a", type=int)
    @click.argument("b", type=int)
    @_USER
    def merge(app: App, a: int, b: int, user: str) -> None:
        """Stories A and B as one story (the older id stays)."""
        from svodka.process.corrections import merge_stories

        _done(merge_stories(app.store, a, b, user))

    @command(corrections_, "move")
    @click.argument("post", type=int)
    @click.argument("story", type=int)
    @_USER
    def move(app: App, post: int, story: int, user: str) -> None:
        """Post POST (its id in the store) into story STORY."""
        from svodka.process.corrections import move_post

        _done(move_post(app.store, post, story, user))

    @command(corrections_, "detach")
    @click.argument("post", type=int)
    @_USER
    def detach(app: App, post: int, user: str) -> None:
        """Post POST out of its story, into a story of its own."""
        from svodka.process.corrections import detach_post

        _done(detach_post(app.store, post, user))

    @command(corrections_, "split")
    @click.argument("story", type=int)
    @click.argument("development", type=int)
    @_USER
    def split(app: App, story: int, development: int, user: str) -> None:
        """Story STORY in two: DEVELOPMENT and the later developments become a story of their own
        (`svodka story ID` lists a story's developments)."""
        from svodka.process.corrections import split_story

        _done(split_story(app.store, story, development, user))

    @command(corrections_, "not-news")
    @click.argument("kind", type=click.Choice(["story", "post"]))
    @click.argument("ref", metavar="ID", type=int)
    @_USER
    def not_news(app: App, kind: str, ref: int, user: str) -> None:
        """A story or a post is not news: the digests leave it out until the correction is undone."""
        from svodka.process.corrections import mark_not_news

        _done(mark_not_news(app.store, kind, ref, user))

    @command(corrections_, "undo")
    @click.argument("correction_id", metavar="ID", type=int)
    @_USER
    def undo(app: App, correction_id: int, user: str) -> None:
        """Undo correction ID: the placement it changed goes back to the pipeline's own."""
        from svodka.pipeline.corrections import describe
        from svodka.process.corrections import undo as undo_

        c = undo_(app.store, correction_id, user)
        click.echo(f"correction {c.id} undone: {describe(c)}")

    @command(corrections_, "list")
    @click.option("--limit", type=int, default=200, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, limit: int, as_json: bool) -> None:
        """The corrections log, newest first (undone ones marked)."""
        from svodka.pipeline.corrections import as_dict, describe

        rows = app.store.corrections.list(limit)
        if as_json:
            echo_json([as_dict(c) for c in rows])
            return
        for c in rows:
            undone = f"  [undone {c.undone_at:%Y-%m-%d %H:%M} by {c.undone_by}]" if c.undone_at else ""
            click.echo(f"{c.id:>5}  {c.at:%Y-%m-%d %H:%M}  {c.user:<12} {describe(c)}{undone}")
        if not rows:
            click.echo("no corrections yet")

    @command(corrections_, "export")
    @click.argument("path", type=click.Path(file_okay=False))
    def export(app: App, path: str) -> None:
        """The corrected stories in the gold layout of stories_dev (posts_corrections.jsonl,
        stories_corrections.jsonl) into folder PATH: `svodka eval stories PATH` then scores the pipeline
        against the team's own decisions."""
        from svodka.process.corrections import export_gold

        done = export_gold(app.store, path)
        click.echo(f"{done.posts} posts of {done.stories} stories ({done.noise} not news) written to {path}")
