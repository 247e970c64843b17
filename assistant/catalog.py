"""The catalog: a SQLite file that says which documents and chunks are live.

Chroma holds vectors; the catalog holds the truth about what is in the index. A
changed document's new vectors are written first, under new ids, and then one
SQLite transaction swaps the catalog from the old chunks to the new. A process killed
at any point therefore leaves either the old index or the new one serving, never a
mix; vectors the catalog does not list are ignored by retrieval and swept away by
the next ingest.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.documents import Chunk

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    publisher TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',
    kind TEXT NOT NULL,
    file TEXT NOT NULL,
    original TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    text TEXT NOT NULL,
    ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    section TEXT NOT NULL,
    heading_path TEXT NOT NULL,
    context TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_id, ordinal);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class DocumentRecord:
    """A live document as the catalog knows it."""

    doc_id: str
    title: str
    publisher: str
    date: str
    kind: str
    file: str
    original: str
    content_hash: str


@dataclass(frozen=True)
class DocumentStats:
    """What the library shows beside a document's metadata (times are Unix seconds)."""

    passages: int
    added_at: float
    updated_at: float


@dataclass(frozen=True)
class ChunkRecord:
    """A live chunk, with its neighbours' ids for expansion."""

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str
    heading_path: tuple[str, ...]
    context: str

    @property
    def search_text(self) -> str:
        """Heading context and passage, as indexed."""
        return f"{self.context}\n{self.text}" if self.context else self.text


def chunk_id(doc_id: str, content_hash: str, ordinal: int) -> str:
    """Ids change with content, so new vectors never overwrite the serving ones."""
    return f"{doc_id}:{content_hash[:12]}:{ordinal}"


def vector_chunk(vector_id: str) -> str:
    """The chunk a vector belongs to (vectors are sentence runs: ``CHUNK_ID#N``)."""
    return vector_id.split("#", 1)[0]


