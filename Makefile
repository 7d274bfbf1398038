# One front door for humans and CI. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Pinned tools (make tools) come before anything else on PATH.
export PATH := $(CURDIR)/.tools/bin:$(PATH)
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo uv)

.PHONY: help
help: ## List the targets
	@awk -F ':.*## ' '/^[a-z][a-z-]*:.*## / {printf "  make %-14s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: uv
uv: ## Install uv with pip when it is missing
	@command -v uv >/dev/null || python3 -m pip install --quiet "uv==$(UV_VERSION)"

.PHONY: sync
sync: uv ## Create .venv from uv.lock (fails when the lock is stale)
	uv sync --locked

.PHONY: lint
lint: sync ## ruff lint and format check
	uv run ruff check .
	uv run ruff format --check .

.PHONY: test
test: sync ## The full default suite (unit, system, delivery files, engines)
	uv run pytest --cov --cov-report=term

.PHONY: run
run: sync ## The service on 127.0.0.1:8000 with hot reload
	uv run python -m hotreload app.main:app
