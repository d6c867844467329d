# Two commands set up a fresh machine: `make demo` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
OUT    ?= out/demo

.PHONY: demo test test-fast same-outputs lint bench app notebooks clean

$(STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
	    py=$$(sh scripts/find-python.sh) || { \
	        echo "error: spacecoop needs Python >= 3.12 (Mesa 3.5); none found on PATH or under pyenv." >&2; \
	        echo "       install one (e.g. 'pyenv install 3.12') and run make again." >&2; exit 1; }; \
	    echo "creating $(VENV) with $$py"; \
	    "$$py" -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,viz]'
	@touch $@

demo: $(STAMP)
	rm -rf $(OUT)
	$(BIN)/spacecoop compare cold_war detente iss_era --replicates 30 --out $(OUT)
	@for s in cold_war detente iss_era; do \
	    $(BIN)/spacecoop run $$s --seed 0 --out $(OUT)/single/$$s > /dev/null || exit $$?; \
	done
	$(BIN)/spacecoop report full_history --replicates 30 --out $(OUT)/validation
	@echo "report: $(OUT)/report.md; one run of each era (seed 0): $(OUT)/single/;"
	@echo "the space age against the record: $(OUT)/validation/report.html"

test: $(STAMP)
	$(BIN)/python -m pytest

# Everything but the tests marked slow (many seeds, processes, Dask, browsers, fuzzing).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# The four tables of every bundled scenario, seeds 0-4, byte for byte against AGAINST.
AGAINST ?= HEAD
same-outputs: $(STAMP)
	$(BIN)/python scripts/same_outputs.py $(AGAINST)

lint: $(STAMP)
	$(BIN)/python -m ruff check .
	$(BIN)/python -m ruff format --check .
	$(BIN)/python -m mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run_single.py
	$(BIN)/python benchmarks/batch.py --runs 500 --memory

app: $(STAMP)
	$(BIN)/spacecoop app

notebooks: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[notebooks]'
	@echo "opening JupyterLab on notebooks/ (01_quickstart, 02_scenario_batches, 03_policy_tradeoffs)"
	$(BIN)/jupyter lab notebooks/

clean:
	rm -rf $(VENV) out .pytest_cache
