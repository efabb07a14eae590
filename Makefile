# `make run` and `make test` each build .venv from nothing when it is missing or stale.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-all bench clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[testing]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/pserve development.ini --reload

test: $(STAMP)
	$(BIN)/pytest

# The bulky checks (1 GiB streams) too.
test-all: $(STAMP)
	$(BIN)/pytest -m ''

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
