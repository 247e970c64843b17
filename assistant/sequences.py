"""Numbered sequences a question asks for whole: "what are the nine steps of the cycle?"

Sentence-level evidence answers such a question badly: the steps are headings spread over
many passages ("1. Look at outcomes …" to "9. Monitor and review …"), and the sentence
that best matches the question is one that merely mentions "the nine-step cycle". The
chunker labels the sections of such a run ("Step 1" … "Step 9", "Competency 1" …,
"Part 1" …), so a run is found by its labels, and each item is the heading that opens
it, quoted with its offsets like any other evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from assistant.catalog import ChunkRecord
from assistant.evidence import Evidence
from assistant.retrieval import SearchResult, section_number
from assistant.units import Unit

NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12}
# The labels a noun may name, best first: the ECM cycle's "steps" are Central Bedfordshire's
# "Step"s, Staffordshire's "Part"s and North Yorkshire's "stages".
LABELS = {"step": ("Step", "Stage", "Part"), "stage": ("Stage", "Step", "Part"),
          "part": ("Part",), "phase": ("Phase",), "competency": ("Competency",),
          "competence": ("Competency",)}
_NOUN = r"(?P<noun>steps|stages|parts|phases|competencies|competences)"
# "what are the nine steps of …", "list the 11 world class commissioning competencies",
# "name the three phases": the whole run is asked for, by a plural noun after "the".
_ASKED = re.compile(
    r"^\s*(?:what\s+are|what're|list|name|outline|give\s+me|set\s+out|tell\s+me|summari[sz]e)\b"
    r"[^?]*?\bthe\s+(?P<before>(?:[\w-]+\s+){0,4}?)" + _NOUN + r"\b", re.I)
# A question about one member of the run, or about some of them, is not asked for whole.
# Nor are the steps of a task ("the steps to take", "the stages involved in setting up …"),
# which the documents may describe in prose.
_ONE_OF = re.compile(r"\b(?:steps?|stages?|parts?|phases?|competenc(?:y|ies))\s+(?:\d|for\b|to\b|when\b|involved\b)|"
                     r"\b(?:first|second|third|last|final|early|later|which|each)\b", re.I)
_HEADED = re.compile(r"^(?:\d+(?:\.\d+)*\s+)?(Step|Stage|Part|Phase)\s+(\d+)\b", re.I)
MIN_ITEMS = 3
# "... competencies, and are they only meant for the NHS?": the question goes on to ask more.
_GOES_ON = re.compile(r"\b(?:and|also|plus)\s+(?:are|is|do|does|did|what|why|how|who|when|which|where|should|can)\b",
                      re.I)


@dataclass(frozen=True)
class Asked:
    """What kind of run a question asks for, and how many items if it says."""

    labels: tuple[str, ...]
    count: int | None
    more: bool = False  # the question asks something else besides


@dataclass(frozen=True)
class Item:
    """One member of a run: its chunk and the heading line that opens it."""

    number: int
    chunk: ChunkRecord
    start: int  # offsets of the heading line in the document's text
    end: int
    line: str  # the heading line itself


def asked(question: str) -> Asked | None:
    """The run ``question`` asks for whole, or None."""
    match = _ASKED.search(question)
    if not match or _ONE_OF.search(question):
        return None
    noun = match.group("noun").lower()
    singular = "competency" if noun.startswith("competenc") else noun[:-1]
    count = None
    for word in match.group("before").lower().replace("-", " ").split():
        if word.isdigit():
            count = int(word)
        elif word in NUMBER_WORDS:
            count = NUMBER_WORDS[word]
    return Asked(LABELS[singular], count, _GOES_ON.search(question, match.end()) is not None)


def find(want: Asked, documents: list[str], retrieved: set[str], chunks_of, text_of) -> list[Item]:
    """The run ``want`` names in the first of ``documents`` (best ranked first) that has one.

    ``chunks_of(doc_id)`` gives a document's chunks in reading order and ``text_of(doc_id)``
    its text. A run is numbered 1 to N without a gap (N at least three), each item opened
    by a heading that says more than its number. It must be the one asked about: N is the
    count the question gives, or, when it gives none, retrieval found one of the run's
    chunks (``retrieved``: chunk ids), so "what are the stages of a JSNA?" is not answered
    with the commissioning cycle. Runs whose label the question's noun names first win
    over runs it names later ("steps" prefers "Step 1" … to "Part 1" …)."""
    best: tuple[int, int] | None = None
    found: list[Item] = []
    for rank, doc_id in enumerate(documents):
        text, chunks = text_of(doc_id) or "", chunks_of(doc_id)
        for label, items in _runs(chunks, text).items():
            if label not in want.labels:
                continue
            if want.count is not None and len(items) != want.count:
                continue
            if want.count is None and not _retrieved(items, chunks, retrieved):
                continue
            key = (want.labels.index(label), rank)
            if best is None or key < best:
                best, found = key, items
    return found


def _retrieved(items: list[Item], chunks: list[ChunkRecord], retrieved: set[str]) -> bool:
    """Whether retrieval found part of the run or the passage that introduces it (the two
    chunks before its first item: "3.1 The competencies" above "1. Locally lead the NHS")."""
    first = items[0].chunk.ordinal - 2
    last = max(c.ordinal for c in chunks if c.section == items[-1].chunk.section)  # the last item's last chunk
    return any(first <= c.ordinal <= last and c.chunk_id in retrieved for c in chunks)


def _runs(chunks: list[ChunkRecord], text: str) -> dict[str, list[Item]]:
    """Each label's complete run in one document: label -> items numbered 1..N."""
    firsts: dict[str, dict[int, Item | None]] = {}
    for chunk in chunks:
        numbered = _numbered(chunk)
        if not numbered:
            continue
        label, number = numbered
        if number in firsts.get(label, {}):
            continue  # a later chunk of the same item, or a later run ("PHASE 1" of an annex)
        span = _heading_line(chunk, text)
        # An item without a readable heading (None) spoils its run.
        firsts.setdefault(label, {})[number] = Item(number, chunk, *span, text[slice(*span)]) if span else None
    runs = {}
    for label, items in firsts.items():
        numbers = sorted(items)
        if len(numbers) >= MIN_ITEMS and numbers == list(range(1, len(numbers) + 1)) \
                and all(items[n] is not None for n in numbers):
            runs[label] = [items[n] for n in numbers]
    return runs


