"""How a stored answer is shown: its sentences with citation links, safely.

Answers are text quoted from documents (or written by a model and checked against
them). Each sentence is rendered as inline Markdown (emphasis, code) with HTML switched
off, so a ``<script>`` in a document, a question or a model's answer is shown as text;
links and images are not rendered (a link in an answer could point anywhere). The
templates build the citation links themselves: a ``[n]`` in the answer becomes a link
only when citation ``n`` exists; anything else stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from markdown_it import MarkdownIt
from markupsafe import Markup

from web.templating import templates

# CommonMark with raw HTML off: "<" and "&" come out escaped, whatever the text holds.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).disable(["link", "image", "autolink"])
_MARKS = re.compile(r"((?:\[\d+\])+)(?=\s|$)")


@dataclass(frozen=True)
class Sentence:
    """A sentence of an answer and the citation numbers it carries (in order)."""

    text: str
    cites: tuple[int, ...] = ()


def sentences(answer_text: str, citations: list[dict]) -> list[Sentence]:
    """``answer_text`` (sentences each followed by marks such as ``[1][2]``) split into
    sentences; marks naming no citation stay part of the text."""
    known = {c["n"] for c in citations}
    out: list[Sentence] = []
    pending = ""
    position = 0
    for match in _MARKS.finditer(answer_text):
        numbers = tuple(int(n) for n in re.findall(r"\d+", match.group(1)))
        pending += answer_text[position:match.start()]
        position = match.end()
        if not all(n in known for n in numbers):
            pending += match.group(1)
            continue
        if pending.strip():
            out.append(Sentence(" ".join(pending.split()), numbers))
        pending = ""
    pending += answer_text[position:]
    if pending.strip():
        out.append(Sentence(" ".join(pending.split())))
    return out


def inline_markdown(text: str) -> Markup:
    """One sentence of an answer as safe HTML: Markdown emphasis and code rendered, every
    other character escaped (raw HTML, links and images are shown as the text they are)."""
    return Markup(_MARKDOWN.renderInline(text).strip())


def passage_href(citation: dict) -> str:
    """The document page with the citation's exact quote highlighted in its section."""
    start = citation.get("quote_start", citation.get("start"))
    end = citation.get("quote_end", citation.get("end"))
    return f"/documents/{quote(str(citation['doc_id']), safe='')}?start={start}&end={end}#passage"


def when(moment: datetime | None) -> str:
    """A date and time as people read them: 3 March 2026, 14:05 (UTC)."""
    if moment is None:
        return ""
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M}"


templates.env.globals.update(answer_sentences=sentences, passage_href=passage_href)
templates.env.filters["when"] = when
templates.env.filters["inline_markdown"] = inline_markdown
