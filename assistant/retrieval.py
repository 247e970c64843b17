"""Hybrid retrieval: BM25 and dense search fused by reciprocal rank.

Each retriever proposes ``settings.candidates`` passages; reciprocal rank fusion
(score = sum of 1 / (rrf_k + rank)) merges the two lists without having to
calibrate BM25 scores against cosine similarities. Two small nudges follow, both from
the question itself: passages of a document the question names ("Staffs", "Central
Beds") and passages whose section matches a unit it names ("step 6" ~ "Part 6", or
"'collaborate with clinicians'", the title of Competency 4) rank higher. No reranker
ships offline (see ../shared/STACK.md).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from assistant import manifest
from assistant.catalog import Catalog, ChunkRecord, DocumentRecord, vector_chunk
from assistant.lexical import LexicalCache, LexicalIndex
from assistant.query import Query, prepare, title_key
from assistant.settings import Settings

RetrieverName = Literal["hybrid", "dense", "bm25"]
# Boosts are counted in first places: a passage of a document the question names gains
# what 1.2 first places in a ranking are worth; one in a section it names, 2.1.
DOCUMENT_BOOST = 1.2
LABEL_BOOST = 2.1
QUOTE_BOOST = 1.2  # a passage holding words the question quotes ("'narrowing the gap'")


@dataclass(frozen=True)
class SearchResult:
    """A retrieved passage: one chunk, or neighbouring chunks that ranked high together."""

    chunks: tuple[ChunkRecord, ...]  # in reading order, contiguous
    best: ChunkRecord  # the chunk that ranked highest
    document: DocumentRecord
    score: float
    text: str  # exactly the document's text from ``start`` to ``end``

    @property
    def chunk(self) -> ChunkRecord:
        """The highest-ranked chunk of the passage."""
        return self.best

    @property
    def start(self) -> int:
        """Offset of the passage in the document's text."""
        return self.chunks[0].start

    @property
    def end(self) -> int:
        """End offset of the passage in the document's text."""
        return self.chunks[-1].end

    @property
    def section(self) -> str:
        """Section label where the passage begins."""
        return self.chunks[0].section

    def chunk_at(self, offset: int) -> ChunkRecord:
        """The chunk of the passage that holds document offset ``offset`` (a merged passage
        may span sections: a quote is labelled with the section it stands in)."""
        return next((c for c in self.chunks if c.start <= offset < c.end), self.chunks[0])

    @property
    def heading_path(self) -> tuple[str, ...]:
        """Headings above the passage's beginning."""
        return self.chunks[0].heading_path

    def as_json(self) -> dict:
        """The batch/API shape: doc_id, title, section, text, score, and where it is."""
        return {
            "doc_id": self.document.doc_id,
            "title": self.document.title,
            "section": self.section,
            "heading_path": list(self.heading_path),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "kind": self.document.kind,
            "score": round(self.score, 6),
        }


class SearchError(ValueError):
    """A search request that cannot be served (unknown document or kind)."""


