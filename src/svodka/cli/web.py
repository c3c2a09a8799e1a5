"""`svodka serve` and `svodka users …`: the web app and its local accounts."""

from __future__ import annotations

import os
import sys

import click

from svodka.cli.app import App, command, echo_json
from svodka.errors import InputError
from svodka.model import ROLES


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def _check_workers_store(db: str, workers: int) -> None:
    """Several workers on SQLite: refused for a database in memory (each worker would have its own), else
    a warning — SQLite takes one writer at a time across processes, safe on a local disk only."""
    from svodka.store import POSTGRES_SCHEMES

    if db.startswith(POSTGRES_SCHEMES):
        return
    if db in ("", ":memory:") or db.startswith("file::memory:"):
        raise click.UsageError(f"--workers {workers} needs a store on disk (an in-memory one is per process)")
    click.echo(
        f"warning: {workers} workers on SQLite share one writer (logins, marks and read state wait on each "
        "other); keep the file on a local disk, never a network file system; PostgreSQL is the team setup",
        err=True,
    )


def _pass_to_workers(app: App) -> None:
    """Put this command's --config and flags into the environment, where each spawned worker reads them."""
    from svodka.settings import setting

    if app.config_path:
        os.environ["SVODKA_CONFIG"] = os.path.abspath(app.config_path)
    for name, value in app.overrides.items():
        if value is not None:
            os.environ[setting(name).env] = str(value)


def register(cli: click.Group) -> None:
    @command(cli, "serve")
    @click.option("--host", help="Address to bind [setting web.host; default 127.0.0.1: this machine only].")
    @click.option("--port", type=int, help="Port [setting web.port; default 8080].")
    @click.option(
        "--workers",
        type=click.IntRange(min=1),
        help="Processes serving on the one port [setting web.workers; default 1]. On PostgreSQL the team "
        "setup; on SQLite they share one writer (logins and marks wait on each other).",
    )
    def serve(app: App, host: str | None, port: int | None, workers: int | None) -> None:
        """Serve the web app and the JSON API (/api/, OpenAPI at /api/openapi.json).

        Log in with an account made by `svodka users add NAME --role admin`.
        """
        from svodka.web.app import create_app
        from svodka.web.auth import WebConfig
        from svodka.web.server import serve as run
        from svodka.web.server import serve_workers

        s = app.settings
        host = host or s["web.host"]
        port = port or s["web.port"]
        workers = workers or s["web.workers"]
        if workers > 1:
            _check_workers_store(str(s["store.db"]), workers)
        if not app.store.users.count():
            click.echo(
                "no accounts yet: create the first admin with `svodka users add NAME --role admin`", err=True
            )
        click.echo(f"svodka web on http://{host}:{port}/ (Ctrl-C stops)", err=True)
        if workers == 1:
            run(create_app(app.store, WebConfig.from_settings(s)), host=host, port=port, log_level="warning")
            return
        _pass_to_workers(app)
        click.echo(f"{workers} worker processes", err=True)
        serve_workers(workers, host=host, port=port, log_level="warning")

    @cli.group("users")
    def users() -> None:
        """Local accounts of the web app: admin (sources, users), analyst (read, mark), viewer (read)."""

    @command(users, "add")
    @click.argument("username")
    @click.option(
        "--role",
        type=click.Choice(ROLES),
        default=None,
        help="Role [default: admin for the first account, else viewer].",
    )
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def add(app: App, username: str, role: str | None, password_stdin: bool) -> None:
        """Create an account; the first account made becomes an admin unless --role says otherwise."""
        from svodka.web.auth import hash_password

        role = role or ("admin" if app.store.users.count() == 0 else "viewer")
        password = _password(password_stdin)
        try:
            hashed = hash_password(password)
        except InputError as e:
            raise click.BadParameter(e.reason, param_hint="password") from None
        user = app.store.users.add(username, hashed, role)
        click.echo(f"added {user.username} ({user.role})")

    @command(users, "list")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    def list_(app: App, as_json: bool) -> None:
        """List accounts with their roles and last login."""
        rows = app.store.users.list()
        if as_json:
            echo_json(
                [
                    {
                        "username": u.username,
                        "role": u.role,
                        "created_at": u.created_at,
                        "last_login": u.last_login,
                    }
                    for u in rows
                ]
            )
            return
        for u in rows:
            last = f"{u.last_login:%Y-%m-%d %H:%M}" if u.last_login else "never"
            click.echo(f"{u.username:<24} {u.role:<8} last login {last}")
        if not rows:
            click.echo("no accounts yet: `svodka users add NAME --role admin`", err=True)

    @command(users, "remove")
    @click.argument("username")
    def remove(app: App, username: str) -> None:
        """Delete an account (its sessions and API keys stop working at once)."""
        user = app.store.users.remove(username)
        click.echo(f"removed {user.username}")

    @command(users, "set-role")
    @click.argument("username")
    @click.argument("role", type=click.Choice(ROLES))
    def set_role(app: App, username: str, role: str) -> None:
        """Change an account's role."""
        user = app.store.users.set_role(username, role)
        click.echo(f"{user.username} is now {user.role}")

    @command(users, "password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
    def password(app: App, username: str, password_stdin: bool) -> None:
        """Set an account's password (ends its sessions)."""
        from svodka.web.auth import hash_password

        try:
            hashed = hash_password(_password(password_stdin))
        except InputError as e:
            raise click.BadParameter(e.reason, param_hint="password") from None
        app.store.users.set_password(username, hashed)
        click.echo(f"password of {username} changed")

    @command(users, "key")
    @click.argument("username")
    @click.option("--name", default="", help="What the key is for.")
    def key(app: App, username: str, name: str) -> None:
        """Create an API key for an account and print it (shown once; only its hash is kept)."""
        from svodka.web.auth import new_api_key

        secret, _info = new_api_key(app.store, app.store.users.get(username), name)
        click.echo(secret)
