"""`svodka process` shows its progress: a line every interval with the total and an ETA when its output is
not a terminal, a bar with the time left on a terminal. Real subprocesses on the bundled day (654 posts).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

DAY = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"


def _svodka(db: str, cfg: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "svodka", "--db", db, "--config", str(cfg), *args]


def test_progress_lines_when_output_is_not_a_terminal(tmp_path: Path, store_url: str) -> None:
    cfg = tmp_path / "svodka.toml"
    cfg.write_text('[pipeline]\nembedder = "use"\nbatch_posts = 250\nprogress_every = 0\n', encoding="utf-8")
    db = store_url
    subprocess.run(_svodka(db, cfg, "import", str(DAY)), check=True, capture_output=True)
    out = subprocess.run(_svodka(db, cfg, "process"), check=True, capture_output=True, text=True)
    lines = [x for x in out.stderr.splitlines() if "svodka.process.progress" in x]
    assert len(lines) >= 3, out.stderr  # one per embedding chunk at least, with the total and an ETA
    assert all("/654 posts" in x and "ETA" in x for x in lines)
    assert "processed 654/654 posts (100%)" in lines[-1]
    assert out.stdout.startswith("654 posts")


def test_a_terminal_gets_a_bar_with_the_total_and_time_left(tmp_path: Path, store_url: str) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    part = tmp_path / "part.jsonl"
    part.write_text("\n".join(DAY.read_text(encoding="utf-8").splitlines()[:150]) + "\n", encoding="utf-8")
    cfg = tmp_path / "svodka.toml"
    cfg.write_text('[pipeline]\nembedder = "use"\nbatch_posts = 50\nembed_batch = 16\n', encoding="utf-8")
    db = store_url
    subprocess.run(_svodka(db, cfg, "import", str(part)), check=True, capture_output=True)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a width
    proc = subprocess.Popen(_svodka(db, cfg, "process"), stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=60)
    os.close(leader)
    assert proc.returncode == 0
    bar = seen.decode("utf-8", "replace")
    assert "/150" in bar and "post/s" in bar, bar  # tqdm: done/total, rate
    assert "<" in bar  # elapsed<left: the time left at the rate so far
    assert b"150 posts" in out
