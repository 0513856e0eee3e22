# The README's two commands: `make run` and `make test`. Everything installs from the lock files.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: run test lint bench bench-scale lock clean schema graphiql

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Concord needs Python 3.11"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: $(BIN)/python requirements.lock pyproject.toml
	$(PIP) -r requirements.lock
	$(PIP) --no-deps -e .
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PIP) -r requirements-dev.lock
	touch $@

## Serve Concord on http://127.0.0.1:$${CONCORD_PORT:-8000} (embedded SQLite under ./var unless CONCORD_DATABASE_URL is set)
run: $(VENV)/.runtime
	$(BIN)/concord migrate
	$(BIN)/concord demo --if-empty
	$(BIN)/concord serve

## Run every test (PostgreSQL tests run when 127.0.0.1:5432 answers; CI requires it), on
## TEST_WORKERS processes (pytest-xdist; much of a test's time is spent waiting on its projections)
TEST_WORKERS ?= 3
test: $(VENV)/.dev
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(VENV)/.dev
	$(BIN)/python -m bench

# The pages' reads at demo scale 1 and 10 (writing the scale-10 demo takes ~15 min a back end).
bench-scale: $(VENV)/.dev
	$(BIN)/python -m bench.scale

lock: $(VENV)/.dev
	$(BIN)/pip-compile -q --strip-extras --no-emit-find-links --no-emit-index-url -o requirements.lock pyproject.toml
	$(BIN)/pip-compile -q --extra dev --strip-extras --no-emit-find-links --no-emit-index-url -o requirements-dev.lock pyproject.toml

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

## Export graphql/schema.graphql from the code
schema: $(VENV)/.dev
	$(BIN)/python -m services.api.export_schema

## Refresh GraphiQL's vendored files from the npm registry, as pinned in its package-lock.json
GRAPHIQL := services/api/static/graphiql
graphiql:
	rm -rf .graphiql-npm && mkdir .graphiql-npm && cp $(GRAPHIQL)/package.json $(GRAPHIQL)/package-lock.json .graphiql-npm/
	cd .graphiql-npm && npm ci --ignore-scripts --no-audit --no-fund
	cp .graphiql-npm/node_modules/react/umd/react.production.min.js \
	   .graphiql-npm/node_modules/react-dom/umd/react-dom.production.min.js \
	   .graphiql-npm/node_modules/graphiql/graphiql.min.js \
	   .graphiql-npm/node_modules/graphiql/graphiql.min.css $(GRAPHIQL)/
	cp .graphiql-npm/node_modules/@graphiql/plugin-explorer/dist/index.umd.js $(GRAPHIQL)/plugin-explorer.umd.js
	cp .graphiql-npm/node_modules/@graphiql/plugin-explorer/dist/style.css $(GRAPHIQL)/plugin-explorer.css
	cp .graphiql-npm/node_modules/react/LICENSE $(GRAPHIQL)/react-LICENSE.md
	cp .graphiql-npm/node_modules/react-dom/LICENSE $(GRAPHIQL)/react-dom-LICENSE.md
	cp .graphiql-npm/node_modules/graphiql/LICENSE $(GRAPHIQL)/graphiql-LICENSE.md
	cp .graphiql-npm/node_modules/@graphiql/plugin-explorer/node_modules/graphiql-explorer/LICENSE \
	   $(GRAPHIQL)/graphiql-explorer-LICENSE.md
	rm -rf .graphiql-npm
