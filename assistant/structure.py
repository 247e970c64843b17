"""Place raw blocks in a document tree: section numbers, heading paths and offsets.

Framework documents number their parts in several ways ("8.1", "Part 5.", "Standard
7", "Cycle Phase 2", "Appendix A", "## 3 | Title") and converted board papers mix
numbered paragraphs with numbered headings. A heading stack tracks where each block
sits; a counter of top-level numbers tells a new top-level section ("4." after "3.")
from a numbered list inside a section ("1." under "3.1 The competencies").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents import Block, ParsedDocument, RawBlock

# "Part 5.", "Standard 7:", "Cycle Phase 2 -", "Step 3", "Appendix A", "Section 4".
_LABELLED = re.compile(
    r"^(?:(?P<label>(?:cycle\s+)?phase|part|standard|step|stage|appendix|annex|section|chapter)"
    r"\s+(?P<num>[0-9]{1,2}|[A-Z])\b|(?P<bare>appendix|annex)(?=\s*[|:]))"
    r"\s*(?:[.:|\u2013\u2014-]\s*|\(continued\)\s*)*",
    re.I,
)
# "8.", "8.1", "3.0", "1 |" at the start of a line.
_NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})(?:\.|\s*\|)?(?=\s)\s*")
_LABEL_RANK = {"appendix": 0, "annex": 0, "chapter": 1, "section": 1, "phase": 2,
               "cycle phase": 2, "part": 3, "step": 3, "stage": 3, "standard": 3}
# A contents row ends in "page 12" or a dot leader; a bare number ending a row is data
# (a score, a count), and rows under a "Contents" heading are skipped anyway.
_TOC_ROW = re.compile(r"(?:\t\s*page\s*|\.{4,}\s*|\u2026\s*)\d{1,3}\s*$", re.I)


@dataclass
class _Open:
    level: int
    label: str
    title: str
    numbered_top: bool = False
    sub_number: int | None = None


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _is_title_like(text: str) -> bool:
    words = text.split()
    if not words or len(words) > 9 or not text[0].isupper():
        return False
    if text.endswith(":"):
        # "The ... Commissioning Principles:" heads a list; "Resources include:" does not.
        long_words = [w for w in words if len(w) > 3]
        if not long_words or sum(w[0].isupper() for w in long_words) < 0.7 * len(long_words):
            return False
    elif re.search(r"[.;,!]$", text):
        return False
    return not re.search(r"https?://|@", text)


def _is_caps_heading(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters) and len(text.split()) <= 12


class _Tree:
    """The heading stack as blocks are read in order."""

    def __init__(self) -> None:
        self.stack: list[_Open] = []
        self.last_top = 0
        self.seen_number = False

    def push(self, node: _Open) -> None:
        while self.stack and self.stack[-1].level >= node.level:
            self.stack.pop()
        self.stack.append(node)

    def path(self) -> list[str]:
        return [n.title for n in self.stack]

    def section(self) -> str:
        for node in reversed(self.stack):
            if node.label:
                return node.label
        return ""

    def place_number(self, number: str, heading: bool) -> tuple[int, bool] | None:
        """Level for a numbered block, and whether it is top-level; None if a mere paragraph."""
        parts = number.split(".")
        top = int(parts[0])
        dotted = [int(p) for p in parts[1:]]
        if dotted and dotted != [0]:
            self.last_top = max(self.last_top, top)
            if not heading:
                return None
            # "8.1" sits under an open "8." wherever that is (an excerpt may start at 8).
            parent = ".".join(parts[:-1])
            # (A section "8" is preferred to a list item "8." inside another section.)
            owners = sorted((n for n in self.stack if n.label == parent),
                            key=lambda n: n.sub_number is not None)
            if owners:
                return owners[0].level + 1, False
            return 1 + len(dotted), False
        if dotted:  # "3.0 Background" says outright that it is top-level
            self.last_top = top
            self.seen_number = True
            return (1, True) if heading else None
        top_here = self.stack[-1] if self.stack else None
        # "1." under an unnumbered heading, once the document has numbered anything,
        # starts a list inside that heading rather than the document's section 1.
        starts_list = (self.seen_number and top == 1 and top_here is not None
                       and not top_here.label and top_here.level >= 1)
        self.seen_number = True
        sibling = top_here is not None and top_here.sub_number == top - 1
        if top == self.last_top + 1 and not starts_list and not sibling:
            self.last_top = top
            return (1, True) if heading else None
        if not heading:
            if sibling:
                top_here.sub_number = top
            return None
        if sibling:
            return top_here.level, False
        return (top_here.level + 1 if top_here else 1), False


def build_document(raw_blocks: list[RawBlock]) -> ParsedDocument:
    """Lay raw blocks out as one text and give each its section and heading path."""
    tree = _Tree()
    pieces: list[str] = []
    blocks: list[Block] = []
    offset = 0
    table_header = ""
    prev_kind = None
    in_contents = False
    for index, raw in enumerate(raw_blocks):
        text = raw.text.strip()
        if not text:
            continue
        kind = raw.kind
        own_section = ""
        labelled = _LABELLED.match(text)
        numbered = None if labelled else _NUMBERED.match(text)
        in_list = numbered is not None and raw.kind == "paragraph" and _in_compact_list(raw_blocks, index)

        if kind == "table_row":
            if in_contents or _TOC_ROW.search(text):
                continue  # a table of contents only repeats the headings
            if prev_kind != "table_row":
                table_header = text
        elif kind in ("heading", "paragraph") or (kind == "list_item" and labelled):
            in_contents = text.lower().strip("# ") in ("contents", "table of contents")
            following = raw_blocks[index + 1] if index + 1 < len(raw_blocks) else None
            top_before = tree.last_top
            caption = (not in_list and not labelled and not numbered and prev_kind == "heading"
                       and _is_caption(raw, text, following))
            heading_node = None if in_list or caption else _heading_for(
                tree, raw, text, labelled, numbered, following)
            if caption:
                kind = "heading"  # a title to show, not a sentence to quote; no new section
            elif heading_node is not None:
                tree.push(heading_node)
                kind = "heading"
                if labelled and heading_node.level == 0:
                    tree.last_top = 0  # appendices number their content afresh
            elif in_list:
                # Item 3 of a list under "5.0 Key Actions" is cited as section 5, or
                # as "Step 3" under a heading that lists steps; never as "section 3".
                if tree.stack and not tree.stack[-1].numbered_top:
                    own_section = _list_noun(tree, int(numbered.group("num").rstrip(".")))
            elif numbered:
                tree.place_number(numbered.group("num"), heading=False)
                # "10." right after "9." continues the paper's own paragraph numbering:
                # it is paragraph 10, not "Step 10" of a heading that says "Next steps".
                continues_top = tree.last_top != top_before
                number = numbered.group("num").removesuffix(".0")
                own_section = number
                if ("." not in number and not continues_top and tree.stack
                        and not tree.stack[-1].numbered_top):
                    own_section = _list_noun(tree, int(number)) or number
        elif kind == "list_item" and numbered and "." in numbered.group("num"):
            own_section = numbered.group("num")

        separator = "" if not pieces else ("\n" if kind in ("list_item", "table_row") and prev_kind == kind else "\n\n")
        offset += len(separator)
        pieces.append(separator + text)
        blocks.append(Block(
            kind=kind, text=text, start=offset, end=offset + len(text),
            section=own_section or tree.section(), heading_path=tree.path(),
            table_header=table_header if kind == "table_row" and text != table_header else "",
        ))
        offset += len(text)
        prev_kind = kind
    return ParsedDocument(text="".join(pieces), blocks=blocks)


def _in_compact_list(raw_blocks: list[RawBlock], index: int) -> bool:
    """True if block ``index`` ("6. Develop a ...") is an item of a compact numbered
    list: short items numbered one after another with no prose between. Such items are
    a list, not headings of empty sections, and their numbers are not the paper's own
    section numbers. (A run of long numbered paragraphs is the paper's numbering.)"""

    def item(i: int) -> int | None:
        if not 0 <= i < len(raw_blocks) or raw_blocks[i].kind == "heading":
            return None
        found = _NUMBERED.match(raw_blocks[i].text.strip())
        num = found.group("num").rstrip(".") if found else ""
        return int(num) if num.isdigit() else None

    if item(index) is None:
        return False
    run = [index]
    for step in (-1, 1):
        here, there = index, index + step
        while 0 <= there < len(raw_blocks):
            if not raw_blocks[there].text.strip():
                there += step  # blank blocks are not prose between items
                continue
            if item(there) != item(here) + step:
                break
            run.append(there)
            here, there = there, there + step
    if len(run) < 3:
        return False
    lengths = sorted(len(raw_blocks[i].text.split()) for i in run)
    return lengths[len(lengths) // 2] <= _LIST_ITEM_WORDS


# Items of a compact list are this short (median words); numbered paragraphs are longer.
_LIST_ITEM_WORDS = 20


def _is_caption(raw: RawBlock, text: str, following: RawBlock | None) -> bool:
    """True for a title line over a table: under a heading ("World class commissioning
    competencies" under "4.2 Phase 2") it names the table, not a section of its own."""
    return (raw.kind == "paragraph" and following is not None and following.kind == "table_row"
            and _is_title_like(text) and not _is_caps_heading(text))


def _heading_for(tree: _Tree, raw: RawBlock, text: str, labelled, numbered,
                 following: RawBlock | None) -> _Open | None:
    """A heading node if this heading or paragraph opens a section, else None."""
    title = _short(text)
    if labelled:
        if labelled.group("bare"):
            return _Open(level=0, label=labelled.group("bare").title(), title=title)
        word = " ".join(labelled.group("label").lower().split())
        label = f"{labelled.group('label').strip().title()} {labelled.group('num').upper()}"
        rank = _LABEL_RANK.get(word, 3)
        words = len(text.split())
        # "Section 10 of the Children Act ..." is prose; "Part 2. Look within ..." and
        # "Standard 4: We have ..." carry their statement and stay headings.
        if raw.kind != "heading" and (words > 60 or (rank < 3 and (words > 14 or text.endswith(".")))):
            return None
        return _Open(level=rank, label=label, title=title)
    if numbered:
        number = numbered.group("num")
        rest = text[numbered.end():]
        short = len(rest.split()) <= 14 and not re.search(r"[.;]$", rest.strip())
        is_heading = raw.kind == "heading" or short
        placed = tree.place_number(number, heading=is_heading)
        if placed is None:
            return None
        level, top = placed
        label = number.removesuffix(".0")
        node = _Open(level=level, label=label, title=title, numbered_top=top)
        if not top and "." not in label:
            node.sub_number = int(label)
            node.label = _list_noun(tree, int(label)) or label
        return node
    if raw.kind == "heading":
        return _Open(level=raw.level or 2, label="", title=title)
    if raw.in_table or re.match(r"(figure|table|source|note)\b", text, re.I):
        return None
    if _is_caps_heading(text):
        return _Open(level=1, label="", title=title)
    # A short title-case line is a heading only when prose follows it, not a list of names.
    if (_is_title_like(text) and following is not None and following.kind != "heading"
            and not _is_title_like(following.text.strip())
            and len(following.text.split()) > len(text.split())):
        return _Open(level=2, label="", title=title)
    return None


_LIST_NOUNS = (("step", "Step"), ("stage", "Stage"), ("standard", "Standard"),
               ("competenc", "Competency"), ("principle", "Principle"), ("phase", "Phase"))


def _list_noun(tree: _Tree, number: int) -> str:
    """"Step 3" for item 3 of a list under "The Nine Step Commissioning Model"."""
    for node in reversed(tree.stack):
        if node.sub_number is not None:
            continue
        lowered = node.title.lower()
        for stem, noun in _LIST_NOUNS:
            if stem in lowered:
                return f"{noun} {number}"
        return ""
    return ""
