"""The shapes data takes on its way from a file to the index.

``RawBlock`` is what a format reader sees (a heading, paragraph, list item or table
row, in reading order). ``Block`` is a raw block placed in the document's structure:
its section number, heading path and character offsets into the document's text.
``ParsedDocument`` holds that text and its blocks; ``Chunk`` is the unit indexed and
cited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

# Tags a conversion left in the text ("<p>", "<ul style=...>"): kept in the text that is
# quoted, dropped from answers as shown.
_MARKUP = re.compile(r"</?[A-Za-z][^<>\n]{0,200}>")


def without_markup(text: str) -> str:
    """``text`` with any HTML tags replaced by spaces."""
    return _MARKUP.sub(" ", text) if "<" in text else text

BlockKind = Literal["heading", "paragraph", "list_item", "table_row"]


@dataclass
class RawBlock:
    """One block as a reader found it; ``level`` is a heading level when the format says."""

    kind: BlockKind
    text: str
    level: int | None = None
    # Pieces of a layout table's cells are never taken for headings.
    in_table: bool = False


@dataclass
class Block:
    """A block with its place in the document."""

    kind: BlockKind
    text: str
    start: int
    end: int
    section: str
    heading_path: list[str]
    # The table's header row, for rows: cells keep their meaning out of context.
    table_header: str = ""


@dataclass
class ParsedDocument:
    """A document's display text and its blocks (offsets index into ``text``)."""

    text: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Chunk:
    """A passage to index and cite.

    ``text`` is exactly ``document.text[start:end]``; ``context`` (document title and
    heading path) is embedded and BM25-indexed with it but never quoted.
    """

    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    section: str
    heading_path: list[str]
    context: str

    @property
    def search_text(self) -> str:
        """What the retrievers see: the heading context, then the passage."""
        return f"{self.context}\n{self.text}" if self.context else self.text


def short_title(title: str) -> str:
    """A title without its bracketed tail: "Proposal for Joint Commissioning" of "Proposal
    for Joint Commissioning (Agenda item 8)"."""
    return title.split("(")[0].strip() or title
