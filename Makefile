# The two commands: `make lab` (students) and `make test` (developers, CI). Everything else is an extra.
# Each target installs only what it needs into .venv: requirements.txt (lab), requirements-present.txt
# (Voila, for `make present`), requirements-dev.txt (tests). README lists the plain commands behind them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# setuptools prints an "Editable installation" notice for every `pip install -e .`; it is harmless here.
PIP := PYTHONWARNINGS="ignore:Editable installation" $(BIN)/python -m pip install --quiet

.PHONY: lab test test-fast test-robust test-notebooks test-browser test-colab bench notebooks present slides stamp-url clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.lab: requirements.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements.txt
	touch $@

$(VENV)/.present: requirements-present.txt $(VENV)/.lab
	$(PIP) -r requirements-present.txt
	touch $@

$(VENV)/.test: requirements-dev.txt $(VENV)/.present
	$(PIP) -r requirements-dev.txt
	touch $@

# tools/lab.py: JupyterLab on notebooks/ (with --allow-root when run as root, without the ping warning).
lab: $(VENV)/.lab
	$(BIN)/python tools/lab.py

test: $(VENV)/.test
	$(BIN)/python -m pytest -q tests
	$(BIN)/python -m pytest -q --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

# Another machine's arithmetic, imitated (dlhelpers/perturb.py): every initial weight one float32 ulp
# higher. The lessons (claims, playgrounds, exercises) must hold and strict nbval must pass as well.
ROBUST := DLHELPERS_PERTURB=1
test-robust: $(VENV)/.test
	$(ROBUST) $(BIN)/python -m pytest -q tests/test_perturb.py tests/test_claims_*.py tests/test_figures_*.py tests/test_playground*.py tests/test_exercises_*.py
	$(ROBUST) $(BIN)/python -m pytest -q --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

test-fast: $(VENV)/.test
	$(BIN)/python -m pytest -q tests

test-browser: $(VENV)/.test
	$(BIN)/python -m pytest -q browser_tests

# Colab's published versions replayed in .venv-colab: the wheel installed there, every notebook run
# alone in an empty folder, the playground tests against the installed copy (tools/test_colab.py).
test-colab: $(BIN)/python
	$(BIN)/python tools/test_colab.py

bench: $(VENV)/.lab
	$(BIN)/python benchmarks/bench_train.py

notebooks: $(VENV)/.test
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

# Voila on notebooks/ for a class: code hidden, playgrounds live, 127.0.0.1:8866 (or a free port).
# PRESENT_ARGS=--preheat executes every notebook ahead so pages open at once.
present: $(VENV)/.present
	$(BIN)/python tools/present.py $(PRESENT_ARGS)

# reveal.js decks in slides/ (git-ignored); assets copied into slides/_assets when npm can fetch them,
# else the decks load them from CDNs. Live controls need `make present`.
slides: $(VENV)/.present
	$(BIN)/python tools/make_slides.py --offline $(SLIDES_ARGS)

# Publishing the course: write [project.urls] Repository into the notebooks' setup cells and README.
stamp-url: $(BIN)/python
	$(BIN)/python tools/stamp_repo_url.py

clean:
	rm -rf $(VENV) .venv-colab .pytest_cache artifacts slides build dlhelpers.egg-info

# Mutation testing (an extra, outside CI; slow): mutmut mutates functions, layers, optimizers,
# training and early_stopping in a scratch copy under build/mutation/ and runs the fast tests against each mutant.
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
