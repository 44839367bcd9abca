# Two commands a newcomer needs: `make run` and `make test`.
# Only Python 3.11 and make are assumed; everything else is installed into .venv.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
JOINEDUP_DB ?= data/joinedup.db
export JOINEDUP_DB

.PHONY: run test lint format bench demo check clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is needed: install it, or run 'make PYTHON=/path/to/python3.11 ...'"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamp files: reinstall only when pyproject.toml changes.
$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed-app

run: $(VENV)/.installed-app
	$(BIN)/joinedup demo --if-empty
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false

demo: $(VENV)/.installed-app
	$(BIN)/joinedup demo --if-empty

check: $(VENV)/.installed-app
	$(BIN)/joinedup check

test: $(VENV)/.installed-test
	@sh scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) test-output .pytest_cache .ruff_cache *.egg-info
