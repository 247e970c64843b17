"""Searching one workspace: its evidence and each step's notes and decisions.

BM25 with English stemming, as the document search's keyword half
(:class:`assistant.lexical.LexicalIndex`), built afresh for each search: a workspace holds
tens of entries, not thousands. Only people who may read the workspace may search it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from assistant.accounts import User
from assistant.database import transaction
from assistant.settings import Settings
from assistant.workspaces import EvidenceRow, StepRow, WorkspaceError, clean_line, readable


@dataclass(frozen=True)
class Hit:
    """A piece of the workspace that matches a search: evidence, or a step's notes or decisions."""

    kind: str            # "evidence", "notes" or "decisions"
    step: int
    title: str
    snippet: str
    score: float
    evidence_id: int | None = None


@dataclass(frozen=True)
class _Searchable:
    """What the BM25 index reads (the shape of a catalog chunk that it needs)."""

    search_text: str
    doc_id: str
    hit: tuple


def _snippet(text: str, terms: set[str], stem, width: int = 240) -> str:
    """The line of ``text`` with most of the searched words, cut to about ``width`` characters."""
    lines = [" ".join(line.split()) for line in re.split(r"\n+|(?<=[.!?])\s+", text) if line.strip()]
    if not lines:
        return ""
    best = max(lines, key=lambda line: len(terms & set(stem(line))))
    return best if len(best) <= width else best[:width].rsplit(" ", 1)[0] + " …"


def search(settings: Settings, workspace_id: str, user: User, query: str, top_k: int = 10) -> list[Hit]:
    """The evidence, notes and decisions of the workspace that best match ``query`` (BM25
    with English stemming, as the document search's keyword half), best first."""
    from assistant.lexical import LexicalIndex

    query = clean_line(query)
    if not query:
        raise WorkspaceError({"q": "Enter words to search this workspace's evidence and notes for"})
    if len(query) > 500:
        raise WorkspaceError({"q": "Search for 500 characters or fewer"})
    with transaction(settings) as session:
        workspace, _ = readable(session, workspace_id, user)
        entries = [_Searchable(f"{title}\n{text}", "workspace", ("evidence", step, title, text, eid))
                   for eid, step, title, text in session.execute(
                       select(EvidenceRow.id, EvidenceRow.step, EvidenceRow.title, EvidenceRow.text)
                       .where(EvidenceRow.workspace_id == workspace.id))]
        for row in session.scalars(select(StepRow).where(StepRow.workspace_id == workspace.id)):
            for kind in ("notes", "decisions"):
                if getattr(row, kind):
                    entries.append(_Searchable(getattr(row, kind), "workspace",
                                               (kind, row.step, kind.capitalize(), getattr(row, kind), None)))
    if not entries:
        return []
    index = LexicalIndex(entries)
    terms = set(index.terms(query))
    hits = []
    for entry, score in index.search(query, top_k):
        kind, step, title, text, eid = entry.hit
        hits.append(Hit(kind, step, title, _snippet(text, terms, index.terms), score, eid))
    return hits
