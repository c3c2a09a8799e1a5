"""`svodka eval stories` end to end on the hand-labelled day, and `svodka eval pairs`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import shared

# Reference points measured on stories_dev (issue 4): every post alone 0.646; char 3–5-gram TF-IDF with
# average linkage at its best threshold 0.855. The pipeline must beat the strong baseline.
STRONG_BASELINE = 0.855


def test_eval_stories_beats_the_strong_baseline(cli_run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gold_dir = shared("stories_dev")
    out = tmp_path / "pred.jsonl"
    os.environ["SVODKA_PIPELINE_EMBEDDER"] = "use"  # the fast model; e5 scores higher (benchmarks/README.md)
    try:
        result = cli_run("eval", "stories", str(gold_dir), "--out", str(out))
    finally:
        del os.environ["SVODKA_PIPELINE_EMBEDDER"]
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    f1_all = float(next(x for x in lines if x.startswith("all posts")).split("F1=")[1].split()[0])
    f1_news = float(next(x for x in lines if x.startswith("news only")).split("F1=")[1].split()[0])
    assert f1_all > STRONG_BASELINE
    assert f1_news > 0.8
    predicted = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    gold = [
        json.loads(x)
        for x in (gold_dir / "stories_2024-11-30.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert {p["key"] for p in predicted} == {g["key"] for g in gold}
    assert all(set(p) == {"key", "story"} for p in predicted)


def test_eval_pairs_on_mrpc(cli_run) -> None:  # type: ignore[no-untyped-def]
    os.environ["SVODKA_PIPELINE_EMBEDDER"] = "use"
    try:
        result = cli_run("eval", "pairs", str(shared("en_mrpc_news_paraphrase")), "--limit", "300")
    finally:
        del os.environ["SVODKA_PIPELINE_EMBEDDER"]
    assert result.exit_code == 0, result.output
    value = {k: float(result.output.split(f" {k}=")[1].split()[0]) for k in ("P", "R", "AP", "base")}
    # 65 % of these MRPC pairs are paraphrases and most of the rest report the same event in other words: the
    # story threshold (same event) joins nearly all of them, so precision sits at the base rate and recall
    # near 1. What the pair score must show is that it ranks paraphrases above the rest: its average
    # precision well above the base rate.
    assert value["R"] > 0.9
    assert value["P"] >= value["base"]
    assert value["AP"] > value["base"] + 0.15
