# driftline — every recipe creates what it needs; `make test` on a fresh clone does all setup.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup system-deps lint test test-unit bench soak demo clean

help: ## list the recipes
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) system-deps ## create .venv and install driftline with its dev extras

# prometheus: the server and promtool; prometheus-alertmanager: amtool; docker-compose and yq
# validate and read docker-compose.yml (no Docker engine needed); chromium: the browser test
SYSTEM_TOOLS := prometheus promtool amtool docker-compose yq chromium
SYSTEM_PACKAGES := prometheus prometheus-alertmanager docker-compose yq chromium

system-deps: ## Debian packages the tests use (prometheus, amtool, docker-compose, yq, chromium)
	@for tool in $(SYSTEM_TOOLS); do command -v $$tool >/dev/null 2>&1 || missing=1; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

lint: $(STAMP) ## ruff format check + lint, mypy on the pure packages, import contracts
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# three test processes: the broker tests spend most of their time waiting on the broker
test: setup lint ## everything CI runs: lint, unit, doctest and broker integration tests
	$(BIN)/pytest -q -n 3 --dist worksteal

test-unit: $(STAMP) ## unit tests and doctests only (no broker)
	$(BIN)/pytest -q -n 3 -m "not kafka"

bench: $(STAMP) ## benchmarks: prints figures and ratios
	$(BIN)/python -m benchmarks

soak: $(STAMP) ## restart-safety soaks: kill -9, SIGTERM, failover, frozen broker; all four monitors (tens of minutes)
	$(BIN)/python -m benchmarks restart_safety labelled_crash

demo: $(STAMP) ## embedded broker, synthetic traffic with drift, the monitor live
	$(BIN)/driftline demo

clean: ## remove the virtual environment and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache build *.egg-info
