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

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $(ALLOW_ROOT)

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

# Voila on notebooks/ for a class: code hidden, playgrounds live, 127.0.0.1:8866 (or a free port).
# PRESENT_ARGS=--preheat executes every notebook ahead so pages open at once.
present: $(STAMP)
	$(BIN)/python tools/present.py $(PRESENT_ARGS)

# reveal.js decks in slides/ (git-ignored); assets copied into slides/_assets when npm can fetch them,
# else the decks load them from CDNs. Live controls need `make present`.
slides: $(STAMP)
	$(BIN)/python tools/make_slides.py --offline $(SLIDES_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache artifacts slides

# Mutation testing (an extra, outside CI; slow): mutmut mutates functions, layers, optimizers and
# training in a scratch copy under build/mutation/ and runs the fast tests against each mutant.
# Prints the share of mutants killed per module. MUTATION_ARGS=dlhelpers.optimizers* narrows it.
MUT_DIR := build/mutation
MUT_TESTS := conftest.py test_functions.py test_layers.py test_optimizers.py test_validation.py \
	test_bad_inputs.py test_network.py test_training.py
.PHONY: mutation
mutation:
	test -x $(MUT_DIR)/venv/bin/mutmut || ($(PYTHON) -m venv $(MUT_DIR)/venv && \
		$(MUT_DIR)/venv/bin/python -m pip install --quiet "mutmut>=3.3,<4" "numpy>=1.24" "pytest>=7.4" tqdm "threadpoolctl>=3.1")
	rm -rf $(MUT_DIR)/work && mkdir -p $(MUT_DIR)/work/tests
	cp -r dlhelpers data $(MUT_DIR)/work/
	cp $(addprefix tests/,$(MUT_TESTS)) $(MUT_DIR)/work/tests/
	cp tools/mutation/setup.cfg $(MUT_DIR)/work/
	cd $(MUT_DIR)/work && ../venv/bin/mutmut run $(MUTATION_ARGS) > mutmut-run.log 2>&1 || \
		(tail -20 mutmut-run.log; exit 1)
	cd $(MUT_DIR)/work && ../venv/bin/mutmut results --all true | ../venv/bin/python ../../../tools/mutation/report.py