class Catalog:
    """Documents and chunks in SQLite (WAL mode, so readers never wait for an ingest)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(SCHEMA)
        self._add_column("documents", "added_at", "REAL")
        # Answers read whole documents (citations, list continuations, acronym checks)
        # many times a question: keep them per catalog generation.
        self._texts: dict[str, str | None] = {}
        self._text_generation = -1
        self._text_lock = threading.Lock()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def _add_column(self, table: str, column: str, kind: str) -> None:
        """Add a column catalogs made by an earlier version lack (kept by every later write)."""
        if column not in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}:
            try:
                with self.db:
                    self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            except sqlite3.OperationalError:  # another connection added it a moment ago
                pass

    # --- reading -------------------------------------------------------------
    def generation(self) -> int:
        """A number that changes whenever the live set of chunks changes."""
        row = self.db.execute("SELECT value FROM meta WHERE key='generation'").fetchone()
        return int(row[0]) if row else 0

    def documents(self) -> list[DocumentRecord]:
        """Every live document, in id order."""
        rows = self.db.execute(
            "SELECT doc_id, title, publisher, date, kind, file, original, content_hash "
            "FROM documents ORDER BY doc_id").fetchall()
        return [DocumentRecord(*r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        """One document, or None."""
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def stats(self) -> dict[str, DocumentStats]:
        """Per live document: its number of passages, when it was first added and last indexed."""
        rows = self.db.execute(
            "SELECT d.doc_id, COUNT(c.chunk_id), COALESCE(d.added_at, d.ingested_at), d.ingested_at "
            "FROM documents d LEFT JOIN chunks c ON c.doc_id = d.doc_id GROUP BY d.doc_id").fetchall()
        return {r[0]: DocumentStats(passages=r[1], added_at=r[2], updated_at=r[3]) for r in rows}

    def document_text(self, doc_id: str) -> str | None:
        """The display text that chunk offsets point into (cached until the index changes)."""
        generation = self.generation()
        with self._text_lock:
            if generation != self._text_generation:
                self._texts, self._text_generation = {}, generation
            if doc_id not in self._texts:
                row = self.db.execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
                self._texts[doc_id] = row[0] if row else None
            return self._texts[doc_id]

    def chunks(self, doc_ids: Iterable[str] | None = None) -> list[ChunkRecord]:
        """Live chunks, in document and reading order."""
        sql = ("SELECT chunk_id, doc_id, ordinal, text, start, end, section, heading_path, context "
               "FROM chunks")
        args: tuple = ()
        if doc_ids is not None:
            ids = list(doc_ids)
            sql += f" WHERE doc_id IN ({','.join('?' * len(ids))})"
            args = tuple(ids)
        rows = self.db.execute(sql + " ORDER BY doc_id, ordinal", args).fetchall()
        return [_chunk(r) for r in rows]

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, ChunkRecord]:
        """The live chunks among ``ids`` (ids that are not live are left out)."""
        ids = list(ids)
        if not ids:
            return {}
        rows = self.db.execute(
            "SELECT chunk_id, doc_id, ordinal, text, start, end, section, heading_path, context "
            f"FROM chunks WHERE chunk_id IN ({','.join('?' * len(ids))})", ids).fetchall()
        return {r[0]: _chunk(r) for r in rows}

    def neighbour(self, chunk: ChunkRecord, step: int) -> ChunkRecord | None:
        """The chunk ``step`` places after (or before) ``chunk`` in its document."""
        row = self.db.execute(
            "SELECT chunk_id, doc_id, ordinal, text, start, end, section, heading_path, context "
            "FROM chunks WHERE doc_id=? AND ordinal=?", (chunk.doc_id, chunk.ordinal + step)).fetchone()
        return _chunk(row) if row else None

    def live_ids(self) -> set[str]:
        """Ids of every live chunk."""
        return {r[0] for r in self.db.execute("SELECT chunk_id FROM chunks")}

    # --- writing: each call is one transaction ---------------------------------
    def replace_document(self, record: DocumentRecord, text: str, chunks: list[Chunk]) -> None:
        """Swap a document's chunks for new ones, atomically."""
        now = time.time()
        with self.db:
            first = self.db.execute("SELECT COALESCE(added_at, ingested_at) FROM documents "
                                    "WHERE doc_id=?", (record.doc_id,)).fetchone()
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (record.doc_id,))
            self.db.execute(
                "INSERT OR REPLACE INTO documents (doc_id, title, publisher, date, kind, file, "
                "original, content_hash, text, ingested_at, added_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (record.doc_id, record.title, record.publisher, record.date, record.kind,
                 record.file, record.original, record.content_hash, text, now,
                 first[0] if first else now))
            self.db.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?)",
                [(chunk_id(record.doc_id, record.content_hash, c.ordinal), record.doc_id, c.ordinal,
                  c.text, c.start, c.end, c.section, json.dumps(c.heading_path), c.context)
                 for c in chunks])
            self._bump()

    def update_metadata(self, record: DocumentRecord) -> None:
        """Change a document's descriptive fields without touching its chunks."""
        with self.db:
            self.db.execute(
                "UPDATE documents SET title=?, publisher=?, date=?, kind=?, file=?, original=? "
                "WHERE doc_id=?", (record.title, record.publisher, record.date, record.kind,
                                   record.file, record.original, record.doc_id))
            self._bump()

    def remove_document(self, doc_id: str) -> list[str]:
        """Remove a document; returns the chunk ids it had."""
        with self.db:
            ids = [r[0] for r in self.db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,))]
            self.db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            self.db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump()
        return ids

    def _bump(self) -> None:
        self.db.execute(
            "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
            "DO UPDATE SET value = CAST(value AS INTEGER) + 1")


def _chunk(row) -> ChunkRecord:
    values = list(row)
    values[7] = tuple(json.loads(values[7]))
    return ChunkRecord(*values)
