"""Question triage through the real CLI: ``svodka questions import`` and ``svodka questions triage`` as
subprocesses, per-stage times from their ``--json`` reports, peak memory of each from ``os.wait4``.

    .venv/bin/python benchmarks/make_synthetic_questions.py --n 1000000 --out /tmp/questions_1m.jsonl
    .venv/bin/python benchmarks/make_synthetic_questions.py --n 10000 --seed 8 --start 1000000 \\
        --out /tmp/questions_10k_more.jsonl
    .venv/bin/python benchmarks/bench_triage.py /tmp/questions_1m.jsonl [/tmp/questions_10k_more.jsonl]

Runs: import + full triage of FILE; then, if MORE is given, import MORE and the incremental triage of it
against the triaged store; then ``triage --full`` again to compare (and check ids are kept). Quality of
the synthetic file is not a quality figure (its duplication inflates it); see ``svodka questions eval``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SVODKA = str(Path(sys.executable).parent / "svodka")


def cli(*args: str) -> tuple[dict[str, object], float, float]:
    """(the command's --json report, wall seconds, peak RSS in MiB) of one svodka subprocess."""
    t = time.perf_counter()
    proc = subprocess.Popen([SVODKA, *args, "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"svodka {' '.join(args)} failed: {out.decode()[-2000:]}")
    text = out.decode()
    return json.loads(text[text.index("{") :]), wall, usage.ru_maxrss / 1024


def table(title: str, report: dict[str, object], wall: float, peak: float) -> None:
    print(f"\n{title}: wall {wall:.1f} s, peak {peak:,.0f} MiB")
    print("| stage | seconds |\n| --- | --- |")
    timings = report.get("timings") or {}
    assert isinstance(timings, dict)
    for stage, sec in timings.items():
        print(f"| {stage} | {sec:.1f} |")
    rest = {k: v for k, v in report.items() if k != "timings"}
    print(rest, flush=True)


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "/tmp/questions_1m.jsonl"
    more = sys.argv[2] if len(sys.argv) > 2 else None
    with tempfile.TemporaryDirectory() as d:
        db = str(Path(d) / "q.db")
        table("import", *cli("questions", "import", path, "--db", db))
        table("triage (full)", *cli("questions", "triage", "--db", db))
        if more:
            table("import (more)", *cli("questions", "import", more, "--db", db))
            table("triage (incremental)", *cli("questions", "triage", "--db", db))
            table("triage --full (ids matched)", *cli("questions", "triage", "--full", "--db", db))
        print(f"\nstore: {os.path.getsize(db) / 2**20:,.0f} MiB")


if __name__ == "__main__":
    main()
