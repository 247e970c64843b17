# Two commands (see README): `make run` sets everything up and starts the web app;
# `make test` sets up the same way if needed and runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)

.PHONY: run setup index test bench lock clean

run: index
	$(BIN)/assistant serve

# A .venv in the project root with every dependency pinned. torch is installed first
# on its own: pip takes the CPU build from this machine's disk that way, where a
# torch pulled in by another package would fetch a multi-GB CUDA build.
setup: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Index the shipped corpus (and any local documents): a no-op when nothing changed.
index: setup
	$(BIN)/assistant ingest

test: setup
	$(BIN)/pytest

bench: index
	$(BIN)/python evaluations/benchmark_foundation.py

lock:
	$(BIN)/pip freeze --exclude-editable | sed 's/+cpu$$//' > requirements.lock.new
	{ echo "# Every package, pinned. Regenerate with: make lock"; cat requirements.lock.new; } > requirements.lock
	rm requirements.lock.new

clean:
	rm -rf $(VENV) data
