"""A step's guidance as a page shows it: every statement with numbered links to its sources.

The step model (:mod:`assistant.steps`) cites each statement by document, section and
verbatim quote. On a step page the citations are numbered in reading order (one number
per source, however often it is cited) and each number links to the quote highlighted in
its document (``/documents/{id}?start=…&end=…#passage``, the offsets found with
:func:`assistant.steps.locate`). A quote the document's text does not hold links to the
document; a document the library does not have links to the page's own list of sources,
which shows the quote either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote as url_quote

from assistant import steps
from assistant.catalog import Catalog
from assistant.steps import Citation, Cycle, Step

@dataclass(frozen=True)
class Source:
    """A numbered source on the page: where it is, and where its link goes."""

    n: int
    doc_id: str
    title: str
    section: str
    quote: str
    href: str        # the quote highlighted, the document, or this page's list of sources
    in_library: bool


@dataclass(frozen=True)
class Statement:
    """A sentence of guidance and the sources behind it."""

    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True)
class View:
    """What one document says about the step, with its own words as the source."""

    title: str
    section: str
    says: str
    source: Source


@dataclass(frozen=True)
class Guidance:
    """Everything a step page shows of the guidance, sources numbered."""

    step: Step
    phase: steps.Group
    summary: Statement
    competencies: tuple[Statement, ...]
    views: tuple[View, ...]
    questions: tuple[Statement, ...]
    evidence: tuple[Statement, ...]
    outputs: tuple[Statement, ...]
    local: tuple[Statement, ...]
    sources: tuple[Source, ...]


class _Numbering:
    """Gives each citation a number in the order the page shows them, with its link."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.titles = {d.doc_id: d.title for d in catalog.documents()}
        self.found: dict[Citation, Source] = {}

    def source(self, citation: Citation) -> Source:
        if citation not in self.found:
            n = len(self.found) + 1
            known = citation.doc_id in self.titles
            self.found[citation] = Source(n, citation.doc_id, self.titles.get(citation.doc_id, citation.doc_id),
                                          citation.section, citation.quote,
                                          self._href(citation, n) if known else f"#source-{n}", known)
        return self.found[citation]

    def statement(self, text: str, citations) -> Statement:
        return Statement(text, tuple(self.source(c) for c in citations))

    def _href(self, citation: Citation, n: int) -> str:
        document = f"/documents/{url_quote(citation.doc_id, safe='')}"
        text = self.catalog.document_text(citation.doc_id)
        place = steps.locate(citation.quote, text) if text else None
        return f"{document}?start={place[0]}&end={place[1]}#passage" if place else document


def guidance(cycle: Cycle, step: Step, catalog: Catalog) -> Guidance:
    """The guidance of ``step`` with its sources numbered in the order the page shows them."""
    number = _Numbering(catalog)
    summary = number.statement(step.summary, step.citations)
    competencies = tuple(number.statement(f"{c.number}. {c.name}", c.citations)
                         for c in cycle.competencies_for(step))
    views = tuple(View(number.titles.get(v.doc_id, v.doc_id), v.section, v.says, number.source(v.citation))
                  for v in step.frameworks)

    def items(entries) -> tuple[Statement, ...]:
        return tuple(number.statement(i.text, i.citations) for i in entries)

    questions, outputs, local = items(step.questions), items(step.outputs), items(step.local)
    evidence = items(step.evidence)  # shown last on the page: in the form, as the checklist
    return Guidance(step, cycle.phase_of(step), summary, competencies, views, questions,
                    evidence, outputs, local, tuple(number.found.values()))
