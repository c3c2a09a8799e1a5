"""Real `svodka` subprocesses for the tests that run several at once (workers, collectors, the web app).

A :class:`Processes` (the tests' ``procs`` fixture: ``with Processes(tmp_path) as procs``) starts each with
the interpreter and the code under test (PYTHONPATH is inherited), its stdout and stderr to files of its own
(a pipe nobody reads fills up and stalls the process), waits for what a test needs with every process's
log in the failure, and stops, kills and reaps them by their own pid — whatever a test leaves running is
killed when the block ends, never another engineer's process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

TAIL = 1500  # characters of each process's stderr in a timeout's message


def svodka_command(db: str, cfg: Path | None, *args: str) -> list[str]:
    """The command line of ``svodka --db DB [--config CFG] ARGS…``."""
    config = ["--config", str(cfg)] if cfg is not None else []
    return [sys.executable, "-m", "svodka", "--db", db, *config, *args]


def run_svodka(
    db: str, cfg: Path | None, *args: str, input: str | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``svodka … ARGS`` to its end (``input`` its stdin; stdout and stderr captured); fails the test on
    a non-zero exit."""
    done = subprocess.run(
        svodka_command(db, cfg, *args), input=input, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"svodka {' '.join(args)}: {done.stderr[-2000:]}"
    return done


class Processes:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[subprocess.Popen[str]] = []
        self.names: dict[int, str] = {}  # by pid: what it is, and the stem of its .out / .err files

    def __enter__(self) -> Processes:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in self.started:
            if proc.poll() is None:
                self.kill(proc)

    def start(self, db: str, cfg: Path | None, *args: str, name: str = "") -> subprocess.Popen[str]:
        """A running ``svodka … ARGS``; ``name`` (default: its command and a number) names its log files."""
        name = f"{name or args[0]}-{len(self.started)}"
        out, err = (self.folder / f"{name}.out").open("w"), (self.folder / f"{name}.err").open("w")
        with out, err:  # the child keeps its own copies
            proc = subprocess.Popen(
                svodka_command(db, cfg, *args),
                stdout=out,
                stderr=err,
                text=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        self.started.append(proc)
        self.names[proc.pid] = name
        return proc

    def output(self, proc: subprocess.Popen[str], stream: str = "err") -> str:
        """What ``proc`` wrote so far to ``stream`` ("out" or "err")."""
        return (self.folder / f"{self.names[proc.pid]}.{stream}").read_text(encoding="utf-8")

    def kill(self, proc: subprocess.Popen[str]) -> None:
        """``kill -9``, and reaped (a zombie's pid would still look alive to a lease on this host)."""
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def stop(self, procs: list[subprocess.Popen[str]], seconds: float = 60) -> None:
        """SIGTERM to each, then each waited for; fails unless every one exits 0, with its exit status, its
        stdout's and stderr's ends, and every process's log (-15, nothing written: stopped before it took
        the signal, still starting)."""
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(seconds)
            assert proc.returncode == 0, (
                f"{self.names[proc.pid]} exited {proc.returncode} at SIGTERM\n"
                f"stdout: {self.output(proc, 'out')[-TAIL:]}\nstderr: {self.output(proc)[-2000:]}\n"
                f"{self.logs()}"
            )

    def wait(self, what: str, done: Callable[[], object], seconds: float, every: float = 0.2) -> None:
        """Until ``done()`` is true; after ``seconds``, fail with the log of every process started."""
        deadline = time.monotonic() + seconds
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}\n{self.logs()}")
            time.sleep(every)

    def wait_output(
        self, proc: subprocess.Popen[str], text: str, seconds: float, stream: str = "err"
    ) -> None:
        """Until ``proc`` has written ``text`` (it must not end first)."""

        def written() -> bool:
            assert proc.poll() is None or text in self.output(proc, stream), (
                f"{self.names[proc.pid]} ended ({proc.returncode}) before writing {text!r}\n{self.logs()}"
            )
            return text in self.output(proc, stream)

        self.wait(f"{text!r} from {self.names[proc.pid]}", written, seconds, every=0.05)

    def logs(self) -> str:
        return "\n".join(f"--- {self.names[p.pid]}\n{self.output(p)[-TAIL:]}" for p in self.started)
