"""The documents' units are embedded once, at ingest, and kept (assistant/unit_vectors.py).

Real embedding model, real SQLite file, real Chroma (the ``indexed`` small corpus).
"""

from __future__ import annotations

import numpy as np
import pytest

from assistant.answering import Answerer
from assistant.catalog import Catalog
from assistant.embedding import Embedder
from assistant.evidence import select
from assistant.ingest import delete_document, ingest
from assistant.unit_vectors import UnitVectors, embed_for_scoring, live_unit_texts, store_path
from fixtures.index import embed_with

QUESTIONS = [
    "How often does the pooled fund board meet?",
    "How long do families wait for a speech therapy assessment?",
    "What do holiday play schemes offer?",
]


class CountingEmbedder(Embedder):
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, settings):
        super().__init__(settings)
        self.embedded: list[str] = []

    def embed(self, texts, progress=None):
        self.embedded += list(texts)
        return super().embed(texts, progress=progress)


def _live_texts(settings) -> list[str]:
    catalog = Catalog(settings.catalog_path)
    try:
        return live_unit_texts(catalog)
    finally:
        catalog.close()


def test_ingest_keeps_a_vector_for_every_unit_of_every_live_chunk(indexed):
    texts = _live_texts(indexed)
    assert len(texts) > 10
    embedder = CountingEmbedder(indexed)
    kept = UnitVectors(indexed, embedder).vectors(texts)
    assert embedder.embedded == []  # all were on disk
    own = embedder.model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert np.allclose(kept, own, atol=1e-5)
    again = ingest(indexed, progress=False)
    assert again.sentences_embedded == 0 and "sentences" not in again.summary()


def test_answers_use_the_kept_vectors_and_choose_the_same_evidence(indexed):
    answerer = Answerer(indexed)
    lexical = answerer.retriever.lexical()
    counting = CountingEmbedder(indexed)
    kept = embed_for_scoring(counting, UnitVectors(indexed, counting))
    live = embed_with(answerer.retriever.encoder())
    for question in QUESTIONS:
        query = answerer.retriever.prepare(question)
        results = answerer.retriever.find(query)
        a = select(query, results, lexical, kept)
        b = select(query, results, lexical, live)
        assert [u.text for u in a.chosen] == [u.text for u in b.chosen]
        assert [round(u.score, 4) for u in a.units] == [round(u.score, 4) for u in b.units]
        assert a.similarity == pytest.approx(b.similarity, abs=1e-5)
    assert counting.embedded == []  # no unit was embedded while answering


def test_a_unit_not_kept_is_embedded_once_and_kept_on_disk(indexed):
    sentence = "Commissioners review the pooled budget every spring."
    first = CountingEmbedder(indexed)
    vector = UnitVectors(indexed, first).vectors([sentence])[0]
    assert first.embedded == [sentence]
    later = CountingEmbedder(indexed)  # another process, say
    again = UnitVectors(indexed, later).vectors([sentence])[0]
    assert later.embedded == [] and np.allclose(vector, again)


def test_a_removed_documents_vectors_go_at_the_next_ingest(indexed):
    before = set(_live_texts(indexed))
    assert delete_document(indexed, "short-breaks")
    ingest(indexed, progress=False)
    after = set(_live_texts(indexed))
    gone = before - after
    assert any("respite" in t for t in gone)
    store = UnitVectors(indexed, Embedder(indexed))
    assert store.missing(after) == []
    assert sorted(store.missing(gone)) == sorted(gone)


def test_an_index_made_before_unit_vectors_gets_them_from_ingest(indexed):
    store_path(indexed).unlink()
    report = ingest(indexed, progress=False)
    assert report.unchanged and not report.added
    assert report.sentences_embedded == len(_live_texts(indexed))
    assert f"{report.sentences_embedded} sentences embedded" in report.summary()


def test_a_damaged_file_is_set_aside_and_answers_still_come(indexed):
    path = store_path(indexed)
    for extra in ("-wal", "-shm"):
        path.with_name(path.name + extra).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database " * 100)
    answer = Answerer(indexed).ask(QUESTIONS[0])
    assert not answer.refused and "quarterly" in answer.text
    assert path.with_name(path.name + ".damaged").read_bytes().startswith(b"this is not")
    report = ingest(indexed, progress=False)
    assert UnitVectors(indexed, Embedder(indexed)).missing(_live_texts(indexed)) == []
    assert report.ok
