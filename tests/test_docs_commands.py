"""Every `svodka …` command line of the README's "Team server" section and of deploy/ exists: its command
path resolves, `svodka <cmd> --help` exits 0, and the line's own options and arguments parse."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from urllib.parse import urlsplit

import click
import pytest
from click.testing import CliRunner

from svodka import settings
from svodka.cli import cli

ROOT = Path(__file__).resolve().parent.parent
GLOBAL = {"--config", "--db"}  # options of the group, taking a value


def _team_server_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Team server")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def _readme_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", _team_server_section(), flags=re.S)
    return [line.strip() for b in blocks for line in b.splitlines() if line.strip().startswith("svodka ")]


def _deploy_lines() -> list[str]:
    lines = []
    for unit in sorted((ROOT / "deploy").glob("*.service")):
        for line in unit.read_text(encoding="utf-8").splitlines():
            if line.startswith("ExecStart=") and "/bin/svodka " in line:
                lines.append("svodka " + line.split("/bin/svodka ", 1)[1])
    return lines


def _split(line: str) -> tuple[list[str], list[str]]:
    """``svodka [--config X] a b --opt v`` → (["a", "b"], ["--opt", "v"]): the command path, its args."""
    words = shlex.split(line, comments=True)[1:]
    while words and words[0] in GLOBAL:
        words = words[2:]
    path: list[str] = []
    group: click.Command = cli
    while words and isinstance(group, click.Group) and words[0] in group.commands:
        group = group.commands[words[0]]
        path.append(words.pop(0))
    return path, words


LINES = _readme_lines() + _deploy_lines()


def test_the_docs_have_the_commands_of_a_team_server() -> None:
    paths = {" ".join(_split(line)[0]) for line in LINES}
    for expected in ("stats", "users add", "serve", "watch", "process", "questions triage"):
        assert expected in paths, f"svodka {expected} is not in the README's Team server section or deploy/"


@pytest.mark.parametrize("line", LINES)
def test_command_line_parses(line: str) -> None:
    path, args = _split(line)
    assert path, f"{line!r}: no such svodka command"
    r = CliRunner().invoke(cli, [*path, "--help"])
    assert r.exit_code == 0, f"svodka {' '.join(path)} --help: {r.output}"
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    with click.Context(cli) as parent:
        command.make_context(" ".join(path), list(args), parent=parent)  # a bad option or value raises


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SVODKA_DB", "SVODKA_STORE_DB", "SVODKA_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    s = settings.load(ROOT / "deploy" / "svodka.toml")
    dsn = urlsplit(str(s["store.db"]))
    assert dsn.scheme == "postgresql" and dsn.username and dsn.password is None  # PGPASSWORD: svodka.env
    assert s["web.workers"] > 1
