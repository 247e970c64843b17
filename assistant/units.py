"""Cut retrieved passages into units: sentences, list items and table rows.

Each unit keeps its offsets in the document's text, the heading that opens its part of
the passage (and the numbered one above that), and, for a table row, its cells and the
label of its row. :mod:`assistant.evidence` scores the units; this module only finds them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.chunking import sentence_spans
from assistant.retrieval import SearchResult

LONG_HEADING_WORDS = 9  # a heading this long says as much as a paragraph: it can be evidence


@dataclass
class Unit:
    """A sentence, list item or table row of a retrieved passage."""

    result: int  # index into the retrieval results
    text: str
    start: int  # offsets in the document's text
    end: int
    lexical: float = 0.0
    dense: float = 0.0
    score: float = 0.0
    heading: bool = False
    segment: int = 0  # units between two headings of a passage share a segment
    segment_heading: str = ""  # the heading that opens the segment ("" : the passage's own)
    # The numbered heading above an unnumbered one ("4.3 Phase 3: ..." above "World class
    # commissioning competencies"): the section the segment belongs to.
    parent_heading: str = ""
    named: bool = False  # in the section the question names ("step 2")
    # The row's first cell, or the one above it when the table merged them ("Do" over
    # stages 6-8 of the 'Assess, Plan, Do, Review' table).
    row_label: str = ""
    cells: tuple[str, ...] = ()  # a table row's cells, as the line sets them out

    @property
    def in_table(self) -> bool:
        """Part of a table row (a line with tab-separated cells)."""
        return bool(self.cells)


def units_of(results: list[SearchResult]) -> list[Unit]:
    """Every sentence, list item and table row of the results, with document offsets."""
    units: list[Unit] = []
    segment = 0
    for i, result in enumerate(results):
        # Every heading of the passage's chunks: a merged passage may span sections.
        headings = {h.strip() for c in result.chunks for h in c.heading_path} | \
            {h.strip() for h in result.heading_path}
        shortened = tuple(h[:-1] for h in headings if h.endswith("…"))  # cut short in the path
        offset = result.start
        segment += 1
        opened_by = parent = row_label = ""
        width = 0  # cells of the row that gave the label
        for line_match in re.finditer(r"[^\n]+", result.text):
            line = line_match.group()
            base = offset + line_match.start()
            row_label, width = _row_label(line, row_label, width)
            is_heading = _is_heading(line, headings, shortened)
            if is_heading or _numbered_heading(line):
                segment += 1
                heading = line.strip()
                if _STRUCTURAL.match(heading):
                    parent = ""  # a numbered heading is its own section
                elif _STRUCTURAL.match(opened_by):
                    parent = opened_by  # an unnumbered one belongs to the numbered one above
                opened_by = heading
            if is_heading:
                # A heading that is a whole sentence ("Part 2. Look within the overall
                # picture at ...") says as much as any paragraph: it can be evidence.
                long = len(opened_by.split()) >= LONG_HEADING_WORDS
                units.append(Unit(i, opened_by, base, base + len(line), heading=not long,
                                  segment=segment, segment_heading=opened_by, parent_heading=parent))
                continue
            pending = None  # a lone paragraph number ("1.") joins the sentence after it
            for begin, end in sentence_spans(line):
                text = line[begin:end].strip()
                if not text:
                    continue
                lead = len(line[begin:end]) - len(line[begin:end].lstrip())
                start = base + begin + lead
                if re.fullmatch(r"(?:(?:part|step|stage|standard|phase|appendix|section)\s+\w{1,3}|"
                                r"\d{1,2}(?:\.\d{1,2})*)\.?", text, re.I):
                    pending = pending if pending is not None else start
                    continue
                if pending is not None:
                    text, start, pending = line[pending - base:begin + lead + len(text)].strip(), pending, None
                units.append(Unit(i, text, start, start + len(text), segment=segment,
                                  segment_heading=opened_by, parent_heading=parent, row_label=row_label,
                                  cells=tuple(line.split("\t")) if "\t" in line else ()))
    return units


MASTHEAD_LINES = 12  # a masthead is a few lines; more short lines than this are content


@lru_cache(maxsize=64)
def masthead_end(text: str) -> int:
    """Where a document's first sentence starts, when a masthead comes before it: the body
    the paper is for, "Item 3", a date, "TITLE", the title. Those lines name the paper and
    answer nothing. (A line of fifteen words, or of eight ending as a sentence does, is a
    sentence. Past a dozen short lines, or with no sentence at all, there is no masthead:
    0.)"""
    offset, lines = 0, 0
    for line in text.splitlines(keepends=True):
        words = line.split()
        if len(words) >= 15 or (len(words) >= 8 and re.search(r"[.:;?!]\s*$", line)):
            return offset
        lines += bool(words)
        if lines > MASTHEAD_LINES:
            return 0
        offset += len(line)
    return 0


def _is_heading(line: str, headings: set[str], shortened: tuple[str, ...]) -> bool:
    """True if ``line`` is one of the passage's headings, whole or as ``shortened`` (the
    beginnings of the headings its path holds cut short)."""
    line = line.strip()
    return line in headings or (bool(shortened) and line.startswith(shortened))


def _row_label(line: str, label: str, width: int) -> tuple[str, int]:
    """The label of a table row and the width of the row that gave it, given the label
    above: a row with an empty first cell, or fewer cells than the labelled row (the
    conversion dropped a merged cell), stays under the label above."""
    if "\t" not in line:
        return "", 0
    cells = line.split("\t")
    if label and (not cells[0].strip() or len(cells) < width):
        return label, width
    return cells[0].strip(), len(cells)


# A heading that numbers or labels its section ("4.3 ...", "Part 2.", "Appendix B").
_STRUCTURAL = re.compile(r"(?:\d{1,2}(?:\.\d{1,2})*\.?|part|step|stage|phase|standard|appendix|section)\b", re.I)


def _numbered_heading(line: str) -> bool:
    """A short numbered line with no closing stop ("7. Commission – including ...",
    "4.3 Phase 3: improving performance, monitoring and evaluating")."""
    line = line.strip()
    return bool(re.match(r"(?:(?:part|step|stage)\s+)?\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]", line, re.I)) \
        and len(line.split()) <= 12 and not re.search(r"[.;:,]$", line)


def word_count(units: list[Unit]) -> int:
    """Words of ``units``, all told."""
    return sum(len(u.text.split()) for u in units)
