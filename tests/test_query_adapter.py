"""The learned query adapter: the shipped matrix, its checks, how select() uses it, and its training."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from assistant import query_adapter
from assistant.query_adapter import AdapterError, adapt, load

ROOT = Path(__file__).resolve().parent.parent


def _trainer():
    spec = importlib.util.spec_from_file_location("train_query_adapter", ROOT / "evaluations" / "train_query_adapter.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_shipped_adapter_fits_the_bundled_model():
    matrix = load()
    assert matrix.shape == (384, 384) and matrix.dtype == np.float32
    assert np.isfinite(matrix).all() and np.abs(matrix).max() > 0  # trained, not the zero matrix


def test_an_adapter_for_another_model_or_size_is_refused_with_what_to_do(tmp_path):
    other = tmp_path / "other.npz"
    np.savez(other, matrix=np.zeros((8, 8), dtype=np.float32), model=np.array("some-other-model"))
    with pytest.raises(AdapterError, match="trained for some-other-model"):
        load(other, 384)
    with pytest.raises(AdapterError, match="train_query_adapter.py"):
        load(tmp_path / "missing.npz", 384)


def test_adapting_keeps_a_unit_vector_and_the_zero_matrix_changes_nothing():
    vector = np.array([0.6, 0.8, 0.0], dtype=np.float32)
    assert np.allclose(adapt(vector, np.zeros((3, 3), dtype=np.float32)), vector)
    turned = adapt(vector, np.array([[0, 0, 0], [0, 0, 0], [0, 2, 0]], dtype=np.float32))
    assert abs(np.linalg.norm(turned) - 1.0) < 1e-6 and turned[2] > 0.5


def test_the_adapter_steers_sentence_choice_but_not_the_guards_closeness(tmp_path):
    """select() scores sentences with the adapted question vector; evidence.similarity,
    which decides refusals, stays the model's own closeness."""
    from assistant.catalog import ChunkRecord, DocumentRecord
    from assistant.evidence import select
    from assistant.lexical import LexicalIndex
    from assistant.query import prepare
    from assistant.retrieval import SearchResult

    text = "Budgets are pooled each spring. Providers are paid each quarter."
    chunk = ChunkRecord("d-0", "d", 0, text, 0, len(text), "", (), "")
    document = DocumentRecord("d", "D", "", "", "local", "d.md", "d.md", "h")
    result = SearchResult((chunk,), chunk, document, 1.0, text)
    lexical = LexicalIndex([chunk])
    vectors = {"Budgets": [0.9, 0.436, 0.0], "Providers": [0.0, 0.436, 0.9]}

    def embed(texts):  # the question first, then the sentences
        return np.array([[1.0, 0.0, 0.0]] + [vectors[t.split()[0]] for t in texts[1:]], dtype=np.float32)

    def best(evidence):
        return max(evidence.units, key=lambda u: u.score).text

    query = prepare("When is money handled?", tmp_path, [])
    plain = select(query, [result], lexical, embed)
    assert best(plain).startswith("Budgets")
    # An adapter that learned "when is money handled" asks about payment.
    steer = np.zeros((3, 3), dtype=np.float32)
    steer[2, 0] = 3.0
    steered = select(query, [result], lexical, embed, adapter=steer)
    assert best(steered).startswith("Providers")
    assert steered.similarity == pytest.approx(plain.similarity)


def test_the_answerer_uses_the_adapter_only_for_the_bundled_model(make_settings):
    from assistant.answering import Answerer

    assert Answerer(make_settings(query_adapter=False))._adapter() is None
    assert Answerer(make_settings(embedding_model_path=Path("/some/other/model")))._adapter() is None
    assert Answerer(make_settings())._adapter() is query_adapter.load(dimension=384)


def test_training_puts_the_answering_sentence_first_on_questions_it_did_not_see():
    """fit() learns, from questions whose answering sentence is not the closest one, to
    score such sentences first, on new questions of the same kind too."""
    trainer = _trainer()
    rng = np.random.default_rng(0)

    def questions(n):
        rows = []
        for _ in range(n):
            q = rng.normal(size=6)
            q /= np.linalg.norm(q)
            # The answering sentence lies along a fixed turn of the question; the other is nearer.
            answer, near = q + np.roll(q, 1), q + 0.4 * rng.normal(size=6)
            units = np.array([near / np.linalg.norm(near), answer / np.linalg.norm(answer)])
            rows.append({"set": "s", "vectors": np.vstack([q, units]).astype(np.float32),
                         "lexical": np.zeros(2, dtype=np.float32), "prior": np.ones(2, dtype=np.float32),
                         "gold": np.array([False, True])})
        return rows

    seen, unseen = questions(40), questions(40)
    assert trainer.first_answers(unseen, None) < 0.5
    matrix = trainer.fit(seen, penalty=0.001, steps=400)
    assert matrix.shape == (6, 6)
    assert trainer.first_answers(unseen, matrix) >= 0.75


def test_training_never_uses_dev_or_the_sets_kept_unseen():
    trainer = _trainer()
    assert "dev" not in trainer.TRAINING_SETS
    assert not {f"heldout{n}" for n in (46, 47, 48, 49, 90, 97, 102, 105)} & set(trainer.TRAINING_SETS)
    assert not set(trainer.UNSEEN_SETS) & set(trainer.TRAINING_SETS)
    assert set(trainer.VALIDATION_SETS) <= set(trainer.TRAINING_SETS)
