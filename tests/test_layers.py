"""The layering of svodka's modules, as pyproject.toml's import-linter contracts write it down.

`lint-imports` runs in a subprocess on this checkout's sources (``src/``, not an installed copy), so a
module that imports upwards — a stage that reaches for a use case, the pipeline for a store, anything but
the store's factory for a backend — fails the suite. A second test breaks the layering on purpose in a
copy of the sources and checks that the contract notices.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"

pytest.importorskip("importlinter", reason="import-linter is a dev dependency (pip install -e '.[dev]')")


def _lint(src: Path, config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", "--no-logo", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_contracts_hold() -> None:
    result = _lint(ROOT / "src", ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout
    for contract in ("svodka's layers", "the pipeline's stages import no store", "import a backend"):
        assert contract in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # a stage reaching for a use case (what digest/scheduled.py did with svodka.process)
        (
            "digest/compose.py",
            "import svodka.process",
            "svodka.digest is not allowed to import svodka.process",
        ),
        # the pipeline reaching for the store
        ("pipeline/rank.py", "import svodka.store", "svodka.pipeline is not allowed to import svodka.store"),
        # a use case reaching past the store's factory for its backend
        (
            "web/views.py",
            "import svodka.store.sqlite",
            "svodka.web is not allowed to import svodka.store.sqlite",
        ),
        # what both backends share reaching for one of them
        (
            "store/records/posts.py",
            "import svodka.store.postgres",
            "svodka.store.records is not allowed to import svodka.store.postgres",
        ),
        # one backend reaching into the other's module for what both share (what postgres/users.py did)
        (
            "store/postgres/users.py",
            "import svodka.store.sqlite.users",
            "svodka.store.postgres is not allowed to import svodka.store.sqlite",
        ),
    ],
)
def test_an_import_that_runs_back_up_breaks_the_contract(
    tmp_path: Path, module: str, line: str, broken: str
) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "svodka", src / "svodka", ignore=shutil.ignore_patterns("__pycache__"))
    path = src / "svodka" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # noqa\n", encoding="utf-8")
    result = _lint(src, ROOT / "pyproject.toml")
    assert result.returncode == 1, result.stdout + result.stderr
    assert broken in result.stdout
