"""The ``svodka`` command line: thin commands that parse, call one library function, and print.

Each command module registers its commands on :data:`cli`; errors become one line on stderr and a
non-zero exit code (see :mod:`svodka.errors`).
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from svodka import __version__
from svodka.cli.app import App, common_options
from svodka.errors import SvodkaError

# Modules that add commands to `cli`; a new command group is one module and one line here.
COMMAND_MODULES = (
    "svodka.cli.imports",
    "svodka.cli.channels",
    "svodka.cli.browse",
    "svodka.cli.settings_cmd",
    "svodka.cli.collect",
    "svodka.cli.web",
    "svodka.cli.digest",
    "svodka.cli.process",
    "svodka.cli.ranking",  # after process: adds `eval ranking`
    "svodka.cli.networks",  # after channels and process: adds `channels networks`, `eval networks`
    "svodka.cli.groups",  # after channels: adds `channels suggest-groups`, `channels accept-group`
    "svodka.cli.questions",
    "svodka.cli.watchlists",
    "svodka.cli.alerts",
    "svodka.cli.feeds",
    "svodka.cli.store_cmd",
    "svodka.cli.corrections",
    "svodka.cli.tune",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="svodka")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@common_options
@click.pass_context
def cli(ctx: click.Context, verbose: int, quiet: bool) -> None:
    """svodka reads public Telegram channels and news feeds and compiles short, credible, cited digests.

    \b
    The usual flow:
      svodka import FILE            a Telegram Desktop export, JSONL or CSV
      svodka channels add @name     or follow channels and feeds live: collect, watch
      svodka process                find ads, copies and stories in what is new
      svodka digest --since 24h     digest.md + digest.html, top stories printed
      svodka serve                  browse digests, stories, search and channels in a browser

    Every command takes --db PATH (or SVODKA_DB) and --config FILE (default ./svodka.toml);
    `svodka settings` lists every setting.
    """
    level = logging.WARNING
    if quiet:
        level = logging.ERROR
    elif verbose == 1:
        level = logging.INFO
    elif verbose >= 2:
        level = logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    ctx.ensure_object(App)


for _module in COMMAND_MODULES:
    importlib.import_module(_module).register(cli)


def main() -> None:
    """Entry point: run the CLI; turn svodka's errors into one line and an exit code."""
    try:
        code = cli.main(standalone_mode=False)  # an Exit(n) raised by a command comes back as n here
        if isinstance(code, int) and code:
            sys.exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except SvodkaError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted; everything acknowledged so far is stored.", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