class Retriever:
    """Searches the live index. Safe to share between threads; cheap to keep warm."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.catalog = Catalog(settings.catalog_path)
        self._lexical = LexicalCache()
        self._store = None
        self._embedder = None
        self._lock = threading.Lock()
        self._manifest: tuple[int, list[manifest.Entry]] = (-1, [])
        self._titles: tuple[int | None, dict[str, str]] = (None, {})
        self._last: tuple[int | None, dict[str, dict[str, int]]] = (None, {})

    # Heavy parts load on first use, so a BM25-only search never imports torch.
    def _vectors(self):
        with self._lock:
            if self._store is None:
                from assistant.vectorstore import VectorStore

                self._store = VectorStore(self.settings)
            return self._store

    def encoder(self):
        """The embedding model (loaded on first use)."""
        with self._lock:
            if self._embedder is None:
                from assistant.embedding import Embedder

                self._embedder = Embedder(self.settings)
            return self._embedder

    def warm_up(self) -> None:
        """Load the model, open the store and build BM25 now rather than on the first question."""
        self.encoder().embed_query("warm up")
        self._vectors()
        self.lexical()

    def lexical(self):
        """The BM25 index of the live chunks (rebuilt when the catalog changes)."""
        return self._lexical.get(self.catalog.generation(), self.catalog.chunks)

    def section_titles(self) -> dict[str, str]:
        """Title key -> label of the sections the documents title in words, for
        questions that name a section by its title (see :func:`titled_sections`)."""
        generation = self.catalog.generation()
        if self._titles[0] != generation:
            self._titles = (generation, titled_sections(self.lexical()))
        return self._titles[1]

    def last_parts(self) -> dict[str, dict[str, int]]:
        """Document id -> the last number of each kind of section it numbers ({"Phase":
        3}), for questions about "the last phase" (see :func:`numbered_sections`)."""
        generation = self.catalog.generation()
        if self._last[0] != generation:
            self._last = (generation, numbered_sections(self.lexical()))
        return self._last[1]

    def prepare(self, question: str) -> Query:
        """``question`` prepared for search with what the index knows of its documents."""
        return prepare(question, self.settings.corpus_dir, self.entries(), self.section_titles(), self.last_parts())

    def entries(self) -> list[manifest.Entry]:
        """The manifest's entries (none if it cannot be read), re-read only when it changes."""
        path = self.settings.manifest_path
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            return []
        if self._manifest[0] != stamp:
            try:
                self._manifest = (stamp, manifest.load(path))
            except manifest.ManifestError:
                return []
        return self._manifest[1]

    def _scope(self, doc_ids: list[str] | None, kinds: list[str] | None) -> set[str] | None:
        if not doc_ids and not kinds:
            return None
        documents = self.catalog.documents()
        known = {d.doc_id for d in documents}
        unknown = [d for d in doc_ids or [] if d not in known]
        if unknown:
            raise SearchError(f"No document with id {', '.join(unknown)}; "
                              "`assistant documents` lists them.")
        bad_kinds = [k for k in kinds or [] if k not in ("national", "local")]
        if bad_kinds:
            raise SearchError(f"Unknown kind {', '.join(bad_kinds)}; use national or local.")
        scope = set(doc_ids) if doc_ids else known
        if kinds:
            scope &= {d.doc_id for d in documents if d.kind in kinds}
        return scope

    def search(self, question: str, top_k: int | None = None, retriever: RetrieverName | None = None,
               doc_ids: list[str] | None = None, kinds: list[str] | None = None) -> list[SearchResult]:
        """The best ``top_k`` passages for ``question``, optionally within documents or kinds."""
        return self.find(self.prepare(question), top_k, retriever, doc_ids, kinds)

    def find(self, query: Query, top_k: int | None = None, retriever: RetrieverName | None = None,
             doc_ids: list[str] | None = None, kinds: list[str] | None = None) -> list[SearchResult]:
        """As :meth:`search`, for a question already prepared (:meth:`prepare`)."""
        top_k = top_k or self.settings.top_k
        retriever = retriever or self.settings.retriever
        scope = self._scope(doc_ids, kinds)
        n = max(self.settings.candidates, top_k)
        named = [d for d in query.documents if scope is None or d in scope]
        if len(named) >= 2:
            return self._compare(query, named, retriever, n, top_k)
        pool = self.candidates(query, retriever, n, scope)
        scores = fuse(pool, self.settings.rrf_k)
        return self.assemble(pool, scores, top_k)

    def _compare(self, query: Query, named: list[str], retriever: RetrieverName, n: int,
                 top_k: int) -> list[SearchResult]:
        """A question that names several documents ("do Staffs and Central Beds both ...")
        is searched in each of them, and their best passages take turns."""
        per_document = []
        for doc_id in named:
            pool = self.candidates(query, retriever, n, {doc_id})
            per_document.append(self.assemble(pool, fuse(pool, self.settings.rrf_k), top_k))
        results: list[SearchResult] = []
        for rank in range(top_k):
            for found in per_document:
                if rank < len(found) and len(results) < top_k:
                    results.append(found[rank])
        return results

    def candidates(self, query: Query, retriever: RetrieverName, n: int, scope: set[str] | None) -> "Pool":
        """Each retriever's ranking of its ``n`` best chunks (plus chunks the question names)."""
        pool = Pool(query)
        if retriever in ("hybrid", "bm25"):
            hits = self.lexical().search(query.text, n, scope)
            pool.add([c for c, _ in hits], 1.0)
        if retriever in ("hybrid", "dense"):
            vector = self.encoder().embed_query(query.text)
            hits = self._vectors().query(vector, n * 4, sorted(scope) if scope is not None else None)
            # Vectors are sentence runs; a passage ranks by its best run.
            order = list(dict.fromkeys(vector_chunk(h.chunk_id) for h in hits))
            live = self.catalog.chunks_by_id(order)  # drops vectors of stray chunks
            pool.add([live[cid] for cid in order if cid in live][:n], self.settings.dense_weight)
        if retriever == "hybrid" and query.labels:
            # Passages in a section the question names ("step 2" ~ "Part 2") join the
            # candidates even when neither retriever found them.
            labels = [label.lower() for label in query.labels]
            for chunk in self.lexical().chunks:
                if (scope is None or chunk.doc_id in scope) and names_section(chunk, labels, query.documents):
                    pool.chunks.setdefault(chunk.chunk_id, chunk)
        if retriever == "hybrid" and query.phrases:
            # So do passages holding the words the question quotes.
            for chunk in self.lexical().chunks:
                if (scope is None or chunk.doc_id in scope) and quotes(chunk, query.phrases):
                    pool.chunks.setdefault(chunk.chunk_id, chunk)
        return pool

    def assemble(self, pool: "Pool", scores: dict[str, float], top_k: int) -> list[SearchResult]:
        """Turn fused scores into at most ``top_k`` passages, best first."""
        chunks = pool.chunks
        documents = {d.doc_id: d for d in self.catalog.documents()}
        order = [c for c in sorted(scores, key=lambda cid: -scores[cid]) if chunks[c].doc_id in documents]
        groups = _passages(order, chunks, top_k, self.settings.passage_max_words)
        texts: dict[str, str] = {}
        results = []
        for group in groups:
            members = sorted((chunks[c] for c in group), key=lambda c: c.ordinal)
            doc_id = members[0].doc_id
            if len(members) == 1:
                text = members[0].text
            else:
                if doc_id not in texts:
                    texts[doc_id] = self.catalog.document_text(doc_id) or ""
                text = texts[doc_id][members[0].start:members[-1].end]
            results.append(SearchResult(tuple(members), chunks[group[0]], documents[doc_id],
                                        scores[group[0]], text))
        return results


