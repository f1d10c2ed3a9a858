# The two commands: `make lab` and `make test`. Everything else is an extra.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: lab test test-fast test-notebooks test-browser bench notebooks present slides clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

test: $(STAMP)
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q tests

test-browser: $(STAMP)
	$(BIN)/python -m pytest -q browser_tests

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_train.py

notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

present: $(STAMP)
	$(BIN)/voila notebooks/ --no-browser --Voila.ip=127.0.0.1 --port=8866

clean:
	rm -rf $(VENV) .pytest_cache artifacts slides
