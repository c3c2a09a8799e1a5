"""`svodka watchlists add|list|remove|test` and `svodka alerts run|list|status|retry` on the bundled day;
bad watchlists and targets are one-line errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from svodka.cli import cli
from svodka.store import open_store

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "tg_ru_news_2024-12-02.jsonl"


def _run(db: str, *args: str, config: Path | None = None) -> tuple[int, str, str]:
    extra = ["--config", str(config)] if config else []
    r = CliRunner().invoke(cli, ["--db", str(db), *extra, *args])
    return r.exit_code, r.stdout, r.stderr


def _fails(db: str, *args: str, config: Path | None = None) -> str:
    """A real `svodka` run that must fail: its one line of error."""
    extra = ["--config", str(config)] if config else []
    r = subprocess.run(
        [sys.executable, "-m", "svodka", "--db", str(db), *extra, *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode != 0 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr


def test_watchlists_add_list_test_remove(tmp_path: Path, store_url: str) -> None:
    db = store_url
    assert _run(db, "import", str(SAMPLE))[0] == 0
    code, out, _ = _run(db, "watchlists", "add", "peskov", "Песков", "--rule", "post", "--rule", "sources>=3")
    assert code == 0 and "rules post,sources>=3" in out
    code, out, _ = _run(db, "watchlists", "test", "peskov", "--since", "3000d", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["posts"] == 654 and doc["matched"] == 18
    with open_store(db) as store:
        texts = [store.posts.get(m["post_id"]).text for m in doc["matches"]]
    assert texts and all(re.search(r"\bПесков(а|у|ым|е)?\b", t) for t in texts)
    code, out, _ = _run(db, "watchlists", "test", "peskov", "--since", "3000d", "--limit", "3")
    assert code == 0 and len(out.splitlines()) == 3
    assert "exists already" in _fails(db, "watchlists", "add", "peskov", "Песков")
    assert "OR needs something on both sides" in _fails(db, "watchlists", "add", "bad", "выборы OR")
    assert "no alert target named nowhere" in _fails(
        db, "watchlists", "add", "x", "слово", "--target", "nowhere"
    )
    code, out, _ = _run(db, "watchlists", "list", "--json")
    assert [w["name"] for w in json.loads(out)] == ["peskov"]
    assert _run(db, "watchlists", "remove", "peskov")[0] == 0
    assert _run(db, "watchlists", "list", "--json")[1].strip() == "[]"


def test_watchlists_of_the_config_and_alerts_run(tmp_path: Path, store_url: str) -> None:
    db = store_url
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        '[alerts]\nmax_age_hours = 0\n\n[[watchlists]]\nname = "cbr"\nquery = \'"ключевую ставку" OR ЦБ\'\n',
        encoding="utf-8",
    )
    assert _run(db, "import", str(SAMPLE))[0] == 0
    code, out, _ = _run(db, "watchlists", "list", config=cfg)
    assert code == 0 and "cbr" in out and "(svodka.toml)" in out
    assert "defined in svodka.toml" in _fails(db, "watchlists", "remove", "cbr", config=cfg)
    code, out, _ = _run(db, "alerts", "run", config=cfg)
    assert code == 0 and "654 new post(s)" in out and "8 alert(s) recorded" in out
    code, out, _ = _run(db, "alerts", "run", config=cfg)  # again: nothing new, nothing twice
    assert code == 0 and "0 new post(s)" in out and "0 alert(s) recorded" in out
    code, out, _ = _run(db, "alerts", "list", "--json", config=cfg)
    rows = json.loads(out)
    assert len(rows) == 8 and all(r["watchlist"] == "cbr" and r["rule"] == "post" for r in rows)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[watchlists]]\nname = "w"\nquery = "NOT"\n', encoding="utf-8")
    assert "watchlist 'w'" in _fails(db, "alerts", "run", config=bad)


def test_an_import_runs_the_watchlists_over_what_it_stored(tmp_path: Path, store_url: str) -> None:
    """Matching runs on new posts as they are stored by an import too, not only by `svodka watch`."""
    db = store_url
    cfg = tmp_path / "svodka.toml"
    cfg.write_text(
        '[alerts]\nmax_age_hours = 0\n\n[[watchlists]]\nname = "cbr"\nquery = \'"ключевую ставку" OR ЦБ\'\n',
        encoding="utf-8",
    )
    code, _, err = _run(db, "import", str(SAMPLE), config=cfg)
    assert code == 0 and "654 new post(s) matched" in err and "8 alert(s) recorded" in err
    code, out, _ = _run(db, "alerts", "run", config=cfg)  # the import's alerts are not made again
    assert code == 0 and "0 new post(s)" in out and "0 alert(s) recorded" in out
    code, _, err = _run(db, "import", str(SAMPLE))  # no watchlists: nothing of the monitor runs
    assert code == 0 and "alerts:" not in err
