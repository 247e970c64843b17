"""Shared fixtures: every test gets its own data and corpus folders under tmp_path.

Nothing here reads the developer's ``.env`` or ``ASSISTANT_*`` variables, or touches
the project's ``data/`` and ``corpus/`` folders: the shipped corpus is copied first.
Chroma and the embedding model are the real ones (embedded Chroma in tmp_path).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.settings import PROJECT_ROOT, Settings, get_settings
from fixtures.documents import write_small_corpus

SHIPPED_CORPUS = PROJECT_ROOT / "corpus"

# The model is loaded from its package; nothing may try a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def copy_shipped_corpus(dest: Path) -> Path:
    """A writable copy of the shipped corpus (the originals are read-only files)."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in SHIPPED_CORPUS.iterdir():
        if path.is_file():
            shutil.copyfile(path, dest / path.name)
    return dest


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """No developer .env, no ASSISTANT_* variables, no cached process settings."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    for name in list(os.environ):
        if name.startswith("ASSISTANT_"):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def make_settings(tmp_path):
    """Settings for this test's folders, with any field overridden."""

    def make(**overrides) -> Settings:
        values = {"data_dir": tmp_path / "data", "corpus_dir": tmp_path / "corpus"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def close_databases():
    """Close every cached database engine after the test (SQLite files, PostgreSQL pools)."""
    from assistant.database import dispose_databases

    yield
    dispose_databases()


@pytest.fixture
def db(make_settings, close_databases) -> Settings:
    """Settings for a fresh SQLite database in this test's data folder."""
    return make_settings()


@pytest.fixture
def settings(make_settings, tmp_path) -> Settings:
    """A small corpus of three short documents (.txt, .md, .html), not yet indexed."""
    write_small_corpus(tmp_path / "corpus")
    return make_settings()


@pytest.fixture
def indexed(settings) -> Settings:
    """The small corpus, ingested into embedded Chroma."""
    from assistant.ingest import ingest

    report = ingest(settings, progress=False)
    assert report.ok and len(report.added) == 3, report.summary()
    return settings


@pytest.fixture(scope="session")
def shipped_corpus(tmp_path_factory) -> Path:
    """A private copy of the shipped corpus, for reading only."""
    return copy_shipped_corpus(tmp_path_factory.mktemp("shipped") / "corpus")


# Browser tests (tests marked `browser`): Debian's chromium through pytest-playwright, one
# app server per session, axe-core. See fixtures/browser.py.
from fixtures.browser import (  # noqa: E402,F401  (fixtures, registered by being imported)
    api_token,
    axe_page,
    base_url,
    browser_context_args,
    browser_type_launch_args,
    live_server,
    live_settings,
    login,
    page_problems,
)
