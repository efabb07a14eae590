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

# One pytest process per group: the auth suites (run on SQLite and PostgreSQL) load hundreds of
# apps, and one process that also runs everything else ends up past FD_SETSIZE descriptors.
test: $(STAMP)
	@failed=0; for group in unit auth functional server browser; do \
	  case $$group in \
	    auth) args=$$(ls tests/functional/test_auth*.py) ;; \
	    functional) args=$$(ls tests/functional/test_*.py | grep -v '/test_auth') ;; \
	    *) args=tests/$$group ;; \
	  esac; \
	  echo "== make test: $$group"; \
	  $(BIN)/pytest $$args || failed=1; \
	done; exit $$failed

# The bulky checks (1 GiB streams, the benchmark smoke runs) too, in one process.
test-all: $(STAMP)
	$(BIN)/pytest -m ''

bench: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || { echo "bench needs wrk (apt-get install wrk)"; exit 1; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
