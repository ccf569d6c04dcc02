# Two set-up commands for a fresh clone: `make demo` and `make test` (README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export RCS_HOME ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(RCS_HOME)/dagster_home
# Debian packages used by tests and reports: PDF page images, browser test, PostgreSQL test.
SYSTEM_PACKAGES := poppler-utils fonts-dejavu-core postgresql chromium r-base-core r-cran-survey

.PHONY: demo test dev bench soak lint system-deps clean

$(BIN)/rcs: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c requirements.lock -e '.[dev]'
	@touch $@

system-deps:
	@bash scripts/system-deps.sh $(SYSTEM_PACKAGES)

## make demo: synthetic 2015-16 tranche → every asset → PDFs; prints where they are.
demo: $(BIN)/rcs system-deps
	set -a; [ ! -f .env ] || . ./.env; set +a; $(BIN)/rcs demo --home $(RCS_HOME)

## make test: the whole suite (unit, pipeline, privacy, browser, PostgreSQL).
test: $(BIN)/rcs system-deps lint
	$(BIN)/pytest -n 2 --dist loadgroup -q

## make dev: the Dagster UI on http://127.0.0.1:3000 over the demo data.
dev: $(BIN)/rcs
	@test -f .env || $(BIN)/rcs demo --home $(RCS_HOME) --no-run
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp deploy/dagster.yaml $(DAGSTER_HOME)/dagster.yaml
	set -a; . ./.env; set +a; $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## make bench: national-scale timings (prints figures; not part of the tests). BENCH="reports national" picks some;
## bench_national (rcs run --jobs 2 over the whole national wave from empty, about 14 min) runs last (docs/benchmarks.md).
BENCH ?=
bench: $(BIN)/rcs
	$(BIN)/python benchmarks/run_all.py $(BENCH)

## make soak: the whole graph over many generated waves (1, 2, 3 councils) and a kill drill; not in make test.
SOAK_WAVES ?= 21
SOAK_KILLS ?= 20
SOAK_DIR ?= /tmp/rcs-soak
soak: $(BIN)/rcs
	$(BIN)/python scripts/soak.py --waves $(SOAK_WAVES) --kills $(SOAK_KILLS) --work $(SOAK_DIR)

lint: $(BIN)/rcs
	$(BIN)/ruff check rcs_pipeline assets tests benchmarks scripts
	$(BIN)/ruff format --check rcs_pipeline assets tests benchmarks scripts

clean:
	rm -rf data .pytest_cache test-artifacts
