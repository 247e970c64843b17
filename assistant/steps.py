"""The nine-step joint planning and commissioning cycle, as data from the documents.

``corpus/steps.yaml`` describes the cycle (Every Child Matters, 2006) the way the corpus
documents do: its three phases, the four activities (Assess, Plan, Do, Review), the world
class commissioning competencies and the phases they apply to, and for each step its
wording, what each document says about it, the questions to ask, the evidence to gather
and the outputs to leave behind. Every statement carries a citation (document id,
section, verbatim quote) that :func:`check_quotes` finds in the cited document, so the
guided features never rest on anyone's memory. A local authority adds its own guidance
per step under ``local:``, citing a document it has ingested.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import yaml

from assistant.settings import Settings

ACTIVITIES = ("Assess", "Plan", "Do", "Review")
FILE_NAME = "steps.yaml"


class StepModelError(ValueError):
    """steps.yaml is missing or does not have the shape described in its header."""


@dataclass(frozen=True)
class Citation:
    """Where a statement comes from: a document, its section and the words it uses."""

    doc_id: str
    section: str
    quote: str


@dataclass(frozen=True)
class Item:
    """One statement (a question, a piece of evidence, an output) and its citations."""

    text: str
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class FrameworkView:
    """What one document says about a step, in brief, with the words it uses."""

    doc_id: str
    section: str
    says: str
    quote: str

    @property
    def citation(self) -> Citation:
        """The view's quote as a citation."""
        return Citation(self.doc_id, self.section, self.quote)


