"""Turn a question as typed into what the retrievers should look for.

Commissioners write "JSNA", "Staffs", "CB step 6". Acronyms are expanded from
``corpus/acronyms.yaml``; document nicknames (manifest ``aliases``) become a boost
for that document; "step 6", "part 6" and "stage 6" are recognised as one idea,
because the frameworks number the same nine-step cycle in different words; and a
section's title spelled out in full names that section as its number would.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from assistant import manifest

_NUMBER_WORDS = {w: str(n) for n, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen".split())}
_ORDINALS = {w: str(n) for n, w in enumerate(
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth".split())}
_UNITS = r"step|part|stage|standard|std|phase|competenc(?:y|ies)|section|appendix|annex|para(?:graph)?"
# "step 6", "step six", "Appendix C", "section 9.2" ...
_UNIT = re.compile(rf"\b({_UNITS})\s+(\d{{1,2}}(?:\.\d{{1,2}})?|[A-Z]\b|{'|'.join(_NUMBER_WORDS)})\b", re.I)
# ... and "the first step", "fifth stage".
_ORDINAL_UNIT = re.compile(rf"\b({'|'.join(_ORDINALS)})\s+(step|stage|part|phase|standard)\b", re.I)
# "parts 1-2", "steps 3 to 5", "stages 1, 2 and 3": several units at once.
_UNIT_RUN = re.compile(r"\b(step|part|stage|standard|phase)s\s+(\d{1,2}(?:\s*(?:,|-|–|to|and|&)\s*\d{1,2})+)\b", re.I)
MAX_RUN = 9  # a range wider than this is not a list of units ("standards 1-13" is all of them)
# A bare dotted number ("the schematic (9.2)") names a numbered section.
_DOTTED = re.compile(r"(?<![\w.])(\d{1,2}\.\d{1,2})(?![\w.])")
_STEP_WORDS = ("Step", "Part", "Stage")
# "the last phase", "the final stage": the highest the document numbers.
_LAST_UNIT = re.compile(r"\b(last|final)\s+(step|stage|part|phase)\b", re.I)
_CYCLE_WORDS = ("Step", "Part", "Stage", "Phase")
MAX_QUESTION_CHARS = 2000


class QuestionError(ValueError):
    """A question that cannot be searched (empty, too long)."""


@dataclass(frozen=True)
class Query:
    """A question prepared for retrieval."""

    original: str
    text: str
    documents: tuple[str, ...] = ()
    labels: tuple[str, ...] = field(default_factory=tuple)
    # Words the question quotes ("the 'assessment framework for commissioning'"), as
    # :func:`title_key` gives them: the passage that holds them is the one meant.
    phrases: tuple[str, ...] = field(default_factory=tuple)


@lru_cache(maxsize=8)
def _acronyms(path: str, mtime: float) -> dict[str, str]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def acronyms(corpus_dir: Path) -> dict[str, str]:
    """The acronym table (empty if the corpus has none)."""
    path = corpus_dir / "acronyms.yaml"
    return _acronyms(str(path), path.stat().st_mtime) if path.exists() else {}


def clean_question(question: str) -> str:
    """Collapse whitespace and drop control characters; refuse empty or huge input."""
    if not isinstance(question, str):
        raise QuestionError("The question must be text.")
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question)
    text = " ".join(text.split())
    if not text:
        raise QuestionError("Please type a question.")
    if len(text) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(text)} characters long; please keep it under "
                            f"{MAX_QUESTION_CHARS}.")
    return text


# Words in quotation marks, straight or curly; an apostrophe inside a word ("Children's")
# does not open a quote.
QUOTED = re.compile(r"(?<!\w)['‘\"“]([^'’\"”]{1,60})['’\"”](?!\w)")


def quoted_phrases(question: str, entries: list[manifest.Entry] = ()) -> tuple[str, ...]:
    """The question's quoted runs of two words or more, as :func:`title_key` gives them;
    not those that name a document by its title's opening words ("the 'securing better
    health' guide") or by a nickname."""
    names = [title_key(e.title) for e in entries] + [title_key(a) for e in entries for a in e.aliases]
    keys = (title_key(found) for found in QUOTED.findall(question))
    return tuple(dict.fromkeys(key for key in keys if len(key.split()) >= 2
                               and not any(f"{name} ".startswith(f"{key} ") for name in names)))


def _labels(text: str) -> list[str]:
    """Section labels a question names, in the spellings the documents use."""
    found = [(w, n) for w, n in _UNIT.findall(text)]
    found += [(w, _ORDINALS[o.lower()]) for o, w in _ORDINAL_UNIT.findall(text)]
    for word, run in _UNIT_RUN.findall(text):
        found += [(word, n) for n in _run_numbers(run)]
    labels: list[str] = []
    for word, number in found:
        word = word.lower()
        number = _NUMBER_WORDS.get(number.lower(), number)
        number = number.upper() if number.isalpha() else number
        if word in ("step", "part", "stage"):
            labels.extend(f"{w} {number}" for w in _STEP_WORDS)
        elif word == "std":  # "(std 8)"
            labels.append(f"Standard {number}")
        elif word.startswith("competenc"):
            labels.append(f"Competency {number}")
        elif word.startswith("para") or word == "section":
            labels.append(number)
        else:
            labels.append(f"{word.title()} {number}")
    labels += [n for n in _DOTTED.findall(text) if n not in labels]
    return list(dict.fromkeys(labels))


