"""Ingest and search against a real `chroma run` server on a loopback port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from assistant.catalog import Catalog
from assistant.ingest import ingest
from assistant.retrieval import Retriever
from assistant.vectorstore import SEARCH_BREADTH, StoreUnavailable, VectorStore
from fixtures.documents import write_small_corpus
from fixtures.index import assert_consistent, snapshot

# The CLI installed with chromadb, beside this interpreter (.venv/bin/chroma).
CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def heartbeat(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, OSError):
        return False


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` server with its own data folder; stopped when the module ends."""
    if not CHROMA.exists():
        pytest.fail(f"the chroma CLI is missing at {CHROMA}")
    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(path.parent / f"chroma-{port}.log", "w")
    process = subprocess.Popen([str(CHROMA), "run", "--path", str(path / "db"),
                                "--host", "127.0.0.1", "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not heartbeat(port):
            if process.poll() is not None:
                pytest.fail(f"chroma run exited with {process.returncode}; see {log.name}")
            if time.monotonic() > deadline:
                pytest.fail(f"chroma run did not answer on port {port} within 60 s")
            time.sleep(0.2)
        yield port, path / "db"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server_settings(chroma_server, make_settings, tmp_path, request):
    port, _ = chroma_server
    write_small_corpus(tmp_path / "corpus")
    # One collection per test, so tests sharing the server never see each other's vectors.
    return make_settings(chroma_mode="server", chroma_port=port,
                         collection=f"test-{request.node.name[:40]}".replace("[", "-").replace("]", ""))


@pytest.mark.slow
def test_ingest_and_dense_search_through_a_chroma_server(server_settings, chroma_server):
    _, server_path = chroma_server

    report = ingest(server_settings, progress=False)

    assert report.ok and sorted(report.added) == ["pooled-budgets", "short-breaks", "speech-therapy"]
    assert not server_settings.chroma_dir.exists(), "vectors must go to the server, not embedded Chroma"
    assert any(server_path.iterdir()), "the server keeps the vectors in its own folder"
    store = VectorStore(server_settings)
    assert store.count() >= report.chunks_embedded > 0
    assert store.collection.configuration["hnsw"]["ef_search"] >= SEARCH_BREADTH  # set over HTTP too
    assert_consistent(server_settings)

    engine = Retriever(server_settings)
    try:
        hits = engine.search("how long is the wait for a first speech therapy assessment",
                             retriever="dense", top_k=3)
        assert hits[0].chunk.doc_id == "speech-therapy"
        assert "eighteen weeks" in hits[0].chunk.text
        assert hits[0].chunk.section == "Part 1"
        scoped = engine.search("overnight respite in residential homes", retriever="dense",
                               doc_ids=["short-breaks"])
        assert scoped and {h.chunk.doc_id for h in scoped} == {"short-breaks"}
        assert "residential homes" in scoped[0].chunk.text
    finally:
        engine.catalog.close()

    before = snapshot(server_settings)
    again = ingest(server_settings, progress=False)
    assert len(again.unchanged) == 3 and again.chunks_embedded == 0
    assert not (again.added or again.updated or again.removed)
    assert snapshot(server_settings) == before


@pytest.mark.slow
def test_update_through_a_chroma_server_replaces_old_vectors(server_settings):
    ingest(server_settings, progress=False)
    catalog = Catalog(server_settings.catalog_path)
    old = {c.chunk_id for c in catalog.chunks(["pooled-budgets"])}
    catalog.close()
    path = server_settings.corpus_dir / "pooled.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("quarterly", "every month"),
                    encoding="utf-8")

    report = ingest(server_settings, progress=False)

    assert report.updated == ["pooled-budgets"]
    assert_consistent(server_settings)
    catalog = Catalog(server_settings.catalog_path)
    assert not old & catalog.live_ids()
    catalog.close()


def test_an_unreachable_server_is_a_clear_error_and_changes_nothing(make_settings, tmp_path):
    write_small_corpus(tmp_path / "corpus")
    port = free_port()  # nothing listens here
    settings = make_settings(chroma_mode="server", chroma_port=port)

    with pytest.raises(StoreUnavailable, match=f"Chroma server at 127.0.0.1:{port}"):
        ingest(settings, progress=False)

    catalog = Catalog(settings.catalog_path)
    assert catalog.documents() == [] and catalog.live_ids() == set()
    catalog.close()
    assert not (settings.data_dir / ".ingest.pending").exists()
