"""The vectors of the documents' units (sentences, list items, table rows), kept on disk.

Choosing evidence compares the question with every unit of the retrieved passages, and
verification compares an LLM's sentences with the units of the passages it was given.
Embedding those fifty-odd units on every question took ~0.5 s on two cores, most of an
extractive answer's time, though they are the same units every time. So each live
chunk's units are embedded once, when ingest makes it live, and kept in a SQLite file
beside the catalog (``data_dir/unit_vectors.sqlite3``), keyed by the embedding model and
the unit's text. A unit not found there (a merged passage may cut a sentence across a
chunk seam that no chunk holds whole) is embedded on the spot and kept.

The file is a cache: deleting it loses nothing (the next ingest, or the questions that
need them, embed the units again), and units no live chunk holds are swept by ingest.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from assistant.catalog import Catalog
from assistant.documents import without_markup
from assistant.settings import Settings

SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
FILE_NAME = "unit_vectors.sqlite3"


def store_path(settings: Settings) -> Path:
    """Where the unit vectors are kept."""
    return settings.data_dir / FILE_NAME


def live_unit_texts(catalog: Catalog) -> list[str]:
    """The text of every unit of every live chunk, as evidence selection embeds it."""
    from assistant.retrieval import SearchResult
    from assistant.units import units_of

    documents = {d.doc_id: d for d in catalog.documents()}
    results = [SearchResult((c,), c, documents[c.doc_id], 0.0, c.text)
               for c in catalog.chunks() if c.doc_id in documents]
    return list(dict.fromkeys(without_markup(u.text) for u in units_of(results) if not u.heading))


class UnitVectors:
    """Unit vectors by text for one embedding model, read from disk and kept in memory.

    Safe to share between threads; several processes may use one file (SQLite locks it).
    """

    def __init__(self, settings: Settings, embedder):
        self.settings = settings
        self.embedder = embedder
        self.path = store_path(settings)
        # The same text under another model (or int8) is another vector.
        self._model = f"{embedder.path}|{settings.embedding_int8}"
        self._memory: dict[str, np.ndarray] = {}
        self._loaded = False
        self._lock = threading.Lock()

    def key(self, text: str) -> str:
        """The store's key for ``text`` under this model."""
        return hashlib.sha1(f"{self._model}\n{text}".encode()).hexdigest()

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        """The file, open for one read or write. A file that is not a database (damaged, or
        something else under its name) is set aside and started again: it is only a cache."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = _open(self.path)
        except sqlite3.DatabaseError:
            self.path.replace(self.path.with_name(self.path.name + ".damaged"))
            db = _open(self.path)
        try:
            yield db
        finally:
            db.close()

    def _read(self, keys: list[str] | None = None) -> dict[str, np.ndarray]:
        """Vectors on disk (those of ``keys``, or all); a damaged file reads as empty."""
        try:
            with self._database() as db:
                if keys is None:
                    rows = db.execute("SELECT key, vector FROM vectors").fetchall()
                else:
                    rows = []
                    for begin in range(0, len(keys), 500):
                        part = keys[begin:begin + 500]
                        rows += db.execute(f"SELECT key, vector FROM vectors WHERE key IN "
                                           f"({','.join('?' * len(part))})", part).fetchall()
        except sqlite3.DatabaseError:
            return {}
        return {k: np.frombuffer(v, dtype=np.float32) for k, v in rows}

    def _write(self, found: dict[str, np.ndarray]) -> None:
        """Keep ``found`` on disk; a file that cannot be written only costs speed later."""
        try:
            with self._database() as db, db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                               [(k, v.astype(np.float32).tobytes()) for k, v in found.items()])
        except sqlite3.DatabaseError:
            pass

    def load(self) -> None:
        """Read every vector on disk into memory (done once; later misses read on demand)."""
        with self._lock:
            if not self._loaded:
                self._memory.update(self._read())
                self._loaded = True

    def vectors(self, texts: list[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Unit-length vectors of ``texts`` (one row each), embedding only those not kept."""
        self.load()
        keys = [self.key(t) for t in texts]
        with self._lock:
            missing = [k for k in dict.fromkeys(keys) if k not in self._memory]
        if missing:
            # Another process (an ingest from the command line) may have kept them since.
            on_disk = self._read(missing)
            with self._lock:
                self._memory.update(on_disk)
            new = {k: t for k, t in zip(keys, texts) if k in missing and k not in on_disk}
            if new:
                embedded = self.embedder.embed(list(new.values()), progress=progress)
                found = dict(zip(new, embedded))
                self._write(found)
                with self._lock:
                    self._memory.update(found)
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        with self._lock:
            return np.stack([self._memory[k] for k in keys])

    def missing(self, texts: Iterable[str]) -> list[str]:
        """Those of ``texts`` that have no vector yet."""
        self.load()
        with self._lock:
            return [t for t in texts if self.key(t) not in self._memory]

    def keep_only(self, texts: Iterable[str]) -> int:
        """Forget every vector but those of ``texts``; return how many went."""
        keep = {self.key(t) for t in texts}
        self.load()
        with self._lock:
            gone = [k for k in self._memory if k not in keep]
            for k in gone:
                del self._memory[k]
        if gone:
            try:
                with self._database() as db, db:
                    db.executemany("DELETE FROM vectors WHERE key = ?", [(k,) for k in gone])
            except sqlite3.DatabaseError:
                pass
        return len(gone)


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=30)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(SCHEMA)
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def embed_for_scoring(embedder, units: UnitVectors):
    """An ``embed(texts)`` for evidence selection and verification: the first text (the
    question, or a sentence an LLM wrote) is embedded as it comes; the rest, the documents'
    units, come from ``units``."""
    def embed(texts: list[str]) -> np.ndarray:
        first = embedder.embed_query(texts[0])
        return np.vstack([first[None, :], units.vectors(texts[1:])])
    return embed


def refresh(settings: Settings, catalog: Catalog, progress: bool = True,
            tell: Callable[[int, str], None] = lambda percent, stage: None) -> int:
    """Embed the units of the live chunks that have no vector yet, and forget the vectors
    of units no live chunk holds; return how many were embedded. Quick when nothing is
    new: the embedding model is loaded only if something needs embedding."""
    from tqdm import tqdm

    from assistant.embedding import Embedder

    texts = live_unit_texts(catalog)
    store = UnitVectors(settings, Embedder(settings))
    store.keep_only(texts)
    missing = store.missing(texts)
    if missing:
        tell(95, "Embedding sentences")
        with tqdm(total=len(missing), desc="Embedding sentences", unit="sentence",
                  disable=not progress, leave=False) as bar:
            store.vectors(missing, progress=bar.update)
    return len(missing)
