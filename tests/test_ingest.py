"""Ingest against a real embedded Chroma and the real embedding model.

Covers the first ingest, idempotent and incremental re-ingest, adding and deleting
documents, an ingest that fails or is killed half-way, and files that must be refused
without changing anything.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant import manifest
from assistant.catalog import Catalog
from assistant.extract import DocumentError
from assistant.ingest import add_document, delete_document, ingest
from assistant.retrieval import Retriever
from assistant.vectorstore import VectorStore
from fixtures.documents import bad_files, make_docx, make_pdf
from fixtures.index import (assert_consistent, catalog_documents, chunk_ids_of, chunk_of,
                            live_chunk_ids, snapshot, vector_ids)

SPEECH_QUESTION = "how many weeks do families wait for a speech therapy assessment"


def search(settings, question: str, retriever: str, top_k: int = 3):
    engine = Retriever(settings)
    try:
        return engine.search(question, top_k=top_k, retriever=retriever)
    finally:
        engine.catalog.close()


def vectors_of(settings, doc_id: str) -> set[str]:
    """Vector ids Chroma holds for one document (by its metadata, not by id shape)."""
    return set(VectorStore(settings).collection.get(where={"doc_id": doc_id}, include=[])["ids"])


def edit_manifest(settings, change) -> None:
    manifest.save(settings.manifest_path, change(manifest.load(settings.manifest_path)))


def catalog_chunks(settings, doc_id: str):
    catalog = Catalog(settings.catalog_path)
    try:
        return catalog.chunks([doc_id]), catalog.document_text(doc_id)
    finally:
        catalog.close()


# --- first ingest, re-ingest -----------------------------------------------------------

def test_first_ingest_indexes_every_document(indexed):
    assert set(catalog_documents(indexed)) == {"pooled-budgets", "speech-therapy", "short-breaks"}
    assert_consistent(indexed)
    for doc_id in ("pooled-budgets", "speech-therapy", "short-breaks"):
        chunks, text = catalog_chunks(indexed, doc_id)
        assert chunks and vectors_of(indexed, doc_id)
        for c in chunks:
            assert text[c.start:c.end] == c.text  # citations point into the stored text
    speech, _ = catalog_chunks(indexed, "speech-therapy")
    assert {"Part 1", "Part 2", "Appendix A"} <= {c.section for c in speech}
    assert not (indexed.data_dir / ".ingest.pending").exists()

    for retriever in ("bm25", "dense", "hybrid"):
        hits = search(indexed, SPEECH_QUESTION, retriever)
        assert hits, retriever
        assert hits[0].chunk.doc_id == "speech-therapy", retriever
        assert "eighteen weeks" in hits[0].chunk.text, retriever


def test_second_ingest_is_a_no_op(indexed):
    before = snapshot(indexed)
    catalog = Catalog(indexed.catalog_path)
    generation = catalog.generation()
    catalog.close()

    report = ingest(indexed, progress=False)

    assert sorted(report.unchanged) == ["pooled-budgets", "short-breaks", "speech-therapy"]
    assert not (report.added or report.updated or report.removed or report.failed)
    assert report.chunks_embedded == 0
    assert snapshot(indexed) == before
    catalog = Catalog(indexed.catalog_path)
    assert catalog.generation() == generation  # BM25 caches stay valid
    catalog.close()


def test_changed_document_is_re_embedded_alone(indexed):
    old_speech = chunk_ids_of(indexed, "speech-therapy")
    old_speech_vectors = vectors_of(indexed, "speech-therapy")
    others = {d: chunk_ids_of(indexed, d) for d in ("pooled-budgets", "short-breaks")}
    other_vectors = {d: vectors_of(indexed, d) for d in others}
    path = indexed.corpus_dir / "speech.md"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "eighteen weeks", "twenty-six weeks"), encoding="utf-8")

    report = ingest(indexed, progress=False)

    assert report.updated == ["speech-therapy"]
    assert sorted(report.unchanged) == ["pooled-budgets", "short-breaks"]
    new_speech = chunk_ids_of(indexed, "speech-therapy")
    assert report.chunks_embedded == len(new_speech)
    assert not old_speech & new_speech, "new content must get new chunk ids"
    assert not old_speech_vectors & vectors_of(indexed, "speech-therapy"), "old vectors must go"
    assert not old_speech & live_chunk_ids(indexed)
    assert not old_speech & {chunk_of(v) for v in vector_ids(indexed)}
    for doc_id, ids in others.items():  # untouched documents keep their ids and vectors
        assert chunk_ids_of(indexed, doc_id) == ids
        assert vectors_of(indexed, doc_id) == other_vectors[doc_id]
    assert_consistent(indexed)

    hits = search(indexed, "twenty-six weeks speech therapy wait", "bm25")
    assert "twenty-six weeks" in hits[0].chunk.text
    assert not search(indexed, "eighteen", "bm25")


def test_metadata_change_updates_catalog_without_embedding(indexed):
    before = snapshot(indexed)

    def retitle(entries):
        return [e.model_copy(update={"publisher": "Anytown Council", "date": "May 2024"})
                if e.id == "short-breaks" else e for e in entries]

    edit_manifest(indexed, retitle)
    report = ingest(indexed, progress=False)

    assert report.chunks_embedded == 0 and not report.updated
    catalog = Catalog(indexed.catalog_path)
    record = catalog.document("short-breaks")
    catalog.close()
    assert (record.publisher, record.date) == ("Anytown Council", "May 2024")
    after = snapshot(indexed)
    assert (after.chunks, after.vectors) == (before.chunks, before.vectors)


def test_a_changed_title_is_re_embedded_because_it_is_part_of_the_context(indexed):
    old = chunk_ids_of(indexed, "pooled-budgets")
    edit_manifest(indexed, lambda entries: [
        e.model_copy(update={"title": "Section 75 Pooled Budgets"}) if e.id == "pooled-budgets" else e
        for e in entries])

    report = ingest(indexed, progress=False)

    assert report.updated == ["pooled-budgets"]
    chunks, _ = catalog_chunks(indexed, "pooled-budgets")
    assert not old & {c.chunk_id for c in chunks}
    assert all(c.context.startswith("Section 75 Pooled Budgets") for c in chunks)
    assert_consistent(indexed)


def test_dense_search_can_be_limited_to_documents(indexed):
    # Vectors carry their document id, so Chroma itself can filter by document.
    within = search(indexed, SPEECH_QUESTION, "dense", top_k=5)
    assert within[0].chunk.doc_id == "speech-therapy"
    engine = Retriever(indexed)
    try:
        scoped = engine.search(SPEECH_QUESTION, top_k=5, retriever="dense", doc_ids=["short-breaks"])
    finally:
        engine.catalog.close()
    assert scoped and {h.chunk.doc_id for h in scoped} == {"short-breaks"}
    assert len(vectors_of(indexed, "short-breaks")) >= len(chunk_ids_of(indexed, "short-breaks"))


# --- add and delete ----------------------------------------------------------------------

def test_add_document_copies_lists_and_indexes_without_duplicates(indexed, tmp_path):
    source = tmp_path / "incoming" / "Advocacy Framework.pdf"
    source.parent.mkdir()
    source.write_bytes(make_pdf())

    report = add_document(indexed, source, title="Advocacy Framework", publisher="Anytown",
                          progress=False)

    assert report.added == ["advocacy-framework"] and report.ok
    entry = next(e for e in manifest.load(indexed.manifest_path) if e.id == "advocacy-framework")
    assert entry.file == "local/advocacy-framework.pdf"
    assert entry.original == "Advocacy Framework.pdf" and entry.kind == "local"
    assert (indexed.corpus_dir / entry.file).read_bytes() == source.read_bytes()
    first_ids = chunk_ids_of(indexed, "advocacy-framework")
    advocacy = catalog_chunks(indexed, "advocacy-framework")[0]
    assert next(c for c in advocacy if "independent advocacy" in c.text).section.startswith("2")
    assert next(c for c in advocacy if "looked after children" in c.text).section == "1"
    assert_consistent(indexed)

    # The same file again: nothing new, nothing doubled.
    again = add_document(indexed, source, title="Advocacy Framework", publisher="Anytown",
                         progress=False)
    assert again.unchanged == ["advocacy-framework"] and again.chunks_embedded == 0
    assert chunk_ids_of(indexed, "advocacy-framework") == first_ids
    assert [e.id for e in manifest.load(indexed.manifest_path)].count("advocacy-framework") == 1
    assert_consistent(indexed)
    assert {chunk_of(v) for v in vectors_of(indexed, "advocacy-framework")} == first_ids

    # A new version (now a Word file) replaces the old one everywhere.
    replacement = tmp_path / "incoming" / "Advocacy Framework v2.docx"
    replacement.write_bytes(make_docx())
    report = add_document(indexed, replacement, title="Advocacy Framework", progress=False)
    assert report.updated == ["advocacy-framework"]
    assert not (indexed.corpus_dir / "local" / "advocacy-framework.pdf").exists()
    assert (indexed.corpus_dir / "local" / "advocacy-framework.docx").exists()
    assert not first_ids & live_chunk_ids(indexed)
    assert {chunk_of(v) for v in vectors_of(indexed, "advocacy-framework")} == \
        chunk_ids_of(indexed, "advocacy-framework")
    assert_consistent(indexed)
    assert "Standard 7" in {c.section for c in catalog_chunks(indexed, "advocacy-framework")[0]}


def test_delete_document_removes_it_everywhere(indexed):
    others = {d: chunk_ids_of(indexed, d) for d in ("pooled-budgets", "short-breaks")}
    assert vectors_of(indexed, "speech-therapy")

    assert delete_document(indexed, "speech-therapy") is True

    assert "speech-therapy" not in {e.id for e in manifest.load(indexed.manifest_path)}
    assert not (indexed.corpus_dir / "speech.md").exists()
    assert "speech-therapy" not in catalog_documents(indexed)
    assert not chunk_ids_of(indexed, "speech-therapy")
    assert not vectors_of(indexed, "speech-therapy")
    for doc_id, ids in others.items():
        assert chunk_ids_of(indexed, doc_id) == ids
    assert_consistent(indexed)
    assert all(h.chunk.doc_id != "speech-therapy" for h in search(indexed, SPEECH_QUESTION, "hybrid"))
    # Deleting again is a harmless no-op, and a later ingest does not bring it back.
    assert delete_document(indexed, "speech-therapy") is False
    report = ingest(indexed, progress=False)
    assert "speech-therapy" not in report.added + report.unchanged


def test_document_dropped_from_manifest_is_removed_by_ingest(indexed):
    edit_manifest(indexed, lambda entries: [e for e in entries if e.id != "short-breaks"])

    report = ingest(indexed, progress=False)

    assert report.removed == ["short-breaks"] and report.chunks_embedded == 0
    assert "short-breaks" not in catalog_documents(indexed)
    assert not vectors_of(indexed, "short-breaks")
    assert_consistent(indexed)
    assert not any(h.chunk.doc_id == "short-breaks"
                   for h in search(indexed, "overnight respite short breaks", "dense"))


# --- an ingest that fails half-way ----------------------------------------------------------

def _edit_two_documents(settings) -> None:
    pooled = settings.corpus_dir / "pooled.txt"
    pooled.write_text(pooled.read_text(encoding="utf-8") + "\n3. Review\nThe pooled fund is "
                      "reviewed every April by the joint commissioning board.\n", encoding="utf-8")
    speech = settings.corpus_dir / "speech.md"
    speech.write_text(speech.read_text(encoding="utf-8").replace(
        "eighteen weeks", "twenty-six weeks"), encoding="utf-8")


@pytest.mark.parametrize("failing", ["vectors added, catalog never switched",
                                     "catalog transaction fails"])
def test_ingest_failing_half_way_keeps_serving_the_old_index(indexed, monkeypatch, failing):
    old_speech = chunk_ids_of(indexed, "speech-therapy")
    _edit_two_documents(indexed)
    calls = []

    if failing == "vectors added, catalog never switched":
        real_add = VectorStore.add

        def add_then_die(self, ids, *args, **kwargs):
            calls.append(ids)
            real_add(self, ids, *args, **kwargs)
            if len(calls) == 2:  # the second document's vectors are in; the process dies
                raise RuntimeError("simulated crash after writing vectors")

        monkeypatch.setattr(VectorStore, "add", add_then_die)
    else:
        real_replace = Catalog.replace_document

        def replace_then_die(self, record, *args, **kwargs):
            calls.append(record.doc_id)
            if len(calls) == 2:
                raise RuntimeError("simulated crash in the catalog swap")
            return real_replace(self, record, *args, **kwargs)

        monkeypatch.setattr(Catalog, "replace_document", replace_then_die)

    with pytest.raises(RuntimeError, match="simulated crash"):
        ingest(indexed, progress=False)
    monkeypatch.undo()

    # The first document went live whole; the second still serves its old chunks.
    assert len(calls) == 2
    pooled_chunks, _ = catalog_chunks(indexed, "pooled-budgets")
    assert any("reviewed every April" in c.text for c in pooled_chunks)
    assert chunk_ids_of(indexed, "speech-therapy") == old_speech
    live = live_chunk_ids(indexed)
    vectors = {chunk_of(v) for v in vector_ids(indexed)}
    assert live <= vectors, "every live chunk still has its vectors"
    if failing == "vectors added, catalog never switched":
        assert vectors - live, "the dead run's vectors are stray until the next ingest"
    assert (indexed.data_dir / ".ingest.pending").exists()

    # Searches see only live chunks: the old text, never the half-written new one.
    for retriever in ("bm25", "dense", "hybrid"):
        hits = search(indexed, SPEECH_QUESTION, retriever)
        assert hits and hits[0].chunk.doc_id == "speech-therapy", retriever
        assert all(h.chunk.chunk_id in live for h in hits)
        assert "eighteen weeks" in hits[0].chunk.text, retriever

    report = ingest(indexed, progress=False)

    assert report.updated == ["speech-therapy"] and report.ok
    assert "pooled-budgets" in report.unchanged
    assert not (indexed.data_dir / ".ingest.pending").exists()
    assert_consistent(indexed)  # stray vectors swept
    hits = search(indexed, SPEECH_QUESTION, "dense")
    assert "twenty-six weeks" in hits[0].chunk.text


_INGEST_SCRIPT = """
import sys
from assistant.ingest import ingest
from assistant.settings import Settings
report = ingest(Settings(), progress=False)
print(report.summary())
sys.exit(0 if report.ok else 1)
"""


def _run_ingest_process(settings, workdir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(settings.data_dir),
               ASSISTANT_CORPUS_DIR=str(settings.corpus_dir),
               ASSISTANT_TORCH_THREADS="1", ASSISTANT_EMBEDDING_BATCH_SIZE="4",
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.Popen([sys.executable, "-c", _INGEST_SCRIPT], cwd=workdir, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_ingest_killed_with_sigkill_leaves_the_previous_index_serving(indexed, tmp_path):
    from chromadb.api.shared_system_client import SharedSystemClient

    before = snapshot(indexed)
    pending = indexed.data_dir / ".ingest.pending"
    assert not pending.exists()
    # A long new document, so the process is still embedding when it is killed.
    long_text = "Annual Report\n\n" + "\n\n".join(
        f"Paragraph {i}. The youth offending service worked with {i} families in district {i % 7} "
        "this year, and the board reviewed every referral within ten working days."
        for i in range(150))
    (indexed.corpus_dir / "annual.txt").write_text(long_text, encoding="utf-8")
    edit_manifest(indexed, lambda entries: entries + [
        manifest.Entry(id="annual-report", file="annual.txt", title="Annual Report")])
    _edit_two_documents(indexed)

    process = _run_ingest_process(indexed, tmp_path / "cwd")
    try:
        deadline = time.monotonic() + 120
        while not pending.exists():
            assert process.poll() is None, f"ingest ended before embedding: {process.communicate()}"
            assert time.monotonic() < deadline, "ingest never started writing"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    assert pending.exists()

    # Forget the in-process Chroma handles: another process has had the store open.
    SharedSystemClient.clear_system_cache()
    after = snapshot(indexed)
    assert after.documents == before.documents
    assert after.chunks == before.chunks
    assert before.vectors <= after.vectors
    assert {chunk_of(v) for v in after.vectors} >= after.chunks
    hits = search(indexed, SPEECH_QUESTION, "hybrid")
    assert hits and hits[0].chunk.doc_id == "speech-therapy"
    assert "eighteen weeks" in hits[0].chunk.text

    report = ingest(indexed, progress=False)

    assert report.ok and report.added == ["annual-report"]
    assert sorted(report.updated) == ["pooled-budgets", "speech-therapy"]
    assert not pending.exists()
    assert_consistent(indexed)
    hits = search(indexed, "youth offending service referrals reviewed", "dense")
    assert hits[0].chunk.doc_id == "annual-report"


# --- files that must be refused ----------------------------------------------------------

BAD = bad_files()


@pytest.mark.parametrize("case", list(BAD))
def test_add_document_refuses_a_bad_file_and_changes_nothing(indexed, tmp_path, case):
    name, data, reason = BAD[case]
    source = tmp_path / "incoming" / name
    source.parent.mkdir()
    source.write_bytes(data)
    before = snapshot(indexed)

    with pytest.raises(DocumentError) as refused:
        add_document(indexed, source, title="Refused Upload", progress=False)

    message = str(refused.value)
    assert name in message and reason.lower() in message.lower()
    assert snapshot(indexed) == before
    assert not (indexed.corpus_dir / "local").exists()


def test_add_document_refuses_an_oversized_file_and_changes_nothing(indexed, make_settings, tmp_path):
    settings = make_settings(max_file_mb=0.001)  # 1048 bytes
    source = tmp_path / "incoming" / "big.txt"
    source.parent.mkdir()
    source.write_text("Commissioning plan paragraph. " * 60, encoding="utf-8")  # 1800 bytes
    before = snapshot(settings)

    with pytest.raises(DocumentError) as refused:
        add_document(settings, source, title="Big Upload", progress=False)

    message = str(refused.value)
    assert message.startswith("big.txt: ") and "limit is 0.001 MB" in message
    assert "ASSISTANT_MAX_FILE_MB" in message
    # The size shown must be visibly over the limit, not rounded down to it.
    assert "0.001717 MB" in message
    assert snapshot(settings) == before


def test_add_document_refuses_a_missing_file(indexed, tmp_path):
    before = snapshot(indexed)
    with pytest.raises(DocumentError, match=r"^nowhere\.pdf: the file does not exist"):
        add_document(indexed, tmp_path / "nowhere.pdf", title="Missing", progress=False)
    assert snapshot(indexed) == before


@pytest.mark.parametrize("case", ["binary named .txt", "scanned PDF", "non-UTF-8 text",
                                  "text named .pdf", "empty"])
def test_ingest_reports_a_bad_manifest_file_and_indexes_the_rest(indexed, case):
    name, data, reason = BAD[case]
    (indexed.corpus_dir / name).write_bytes(data)
    edit_manifest(indexed, lambda entries: entries + [
        manifest.Entry(id="bad-one", file=name, title="A bad file")])
    # A good new document in the same run still goes in.
    (indexed.corpus_dir / "good.md").write_text("# Good News\n\nFoster carers were recruited "
                                                "in record numbers.\n", encoding="utf-8")
    edit_manifest(indexed, lambda entries: entries + [
        manifest.Entry(id="good-one", file="good.md", title="Good News")])
    before = snapshot(indexed)

    report = ingest(indexed, progress=False)

    assert not report.ok
    assert len(report.failed) == 1
    failed_file, why = report.failed[0]
    assert failed_file == name and reason.lower() in why.lower()
    assert "1 refused" in report.summary()
    assert report.added == ["good-one"]
    after = snapshot(indexed)
    assert "bad-one" not in after.documents
    assert after.manifest == before.manifest and after.corpus_files == before.corpus_files
    assert {d: h for d, h in after.documents.items() if d != "good-one"} == before.documents
    assert_consistent(indexed)


@pytest.mark.parametrize("case", ["binary named .txt", "non-UTF-8 text", "empty"])
def test_a_document_replaced_by_a_bad_file_keeps_its_old_index(indexed, case):
    name, data, reason = BAD[case]
    # The .md file is overwritten in place, so the name stays 'speech.md'.
    (indexed.corpus_dir / "speech.md").write_bytes(data)
    before = snapshot(indexed)

    report = ingest(indexed, progress=False)

    assert report.failed and report.failed[0][0] == "speech.md"
    assert reason.lower() in report.failed[0][1].lower()
    after = snapshot(indexed)
    assert (after.documents, after.chunks, after.vectors) == (before.documents, before.chunks,
                                                              before.vectors)
    hits = search(indexed, SPEECH_QUESTION, "bm25")
    assert hits[0].chunk.doc_id == "speech-therapy"


def test_a_missing_manifest_file_is_reported_and_its_index_kept(indexed):
    (indexed.corpus_dir / "breaks.html").unlink()
    before = snapshot(indexed)

    report = ingest(indexed, progress=False)

    assert report.failed == [("breaks.html", "the file does not exist")]
    assert snapshot(indexed).chunks == before.chunks


def test_the_vector_search_is_wide_enough_to_repeat_itself_on_new_and_existing_indexes(settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    from assistant.vectorstore import SEARCH_BREADTH

    # An index made before the search was widened keeps Chroma's default breadth until opened.
    client = chromadb.PersistentClient(path=str(settings.chroma_dir), settings=ChromaSettings(anonymized_telemetry=False))
    old = client.get_or_create_collection(settings.collection, metadata={"hnsw:space": "cosine"})
    assert old.configuration["hnsw"]["ef_search"] < SEARCH_BREADTH
    store = VectorStore(settings)
    assert store.collection.configuration["hnsw"]["ef_search"] == SEARCH_BREADTH
    assert store.collection.configuration["hnsw"]["space"] == "cosine"
