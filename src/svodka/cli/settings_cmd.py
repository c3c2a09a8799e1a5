"""`svodka settings`: every setting, its value and where the value came from."""

from __future__ import annotations

import click

from svodka import settings as settings_mod
from svodka.cli.app import App, command, echo_json


def _help() -> str:
    rows = "\n".join(f"  {s.name:<28} {s.help}" for s in settings_mod.TABLE)
    return (
        "Show every setting with its value and origin (default, config file, environment, flag).\n\n"
        "Settings are read from svodka.toml ([section] name = value), then SVODKA_SECTION_NAME in the\n"
        "environment (secrets belong there), then flags.\n\n\b\n" + rows
    )


def register(cli: click.Group) -> None:
    @command(cli, "settings", help=_help())
    @click.option("--markdown", is_flag=True, help="Print the settings reference (docs/settings.md).")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def settings(app: App, markdown: bool, as_json: bool) -> None:
        if markdown:
            click.echo(settings_mod.markdown_table(), nl=False)
            return
        s = app.settings
        rows = []
        for item in settings_mod.TABLE:
            value = s[item.name]
            shown = "***" if item.secret and value else value
            rows.append({"name": item.name, "value": shown, "origin": s.origin(item.name)})
        if as_json:
            echo_json(rows)
            return
        for r in rows:
            click.echo(f"{r['name']:<28} = {r['value']!r:<40} ({r['origin']})")
