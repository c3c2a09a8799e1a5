"""The CLI starts without its heavy modules: importing ``svodka.cli`` (what every command, ``--help`` and
``process --follow`` pay before they run) imports neither the digest's composer, renderers and delivery, nor
the pipeline's stages, nor the collectors' runner and HTTP client, nor a store backend; each command imports
what it uses when it runs (``process --follow`` after it has taken its signals). Checked in a fresh
interpreter, as a command starts."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "svodka.digest.compose",
    "svodka.digest.render",
    "svodka.digest.deliver",
    "svodka.digest.evidence",
    "svodka.pipeline.differences",
    "svodka.pipeline.rank",
    "svodka.pipeline.summarize",
    "svodka.pipeline.story_topics",  # the lexicon and model; `digest --topic` reads pipeline.topic_names
    "svodka.pipeline.topic_model",
    "simplemma",
    "svodka.collect.runner",
    "svodka.collect.http",
    "svodka.store.sqlite",
    "svodka.store.postgres",
    "svodka.ingest",
    "svodka.scheduled",
    "httpx",
    "tqdm",
)
LOADED = "import json, sys; {}; print(json.dumps(sorted(sys.modules)))"


def _loaded(statement: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(statement)], capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


def test_importing_the_cli_imports_no_heavy_module() -> None:
    loaded = _loaded("import svodka.cli")
    assert "svodka.cli.process" in loaded and "svodka.cli.digest" in loaded  # every command registered
    assert sorted(loaded & set(HEAVY)) == []