@dataclass(frozen=True)
class Group:
    """A phase (numbered) or an activity (named) and the steps it holds."""

    number: int
    name: str
    steps: tuple[int, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Competency:
    """A world class commissioning competency and the cycle phases it applies to."""

    number: int
    name: str
    phases: tuple[int, ...]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class Step:
    """One step of the cycle with everything the documents say about it."""

    number: int
    name: str
    activity: str
    phase: int
    wording: str
    summary: str
    citations: tuple[Citation, ...]
    frameworks: tuple[FrameworkView, ...]
    questions: tuple[Item, ...]
    evidence: tuple[Item, ...]
    outputs: tuple[Item, ...]
    local: tuple[Item, ...]


@dataclass(frozen=True)
class Cycle:
    """The whole cycle: its steps in order, phases, activities and competencies."""

    name: str
    citations: tuple[Citation, ...]
    phases: tuple[Group, ...]
    activities: tuple[Group, ...]
    competencies: tuple[Competency, ...]
    steps: tuple[Step, ...]

    def step(self, number: int) -> Step:
        """Step ``number`` (1 to 9); KeyError for any other number."""
        for step in self.steps:
            if step.number == number:
                return step
        raise KeyError(f"There is no step {number}: the cycle has steps 1 to {len(self.steps)}.")

    def next(self, number: int) -> Step:
        """The step after ``number``; the last step leads back to the first (it is a cycle)."""
        return self.steps[number % len(self.steps)]

    def previous(self, number: int) -> Step:
        """The step before ``number``; the first step's previous is the last."""
        return self.steps[(number - 2) % len(self.steps)]

    def phase_of(self, step: Step) -> Group:
        """The phase ``step`` belongs to."""
        return next(p for p in self.phases if p.number == step.phase)

    def competencies_for(self, step: Step) -> list[Competency]:
        """The competencies that apply in ``step``'s phase."""
        return [c for c in self.competencies if step.phase in c.phases]

    def all_citations(self) -> list[Citation]:
        """Every citation in the model, in file order (for checking them)."""
        found = list(self.citations)
        for group in (*self.phases, *self.activities, *self.competencies):
            found += group.citations
        for step in self.steps:
            found += step.citations
            found += [view.citation for view in step.frameworks]
            for item in (*step.questions, *step.evidence, *step.outputs, *step.local):
                found += item.citations
        return found


def path_for(settings: Settings) -> Path:
    """Where the step model lives: ``steps.yaml`` in the corpus folder."""
    return settings.corpus_dir / FILE_NAME


def load(settings: Settings) -> Cycle:
    """The cycle described by the corpus folder's steps.yaml (read once per change)."""
    path = path_for(settings)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        raise StepModelError(f"{path} is missing: the nine-step guidance needs it "
                             "(it ships in corpus/; restore it from the repository).") from None
    return _load(path, stamp)


@lru_cache(maxsize=4)
def _load(path: Path, stamp: int) -> Cycle:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return parse(data)
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise StepModelError(f"{path} is not readable YAML: {err}") from None
    except StepModelError as err:
        raise StepModelError(f"{path}: {err}") from None


def parse(data: dict) -> Cycle:
    """A :class:`Cycle` from steps.yaml's content; StepModelError names what is wrong."""
    if not isinstance(data, dict):
        raise StepModelError("expected a mapping with cycle, phases, activities, competencies, steps")
    try:
        cycle = Cycle(
            name=data["cycle"]["name"],
            citations=_citations(data["cycle"]),
            phases=tuple(Group(p["number"], p["name"], tuple(p["steps"]), _citations(p))
                         for p in data["phases"]),
            activities=tuple(Group(i, a["name"], tuple(a["steps"]), _citations(a))
                             for i, a in enumerate(data["activities"], 1)),
            competencies=tuple(Competency(c["number"], c["name"], tuple(c["phases"]), _citations(c))
                               for c in data["competencies"]),
            steps=tuple(_step(s) for s in data["steps"]),
        )
    except (KeyError, TypeError) as err:
        raise StepModelError(f"an entry lacks a field or has the wrong shape ({err!r})") from None
    _check_shape(cycle)
    return cycle


def _citations(entry: dict) -> tuple[Citation, ...]:
    citations = tuple(Citation(c["doc_id"], str(c["section"]), c["quote"])
                      for c in entry.get("citations") or ())
    if not citations:
        name = entry.get("name") or entry.get("text") or entry
        raise StepModelError(f"{str(name)[:60]!r} has no citation; every statement needs one")
    return citations


def _items(entries) -> tuple[Item, ...]:
    return tuple(Item(e["text"], _citations(e)) for e in entries or ())


def _step(s: dict) -> Step:
    return Step(
        number=s["number"], name=s["name"], activity=s["activity"], phase=s["phase"],
        wording=s["wording"], summary=s["summary"], citations=_citations(s),
        frameworks=tuple(FrameworkView(f["doc_id"], str(f["section"]), f["says"], f["quote"])
                         for f in s.get("frameworks") or ()),
        questions=_items(s.get("questions")), evidence=_items(s.get("evidence")),
        outputs=_items(s.get("outputs")), local=_items(s.get("local")),
    )


def _check_shape(cycle: Cycle) -> None:
    numbers = [s.number for s in cycle.steps]
    if numbers != list(range(1, len(numbers) + 1)) or not numbers:
        raise StepModelError(f"steps must be numbered 1, 2, 3 … in order, found {numbers}")
    for step in cycle.steps:
        if step.activity not in ACTIVITIES:
            raise StepModelError(f"step {step.number}: activity {step.activity!r} is not one of {ACTIVITIES}")
        phase = [p for p in cycle.phases if step.number in p.steps]
        activity = [a for a in cycle.activities if step.number in a.steps]
        if [p.number for p in phase] != [step.phase] or [a.name for a in activity] != [step.activity]:
            raise StepModelError(f"step {step.number}: its phase and activity disagree with the "
                                 "phases and activities lists")


# --- checking quotes against the documents ---------------------------------------

@lru_cache(maxsize=16)
def _normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with every run of whitespace as one space, and each kept character's offset.
    (A step page locates dozens of quotes in the same few documents: each is read once.)"""
    chars, offsets = [], []
    for match in re.finditer(r"\S+", text):
        if chars:
            chars.append(" ")
            offsets.append(match.start())
        chars.extend(match.group())
        offsets.extend(range(match.start(), match.end()))
    return "".join(chars), offsets


def locate(quote: str, text: str) -> tuple[int, int] | None:
    """Where ``quote`` stands in ``text`` (whitespace runs compared as one space), as
    character offsets into ``text``; None if it is not there."""
    wanted = " ".join(quote.split())
    flat, offsets = _normalised(text)
    at = flat.find(wanted)
    if at < 0 or not wanted:
        return None
    return offsets[at], offsets[at + len(wanted) - 1] + 1


def check_quotes(cycle: Cycle, document_text: Callable[[str], str | None]) -> list[str]:
    """Every citation whose quote is not in its document, as a sentence each ([] if none).
    ``document_text(doc_id)`` gives a document's text, or None for an unknown id."""
    problems = []
    texts: dict[str, str | None] = {}
    for citation in cycle.all_citations():
        if citation.doc_id not in texts:
            texts[citation.doc_id] = document_text(citation.doc_id)
        text = texts[citation.doc_id]
        if text is None:
            problems.append(f"{citation.doc_id!r} (section {citation.section}) is not a known document")
        elif " ".join(citation.quote.split()) not in " ".join(text.split()):
            problems.append(f"{citation.doc_id} {citation.section}: quote not found: {citation.quote[:80]!r}")
    return problems


# --- as JSON -----------------------------------------------------------------------

def summary_json(step: Step) -> dict:
    """A step as ``assistant steps --json`` lists it."""
    return {"number": step.number, "name": step.name, "activity": step.activity,
            "phase": step.phase, "summary": step.summary,
            "citations": [asdict(c) for c in step.citations]}


def step_json(cycle: Cycle, step: Step) -> dict:
    """The whole step, as ``assistant steps show N --json`` gives it."""
    phase = cycle.phase_of(step)
    return {**summary_json(step), "wording": step.wording,
            "phase_name": phase.name,
            "competencies": [{"number": c.number, "name": c.name,
                              "citations": [asdict(x) for x in c.citations]}
                             for c in cycle.competencies_for(step)],
            "frameworks": [asdict(v) for v in step.frameworks],
            "questions": [asdict(i) for i in step.questions],
            "evidence": [asdict(i) for i in step.evidence],
            "outputs": [asdict(i) for i in step.outputs],
            "local": [asdict(i) for i in step.local],
            "previous": cycle.previous(step.number).number,
            "next": cycle.next(step.number).number}
