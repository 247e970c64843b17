"""A workspace as a document to share: Markdown and Word (DOCX).

Both give the exercise's details, then for each step of the cycle its name, activity and
phase, the guidance summary, the status, the evidence checklist, the notes, the decisions
and the evidence gathered. Every statement taken from the framework documents carries
citations as footnotes (document title, section, the quoted words): Markdown footnotes
(``[^1]``, listed under "Sources" at the end, each source once), and real Word footnotes
in the DOCX (:mod:`assistant.docx_footnotes`), at the foot of the page that cites them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone

from assistant.docx_footnotes import Footnotes as WordFootnotes
from assistant.steps import Citation, Cycle, Step
from assistant.workspaces import DETAILS, STATUS_LABELS, Evidence, Workspace

SOURCE_NOTE = "Exported from the Commissioning Guidance Assistant"


class Footnotes:
    """Citations numbered in the order they are first used; a citation used again keeps
    its number, so each source is listed once."""

    def __init__(self) -> None:
        self._numbers: dict[Citation, int] = {}

    def numbers(self, citations: Iterable[Citation]) -> list[int]:
        """The numbers of ``citations``, giving new ones the next numbers."""
        found = []
        for citation in citations:
            if citation not in self._numbers:
                self._numbers[citation] = len(self._numbers) + 1
            found.append(self._numbers[citation])
        return found

    @property
    def notes(self) -> list[tuple[int, Citation]]:
        """Every numbered citation, in number order."""
        return [(n, c) for c, n in self._numbers.items()]


def _day(moment: datetime | None) -> str:
    return f"{moment.day} {moment:%B %Y}" if moment else ""


def _quote(text: str) -> str:
    return " ".join(text.split())


def source_text(citation: Citation, titles: Mapping[str, str]) -> str:
    """A source as a sentence: document title, section, and the words quoted."""
    title = titles.get(citation.doc_id, citation.doc_id)
    return f"{title}, section {citation.section}: “{_quote(citation.quote)}”"


def _details(workspace: Workspace, numbers: Iterable[int]) -> list[tuple[str, str]]:
    progress = workspace.progress(numbers)
    total = sum(progress.values())
    rows = [(DETAILS[name][0], getattr(workspace, name)) for name in DETAILS if name != "title"]
    rows = [(label, value) for label, value in rows if value]
    rows += [("Owner", workspace.owner),
             ("Shared with", ", ".join(m.name for m in workspace.members) or "nobody"),
             ("Progress", f"{progress['done']} of {total} steps done, "
                          f"{progress['in_progress']} in progress")]
    return rows


def _evidence_line(evidence: Evidence) -> tuple[str, str]:
    """A piece of evidence as (its title, where it came from)."""
    origin = f"file {evidence.filename}" if evidence.kind == "file" else "note"
    added = f", added by {evidence.added_by}" if evidence.added_by else ""
    return evidence.title, f"{origin}{added} on {_day(evidence.created_at)}"


def _phase(cycle: Cycle, step: Step) -> str:
    phase = cycle.phase_of(step)
    return f"{step.activity} · Phase {phase.number}: {phase.name}"


def filename(workspace: Workspace, suffix: str) -> str:
    """A file name for the export: ``workspace-short-breaks-2026-29.md``."""
    slug = re.sub(r"[^a-z0-9]+", "-", workspace.title.lower()).strip("-")[:60].rstrip("-")
    return f"workspace-{slug or 'export'}.{suffix}"


# --- Markdown --------------------------------------------------------------------------

def _md_marks(numbers: list[int]) -> str:
    return "".join(f"[^{n}]" for n in numbers)


def _md_block(text: str, empty: str) -> list[str]:
    return [text, ""] if text else [f"*{empty}*", ""]


def workspace_markdown(workspace: Workspace, cycle: Cycle, titles: Mapping[str, str],
                       now: datetime | None = None) -> str:
    """The workspace as Markdown; ``titles`` maps document ids to titles (unknown ids are
    shown as they are)."""
    now = now or datetime.now(timezone.utc)
    notes = Footnotes()
    lines = [f"# {workspace.title}", "",
             f"Commissioning workspace. {SOURCE_NOTE} on {_day(now)}.", ""]
    for label, value in _details(workspace, (s.number for s in cycle.steps)):
        lines += [f"**{label}:** " + value.replace("\n", "  \n"), ""]
    for step in cycle.steps:
        record = workspace.record(step.number)
        lines += [f"## Step {step.number}: {step.name}", "", f"*{_phase(cycle, step)}*", "",
                  f"**Status:** {STATUS_LABELS[record.status]}", "",
                  "### Guidance", "", step.summary + _md_marks(notes.numbers(step.citations)), ""]
        if step.evidence:
            lines += ["### Evidence checklist", ""]
            lines += [f"- [{'x' if item.text in record.checked else ' '}] {item.text}"
                      + _md_marks(notes.numbers(item.citations)) for item in step.evidence]
            lines.append("")
        lines += ["### Notes", ""] + _md_block(record.notes, "No notes yet.")
        lines += ["### Decisions", ""] + _md_block(record.decisions, "No decisions recorded yet.")
        lines += ["### Evidence gathered", ""]
        gathered = workspace.evidence_for(step.number)
        for evidence in gathered:
            title, origin = _evidence_line(evidence)
            lines.append(f"- **{title}** ({origin})")
        lines += [""] if gathered else ["*None yet.*", ""]
    lines += ["## Sources", ""]
    lines += [f"[^{n}]: {source_text(citation, titles)}" for n, citation in notes.notes]
    return "\n".join(lines).rstrip() + "\n"


# --- Word ------------------------------------------------------------------------------

# Characters XML 1.0 cannot hold (python-docx refuses them); a pasted note may contain some.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _safe(text: str) -> str:
    return _NOT_XML.sub(" ", text)


def _docx_notes(footnotes: WordFootnotes, paragraph, citations, titles: Mapping[str, str]) -> None:
    for i, citation in enumerate(citations):
        if i:
            paragraph.add_run(",").font.superscript = True  # ¹,² rather than ¹²
        footnotes.add(paragraph, _safe(source_text(citation, titles)))


def _docx_text(document, text: str, empty: str) -> None:
    if not text:
        document.add_paragraph().add_run(empty).italic = True
        return
    for paragraph in re.split(r"\n\s*\n", text):
        document.add_paragraph(_safe(paragraph.strip()))


def workspace_docx(workspace: Workspace, cycle: Cycle, titles: Mapping[str, str],
                   now: datetime | None = None) -> bytes:
    """The workspace as a Word document (the bytes of a .docx file)."""
    import docx

    now = now or datetime.now(timezone.utc)
    document = docx.Document()
    footnotes = WordFootnotes(document)
    document.core_properties.title = _safe(workspace.title)
    document.core_properties.author = _safe(workspace.owner)
    document.add_heading(_safe(workspace.title), level=0)
    document.add_paragraph(f"Commissioning workspace. {SOURCE_NOTE} on {_day(now)}.")
    rows = _details(workspace, (s.number for s in cycle.steps))
    table = document.add_table(rows=len(rows), cols=2)
    table.style = "Table Grid"
    for (label, value), row in zip(rows, table.rows):
        row.cells[0].paragraphs[0].add_run(label).bold = True
        row.cells[1].text = _safe(value)
    for step in cycle.steps:
        record = workspace.record(step.number)
        document.add_heading(f"Step {step.number}: {step.name}", level=1)
        document.add_paragraph().add_run(_phase(cycle, step)).italic = True
        status = document.add_paragraph()
        status.add_run("Status: ").bold = True
        status.add_run(STATUS_LABELS[record.status])
        document.add_heading("Guidance", level=2)
        _docx_notes(footnotes, document.add_paragraph(step.summary), step.citations, titles)
        if step.evidence:
            document.add_heading("Evidence checklist", level=2)
            for item in step.evidence:
                ticked = "☑ Gathered: " if item.text in record.checked else "☐ To gather: "
                _docx_notes(footnotes, document.add_paragraph(ticked + item.text, style="List Bullet"),
                            item.citations, titles)
        document.add_heading("Notes", level=2)
        _docx_text(document, record.notes, "No notes yet.")
        document.add_heading("Decisions", level=2)
        _docx_text(document, record.decisions, "No decisions recorded yet.")
        document.add_heading("Evidence gathered", level=2)
        gathered = workspace.evidence_for(step.number)
        for evidence in gathered:
            title, origin = _evidence_line(evidence)
            item = document.add_paragraph(style="List Bullet")
            item.add_run(_safe(title)).bold = True
            item.add_run(_safe(f" ({origin})"))
        if not gathered:
            document.add_paragraph().add_run("None yet.").italic = True
    footnotes.save()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