def _numbered(chunk: ChunkRecord) -> tuple[str, int] | None:
    """The chunk's label and number, from its section label or, failing that, its heading
    ("4.1 Phase 1: needs assessment and strategic planning")."""
    labelled = section_number(chunk.section)
    if labelled:
        return labelled
    heading = chunk.heading_path[-1].strip() if chunk.heading_path else ""
    match = _HEADED.match(heading)
    return (match.group(1).title(), int(match.group(2))) if match else None


def _heading_line(chunk: ChunkRecord, text: str) -> tuple[int, int] | None:
    """Offsets of the line of ``chunk`` that holds its own heading, if that heading says more
    than a label and a number ("Phase 1" alone names nothing)."""
    if not chunk.heading_path:
        return None
    heading = chunk.heading_path[-1].strip().rstrip("…").strip()
    words = re.sub(r"^(?:\d+(?:\.\d+)*\.?\s+)?(?:(?:step|stage|part|phase)\s+)?\d*[.:)\s–-]*", "",
                   heading, flags=re.I).split()
    if len(words) < 2:
        return None
    at = text.find(heading, chunk.start, chunk.end)
    if at < 0:
        return None
    end = text.find("\n", at)
    return at, (end if end >= 0 else len(text))


def evidence_for(question: str, evidence: Evidence, catalog) -> Evidence | None:
    """``evidence`` replaced by the headings of the run ``question`` asks for whole, one
    unit (and one passage) per item, or None when it asks for none or the documents
    ``evidence`` comes from hold no such run. When the question asks something else
    besides, the evidence chosen for it follows the run."""
    want = asked(question)
    if want is None:
        return None
    documents = {r.document.doc_id: r.document for r in evidence.results}  # best ranked first
    retrieved = {c.chunk_id for r in evidence.results for c in r.chunks}
    items = find(want, list(documents), retrieved, lambda doc_id: catalog.chunks([doc_id]),
                 catalog.document_text)
    if not items:
        return None
    results, units = [], []
    for i, item in enumerate(items):
        results.append(SearchResult(chunks=(item.chunk,), best=item.chunk,
                                    document=documents[item.chunk.doc_id], score=0.0,
                                    text=item.chunk.text))
        units.append(Unit(i, item.line, item.start, item.end, heading=True))
    if want.more:
        units += [replace(u, result=u.result + len(items)) for u in evidence.chosen]
        results += evidence.results
    return replace(evidence, results=results, chosen=units, units=units)