def _last_labels(text: str, numbered: Mapping[str, int]) -> list[str]:
    """The label of the last step, stage, part or phase a document numbers, when the
    question asks for it ("the final stage of Haringey's rollout" is its Phase 3): in
    the word asked if the document numbers in it, else in the one such word it uses."""
    found = _LAST_UNIT.search(text)
    if not found:
        return []
    kinds = [kind for kind in _CYCLE_WORDS if kind in numbered]
    asked = found.group(2).title()
    kind = asked if asked in kinds else (kinds[0] if len(kinds) == 1 else "")
    return [f"{kind} {numbered[kind]}"] if kind else []


def _run_numbers(run: str) -> list[str]:
    """The numbers "1-2", "3 to 5" or "1, 2 and 3" name, ranges spelled out."""
    numbers: list[int] = []
    for piece in re.split(r"\s*(?:,|and|&)\s*", run):
        ends = [int(n) for n in re.findall(r"\d{1,2}", piece)]
        if len(ends) == 2 and 0 < ends[1] - ends[0] <= MAX_RUN:
            numbers += range(ends[0], ends[1] + 1)
        elif len(ends) == 1:
            numbers += ends
    return [str(n) for n in dict.fromkeys(numbers)]


_SLASHED = r"[A-Z][A-Za-z]{1,5}"  # an acronym joined to a nickname by "/"
# "What's DCSF short for?": an acronym whose meaning is asked is the subject, not a
# document's nickname, though a document goes by it.
SPELLING_OUT_ASKED = r"\bstands? for\b|\bshort for\b|\babbreviat\w*|\bspel(t|led) out\b"
_ACRONYM_ASKED = re.compile(SPELLING_OUT_ASKED + r"|\bwhat does [A-Z][A-Za-z]{1,6} mean\b")


def _alias_groups(text: str, aliases: list[str]) -> list[tuple[int, int, list[str]]]:
    """Where ``aliases`` occur in ``text``, as names: overlapping or adjacent matches
    ("DCSF/DH world class commissioning guide") make one name."""
    spans = []
    for alias in aliases:
        # Short or all-capital aliases ("NY", "CB") must match in capitals; others in any case.
        flags = 0 if (len(alias) <= 3 or alias.isupper()) else re.I
        # Acronyms slashed onto it are part of the name, in either order ("DH/DCSF").
        for found in re.finditer(rf"(?<![\w/-])(?:{_SLASHED}/)*{re.escape(alias)}(?:/{_SLASHED})*(?:'s)?(?![\w/-])",
                                 text, flags):
            spans.append((found.start(), found.end(), alias))
    groups: list[tuple[int, int, list[str]]] = []
    for start, end, alias in sorted(spans):
        if groups and not text[groups[-1][1]:start].strip():
            first, last, members = groups[-1]
            groups[-1] = (first, max(last, end), members + [alias])
        else:
            groups.append((start, end, [alias]))
    return groups


def title_key(text: str) -> str:
    """A title or question as compared for naming a section: lower case, "&" as "and",
    punctuation as spaces ("Phase 2: shaping & managing" ~ "phase 2 shaping and managing")."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and ")).split())


def _titled_labels(text: str, titles: Mapping[str, str]) -> list[str]:
    """Labels of the sections whose titles the question spells out in full
    ("'collaborate with clinicians'" is Competency 4)."""
    key = f" {title_key(text)} "
    return list(dict.fromkeys(label for title, label in titles.items() if f" {title} " in key))


def prepare(question: str, corpus_dir: Path, entries: list[manifest.Entry],
            titles: Mapping[str, str] | None = None,
            last_parts: Mapping[str, Mapping[str, int]] | None = None) -> Query:
    """Expand acronyms, spot documents named by nickname, and the sections named by
    number ("step 6"), given ``titles`` (title key -> label) by title, and given
    ``last_parts`` (document id -> {"Phase": 3}) as the last of a named document's ("the
    final phase of Haringey's plan")."""
    text = clean_question(question)
    documents = []
    names: list[tuple[int, int]] = []
    naming: set[str] = set()  # acronyms that only name a document
    acronym_asked = _ACRONYM_ASKED.search(text) is not None
    for entry in entries:
        # Aliases only: titles such as "Joint Commissioning Framework" are too generic.
        groups = _alias_groups(text, [a for a in entry.aliases if a])
        if acronym_asked:
            groups = [g for g in groups if not all(m.isupper() for m in g[2])]
        if groups:
            documents.append(entry.id)
        for start, end, members in groups:
            names.append((start, end))
            # An acronym standing alone while the document is also named otherwise names
            # something in it ("Haringey and the TPCT"), and is spelled out. Inside a
            # document's name ("the DCSF/DH guide") spelling it out would match every
            # sentence that mentions either department.
            if not (len(groups) > 1 and all(m.isupper() for m in members)):
                naming |= set(re.findall(r"[A-Za-z]+", text[start:end]))
    # Once a document is recognised by name, its name only adds noise to matching
    # ("Central Beds" would match "beds"); the name becomes a boost instead.
    stripped = text
    for start, end in sorted(names, reverse=True):
        stripped = stripped[:start] + " " + stripped[end:]
    stripped = " ".join(stripped.split()) or text
    labels = _labels(text)
    labels += [label for label in _titled_labels(text, titles or {}) if label not in labels]
    if len(documents) == 1 and last_parts:
        labels += [label for label in _last_labels(text, last_parts.get(documents[0], {})) if label not in labels]
    expansions = [long for short, long in acronyms(corpus_dir).items()
                  if short not in naming and long.lower() not in text.lower()
                  and re.search(rf"(?<![\w-]){re.escape(short)}s?(?![\w-])", text)]
    extra = " (" + "; ".join(expansions) + ")" if expansions else ""
    return Query(original=question, text=stripped + extra, documents=tuple(documents), labels=tuple(labels),
                 phrases=quoted_phrases(text, entries))