@dataclass
class Pool:
    """Candidate chunks with each retriever's ranking of them and that ranking's weight."""

    query: Query
    rankings: list[tuple[list[str], float]] = field(default_factory=list)
    chunks: dict[str, ChunkRecord] = field(default_factory=dict)

    def add(self, ranked: list[ChunkRecord], weight: float) -> None:
        """Add one retriever's ranking, best first."""
        self.rankings.append(([c.chunk_id for c in ranked], weight))
        self.chunks.update((c.chunk_id, c) for c in ranked)


def fuse(pool: Pool, k: int) -> dict[str, float]:
    """Weighted reciprocal rank fusion, then the document and section nudges."""
    scores: dict[str, float] = {cid: 0.0 for cid in pool.chunks}
    for ranking, weight in pool.rankings:
        for rank, cid in enumerate(ranking):
            scores[cid] += weight / (k + rank + 1)
    if len(pool.rankings) == 1:
        return {cid: s for cid, s in scores.items() if s > 0}  # one retriever's order stands
    named = set(pool.query.documents)
    labels = [label.lower() for label in pool.query.labels]
    first_place = 1.0 / (k + 1)
    for cid in scores:
        chunk = pool.chunks[cid]
        if named and chunk.doc_id in named:
            scores[cid] += DOCUMENT_BOOST * first_place
        if names_section(chunk, labels, named):
            scores[cid] += LABEL_BOOST * first_place
        if pool.query.phrases and quotes(chunk, pool.query.phrases):
            scores[cid] += QUOTE_BOOST * first_place
    return scores


def quotes(chunk: ChunkRecord, phrases: tuple[str, ...]) -> bool:
    """True when ``chunk`` holds one of the question's quoted ``phrases``."""
    key = f" {_text_key(chunk.text)} "
    return any(f" {phrase} " in key for phrase in phrases)


@lru_cache(maxsize=4096)
def _text_key(text: str) -> str:
    return title_key(text)  # the same passages come back question after question


def _passages(order: list[str], chunks: dict[str, ChunkRecord], top_k: int,
              max_words: int) -> list[list[str]]:
    """Group the ranking into at most ``top_k`` passages, best first.

    A chunk that sits right before or after one already chosen, in the same top-level
    section, joins it (up to ``max_words``) instead of taking a place of its own: the
    two halves of a list or an argument read, and are cited, as one passage.
    """
    words = {cid: len(chunks[cid].text.split()) for cid in order}
    groups: list[list[str]] = []
    for cid in order[: 2 * top_k]:
        chunk = chunks[cid]
        for group in groups:
            head = chunks[group[0]]
            if (chunk.doc_id == head.doc_id and chunk.heading_path[:1] == head.heading_path[:1]
                    and any(abs(chunk.ordinal - chunks[g].ordinal) == 1 for g in group)
                    and sum(words[g] for g in group) + words[cid] <= max_words):
                group.append(cid)
                break
        else:
            if len(groups) < top_k:
                groups.append([cid])
    return groups


