"""Laying a document out for reading: its contents list, headings and a marked passage.

The catalog keeps each document's display text and its passages with their heading
paths (found by :mod:`assistant.structure` at ingest). The contents list is built from
those paths: every heading the first time a passage sits under it, anchored at the
heading's own line in the text (or, when that line cannot be found, at the passage).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.catalog import ChunkRecord
from web.templating import Piece

MAX_DEPTH = 3  # levels shown in the contents list (deeper headings stay in the text)


@dataclass
class Section:
    """A heading in the contents list."""

    title: str
    label: str            # its section number or label, "2.1", "Part 3", or ""
    anchor: str           # the id of its place in the text
    offset: int           # where its line starts in the text
    depth: int
    found: bool           # whether ``offset`` is the heading's own line
    children: list["Section"] = field(default_factory=list)


@dataclass
class Paragraph:
    """A line of the text, as a heading (``level`` 3-6: the page has h1 and h2 above) or a
    paragraph (level 0), with an anchor if a contents entry points at it."""

    pieces: list[Piece]
    start: int
    anchor: str = ""
    level: int = 0
    marked: bool = False


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _find_heading(text: str, title: str, low: int, high: int) -> int | None:
    """The start of the line holding heading ``title`` in ``text[low:high]``, if any."""
    needle = title.rstrip("…").strip()
    if not needle:
        return None
    at = text.find(needle, low, high + len(needle))
    while at != -1:
        if at == 0 or text[at - 1] == "\n":
            return at
        at = text.find(needle, at + 1, high + len(needle))
    return None


def contents(text: str, chunks: list[ChunkRecord],
             title: str = "") -> tuple[list[Section], list[Section]]:
    """The headings of a document: nested (for the contents list) and flat (every anchor).

    A single top heading that only repeats the document's title is left out and its
    sections move up a level.
    """
    flat: list[Section] = []
    seen: set[tuple[str, ...]] = set()
    low = 0
    for chunk in sorted(chunks, key=lambda c: c.ordinal):
        path = tuple(chunk.heading_path)
        for depth in range(len(path)):
            key = path[:depth + 1]
            if key in seen:
                continue
            seen.add(key)
            at = _find_heading(text, path[depth], low, chunk.end)
            found = at is not None
            if at is None:
                at = _line_start(text, max(chunk.start, low))
            low = at
            label = chunk.section if depth == len(path) - 1 else ""
            flat.append(Section(title=path[depth], label=label, anchor="", offset=at,
                                depth=depth, found=found))
    tops = [s for s in flat if s.depth == 0]
    if len(tops) == 1 and title and _same(tops[0].title, title):
        flat = [s for s in flat if s is not tops[0]]
        for s in flat:
            s.depth -= 1
    for n, section in enumerate(flat, start=1):
        section.anchor = f"section-{n}"
    return _nest([s for s in flat if s.depth < MAX_DEPTH]), flat


def _same(a: str, b: str) -> bool:
    norm = lambda s: " ".join(s.rstrip("…").lower().split())  # noqa: E731
    return norm(b).startswith(norm(a)) or norm(a).startswith(norm(b))


def _nest(flat: list[Section]) -> list[Section]:
    roots: list[Section] = []
    stack: list[Section] = []
    for section in flat:
        section.children = []
        while stack and stack[-1].depth >= section.depth:
            stack.pop()
        (stack[-1].children if stack else roots).append(section)
        stack.append(section)
    return roots


def layout(text: str, sections: list[Section], start: int | None = None,
           end: int | None = None) -> list[Paragraph]:
    """The text as paragraphs (one per line): headings marked, anchors placed, and
    ``text[start:end]`` highlighted (its first run carries ``anchor`` "passage")."""
    anchors: dict[int, Section] = {}
    for section in sections:
        anchors.setdefault(section.offset, section)
    highlight = start is not None and end is not None
    out: list[Paragraph] = []
    anchored = False
    offset = 0
    pending: list[Section] = []  # anchors on blank lines move to the next paragraph
    for line in text.split("\n"):
        line_start, line_end = offset, offset + len(line)
        offset = line_end + 1
        if line_start in anchors:
            pending.append(anchors[line_start])
        if not line.strip():
            continue
        if not highlight or end <= line_start or start >= line_end:
            pieces = [Piece(line)]
            marked = False
        else:
            cut_from, cut_to = max(start, line_start) - line_start, min(end, line_end) - line_start
            pieces = [p for p in (Piece(line[:cut_from]),
                                  Piece(line[cut_from:cut_to], True, not anchored),
                                  Piece(line[cut_to:])) if p.text]
            anchored = marked = True
        paragraph = Paragraph(pieces, line_start, marked=marked)
        if pending:
            section = pending[0]
            paragraph.anchor = section.anchor
            if section.found and section.offset == line_start:
                paragraph.level = min(section.depth + 3, 6)
            pending = []
        out.append(paragraph)
    return out


def passage_place(chunks: list[ChunkRecord], start: int, end: int) -> ChunkRecord | None:
    """The passage a highlight ``start``..``end`` begins in (for its section and headings)."""
    overlapping = [c for c in chunks if c.start < end and start < c.end]
    return min(overlapping, key=lambda c: (c.start > start, abs(c.start - start)), default=None)
