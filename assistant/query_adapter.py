"""A learned adjustment of the question's vector, for choosing the sentences that answer.

all-MiniLM-L6-v2 learned what "close in meaning" is from general web text. Among the
sentences of the passages retrieved for a question, it often finds a sentence on the
question's topic closer than the one that answers it. The adapter is a square matrix
``A``, trained by ``evaluations/train_query_adapter.py`` on questions written about the
shipped documents, each with the verbatim sentences that answer it: the question's vector
``q`` becomes ``q + A q`` (normalised), which sits closer to answering sentences.

It is used only to score sentences for the answer (:func:`assistant.evidence.select`).
Retrieval and the refusal guard's measure of closeness keep the model's own vectors, so
how close a question comes to the documents is judged as before (the guard's other checks
read the sentences chosen, which the adapter does change). It was trained for the bundled
model's vectors; with another embedding model (``embedding_model_path``) it is not used.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

ADAPTER_FILE = Path(__file__).with_name("query_adapter.npz")
MODEL_NAME = "all-MiniLM-L6-v2"  # the model whose vectors the adapter was trained on


class AdapterError(ValueError):
    """The adapter file is missing or does not fit the embedding model."""


@lru_cache(maxsize=4)
def load(path: Path = ADAPTER_FILE, dimension: int = 384) -> np.ndarray:
    """The adapter matrix in ``path``, checked to be ``dimension`` square and for
    :data:`MODEL_NAME`'s vectors."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            matrix = stored["matrix"].astype(np.float32)
            model = str(stored["model"])
    except (OSError, KeyError, ValueError) as err:
        raise AdapterError(f"Cannot read the query adapter {path}: {err}. "
                           "Run evaluations/train_query_adapter.py, or set ASSISTANT_QUERY_ADAPTER=false.") from err
    if model != MODEL_NAME or matrix.shape != (dimension, dimension):
        raise AdapterError(f"The query adapter {path} was trained for {model} ({matrix.shape[0]} dimensions), "
                           f"not for {MODEL_NAME} ({dimension}).")
    return matrix


def adapt(vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``vector + matrix @ vector``, normalised to unit length."""
    adapted = vector + matrix @ vector
    norm = float(np.linalg.norm(adapted))
    return adapted / norm if norm else vector
