"""`svodka alerts run|status|list|retry`: the alerts watchlists raise, and their outbox (svodka.monitor)."""

from __future__ import annotations

import json
from datetime import datetime

import click

from svodka.cli.app import App, command, echo_json
from svodka.store.base import Store


def _when(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S") if dt else "-"


def outbox_lines(store: Store) -> list[str]:
    """The outbox per target, and the dead letters: for `svodka alerts status` and `svodka status`."""
    rows = store.alerts.outbox()
    if not rows:
        return []
    lines = [f"{'alert target':<32} {'last sent':<19}  {'pending':>7}  {'sent':>6}  {'dead':>5}"]
    for r in rows:
        lines.append(f"{r.target:<32} {_when(r.last_sent):<19}  {r.pending:>7}  {r.sent:>6}  {r.dead:>5}")
        if r.last_error and (r.pending or r.dead):
            lines.append(f"{'':<32} last error: {r.last_error}")
    dead = store.alerts.dead()
    if dead:
        lines.append(f"dead letters ({len(dead)} newest; `svodka alerts retry` sends them again):")
        for d in dead:
            title = json.loads(d.payload).get("title", "")
            lines.append(
                f"  #{d.id} alert {d.alert_id} to {d.target}, {d.attempts} attempts: {d.last_error}; "
                f"{title[:60]}"
            )
    return lines


def register(cli: click.Group) -> None:
    @cli.group("alerts")
    def alerts() -> None:
        """Alerts of the watchlists (`svodka watchlists`): run them, see the outbox, retry dead letters."""

    @command(alerts, "run")
    def run(app: App) -> None:
        """Match what is new since the last run against every watchlist, record the alerts, and deliver
        what is due (for cron; `svodka watch` does this after its collection runs). Every alert is recorded
        before it is sent and marked sent once its target confirmed it: killed at any moment, nothing is
        lost and nothing a target confirmed is sent to it again."""
        from svodka.monitor.run import run_alerts

        r = run_alerts(app.store, app.settings)
        click.echo(
            f"{r.posts} new post(s), {r.stories} story(ies), {r.changes} edit(s)/deletion(s) looked at; "
            f"{r.recorded} alert(s) recorded; {r.sent.sent} delivered, {r.sent.failed} to retry, "
            f"{r.sent.dead} dead-lettered, {r.sent.held} held (quiet hours or batch)"
        )

    @command(alerts, "status")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def status(app: App, as_json: bool) -> None:
        """The outbox per target: pending, sent, dead-lettered, the last error; the dead letters."""
        if as_json:
            echo_json(
                {
                    "targets": [
                        {
                            "target": r.target,
                            "pending": r.pending,
                            "sent": r.sent,
                            "dead": r.dead,
                            "last_sent": r.last_sent,
                            "last_error": r.last_error,
                        }
                        for r in app.store.alerts.outbox()
                    ],
                    "dead": [
                        {
                            "delivery_id": d.id,
                            "alert_id": d.alert_id,
                            "target": d.target,
                            "error": d.last_error,
                        }
                        for d in app.store.alerts.dead()
                    ],
                }
            )
            return
        lines = outbox_lines(app.store)
        for line in lines:
            click.echo(line)
        if not lines:
            click.echo("no alerts yet", err=True)

    @command(alerts, "list")
    @click.option("--limit", default=20, show_default=True)
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, limit: int, as_json: bool) -> None:
        """The latest alerts (an update is the same alert, one revision more)."""
        rows = app.store.alerts.recent(limit)
        if as_json:
            echo_json([{**json.loads(a.payload), "alert_id": a.id, "revision": a.revision} for a in rows])
            return
        for a in rows:
            title = json.loads(a.payload).get("title", "")
            rev = f" (update {a.revision - 1})" if a.revision > 1 else ""
            click.echo(
                f"{a.id:>6}  {_when(a.updated_at)}  {a.watchlist}/{a.rule} {a.subject}{rev}  {title[:70]}"
            )

    @command(alerts, "retry")
    @click.option("--target", help="Only the dead letters of this target.")
    def retry(app: App, target: str | None) -> None:
        """Put dead-lettered deliveries back in the outbox (after fixing the target)."""
        n = app.store.alerts.requeue_dead(target)
        click.echo(f"{n} dead letter(s) back in the outbox; `svodka alerts run` sends them")