def titled_sections(index: LexicalIndex) -> dict[str, str]:
    """The sections of ``index``'s chunks that a title names unambiguously: heading
    "4. Collaborate with clinicians" of section "Competency 4" gives "collaborate with
    clinicians" -> "Competency 4". A title must hold two words that are not fillers, and
    both it and its label must belong to one section of one document ("Joining up" heads
    many; "4.2" may number several documents' sections)."""
    owners: dict[str, set[str]] = {}
    for chunk in index.chunks:
        owners.setdefault(chunk.section, set()).add(chunk.doc_id)
    found: dict[str, set[str]] = {}
    for chunk in index.chunks:
        number = chunk.section.split()[-1].lower() if chunk.section else ""
        for heading in chunk.heading_path[-2:]:
            opened = _SECTION_TITLE.match(heading)
            if not number or not opened or opened.group("num").lower() != number:
                continue
            title = opened.group("title")
            for key in {title_key(title), title_key(re.split(r"[:–—]", title)[-1])}:
                if sum(t.isalpha() for t in index.terms(key)) >= 2:
                    found.setdefault(key, set()).add(chunk.section)
    unique = {key: labels.pop() for key, labels in found.items() if len(labels) == 1}
    return {key: label for key, label in unique.items() if len(owners[label]) == 1}


_NUMBERED_SECTION = re.compile(r"^([A-Z][a-z]+) (\d{1,2})$")


def numbered_sections(index: LexicalIndex) -> dict[str, dict[str, int]]:
    """Document id -> the highest number of each kind of section its chunks are in:
    {"haringey-...": {"Phase": 3, "Annex": 3}}."""
    last: dict[str, dict[str, int]] = {}
    for chunk in index.chunks:
        found = section_number(chunk.section)
        if found:
            own = last.setdefault(chunk.doc_id, {})
            own[found[0]] = max(own.get(found[0], 0), found[1])
    return last


def section_number(section: str | None) -> tuple[str, int] | None:
    """The kind and number of a section the chunker labelled so: "Step 6" -> ("Step", 6)."""
    found = _NUMBERED_SECTION.match(section or "")
    return (found.group(1), int(found.group(2))) if found else None


# "4. Collaborate with clinicians", "Standard 4: We have ...", "Annex 3: Joint ...".
_SECTION_TITLE = re.compile(r"^\s*(?:[A-Za-z]+\s+)?(?P<num>\d{1,2}(?:\.\d{1,2})*|[A-Z])\b[.:)]?\s*[|:–—-]?\s*"
                            r"(?P<title>\S.*)$")


def names_section(chunk: ChunkRecord, labels: list[str], documents=()) -> bool:
    """True if the chunk is in a section ``labels`` name ("part 6"), in one of
    ``documents`` when the question names any: "phase 3 of the health guide" is the
    guide's phase 3, not Haringey's."""
    return bool(labels) and (not documents or chunk.doc_id in documents) and _has_label(chunk, labels)


def _has_label(chunk: ChunkRecord, labels: list[str]) -> bool:
    """True if the chunk's section or heading path names one of ``labels`` ("part 6")."""
    own = chunk.section.lower()
    if own in labels:
        return True
    return any(heading_opens(h, labels, exact=False) for h in chunk.heading_path[-2:])


def heading_opens(heading: str, labels: list[str], exact: bool = True) -> bool:
    """True if ``heading`` ("Part 6. Plan ...", "4.3 Phase 3: improving ...") begins with
    one of ``labels``, after its own number if it has one; ``exact`` also accepts a
    heading that is the label and nothing more ("Phase 1")."""
    h = heading.lower().strip()
    for text in (h, _NUMBER_PREFIX.sub("", h)):
        if any((exact and text == label) or text.startswith(label + sep)
               for label in labels for sep in (".", " ", ":")):
            return True
    return False


_NUMBER_PREFIX = re.compile(r"^\d{1,2}(?:\.\d{1,2})*\.?\s*(?:\|\s*)?")
