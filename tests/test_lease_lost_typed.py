"""``LeaseLost.done`` is typed (``errors.Committed``, a protocol :class:`svodka.process.ProcessReport` meets):
whoever catches a lost lease reads the committed batches' report without narrowing it first (the CLI's
``process`` and ``process/follow.py`` did, with ``isinstance``, while it was typed ``object``). Checked by
mypy on a catcher's code, as ``mypy src`` checks the raiser's (``process._Context.confirm_lease``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from svodka.errors import LeaseLost
from svodka.process import ProcessReport

SRC = Path(__file__).resolve().parent.parent / "src"
CATCHER = '''
from svodka.errors import Committed, LeaseLost


def kept(e: LeaseLost) -> int:
    """The posts the lost run committed."""
    return e.done.posts


def report_of(e: LeaseLost) -> Committed:
    return e.done
'''


def test_a_catcher_reads_the_report_without_narrowing(tmp_path: Path) -> None:
    path = tmp_path / "catcher.py"
    path.write_text(CATCHER, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(path)],
        capture_output=True,
        text=True,
        env={"MYPYPATH": str(SRC), "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_report_is_what_the_error_carries() -> None:
    report = ProcessReport(posts=2, seconds={"embed": 1.5})
    lost = LeaseLost("lost", report)
    assert lost.done is report and lost.done.posts == 2
    assert lost.done.counts()["seconds"] == {"embed": 1.5} and lost.exit_code == 3
