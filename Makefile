# Entry points of the repository. Only Python 3.11 is needed: bootstrap installs uv if missing.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c

# Looked up when a recipe runs, i.e. after bootstrap may have installed it into .tools/.
UV = $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
RUN = $(UV) run --no-sync
export UV_PYTHON_DOWNLOADS := never

.PHONY: bootstrap up test lint typecheck clean

bootstrap:
	@scripts/bootstrap.sh

up: bootstrap  ## run the whole suite locally; Ctrl-C stops it
	$(RUN) sbctl up

test: bootstrap  ## lint, type-check and every test, with Postgres/Redis/NATS ensured
	$(RUN) sbctl infra -- bash scripts/test.sh

lint: bootstrap
	$(RUN) bash scripts/test.sh lint

typecheck: bootstrap
	$(RUN) bash scripts/test.sh typecheck

clean:  ## generated files only; keeps .venv and .tools
	rm -rf .run .mypy_cache .ruff_cache .pytest_cache
	find . -path ./.venv -prune -o -path ./.tools -prune -o -name __pycache__ -type d -print0 \
		| xargs -0 rm -rf
