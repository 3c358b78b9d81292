# Two entry points for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The public dataset files, when a copy lies beside the project (else: the cache or GitHub).
LOCAL_MIRROR := $(wildcard $(abspath ../shared/data/russia-federal))

# The browser tests drive Debian's Chromium (headless) through Playwright; the publication's
# tests check signatures with Debian's minisign.
CHROMIUM := /usr/bin/chromium
MINISIGN := /usr/bin/minisign

.PHONY: demo test lint setup browser

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	SMARTVOTE_MIRROR=$${SMARTVOTE_MIRROR:-$(LOCAL_MIRROR)} $(BIN)/smartvote fetch russia-duma-2021
	$(BIN)/smartvote report russia-duma-2021 --out out/russia-duma-2021

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

browser:
	@test -x $(CHROMIUM) || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO apt-get install -y chromium; }
	@test -x $(MINISIGN) || { SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update && $$SUDO apt-get install -y minisign; }

test: lint browser
	$(BIN)/pytest
