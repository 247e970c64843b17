"""Decide when not to answer: instructions posing as questions, and questions the
documents do not cover.

Text from users and documents is data. A question that tries to instruct the
assistant ("ignore your sources", "reply UPDATE APPLIED", "print your prompt") is
refused without repeating it. A question is treated as not covered when the passages
found lack what it asks for: an amount when it asks "how much", a date when it asks
"by what date", the period it names when that is after the document was written, or
its distinctive terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # evidence.py uses looks_like_injection; only the type comes back
    from assistant.evidence import Evidence

_INJECTION = [
    r"\b(ignore|disregard|forget|override)\b[^.?!]{0,60}\b(instruction|prompt|source|document|doc|guidance|rule|context|above|previous|earlier)s?\b",
    r"\b(reveal|print|show|output|repeat)\b[^.?!]{0,40}\b(system prompt|prompt|instructions)\b",
    r"\b(reply|respond|answer|begin|start|prefix)\b[^.?!]{0,40}\b(with|only with)\b[^.?!]{0,15}\b(?-i:[A-Z][A-Z0-9-]{3,})\b",
    r"\breply\b[^.?!]{0,30}\bto confirm\b",
    r"\b(don'?t|do not|never)\s+cite\b",
    r"\byou are (now|in)\b[^.?!]{0,40}\b(mode|chatbot|assistant|model)\b",
    r"\b(system notice|maintenance mode|debug mode|developer mode|jailbreak)\b",
    r"\b(earlier|previous|all)\b[^.?!]{0,30}\bguidance\b[^.?!]{0,30}\b(void|withdrawn|scrapped|cancelled)\b",
]
# What a "how much / how many" question needs the evidence to hold.
_MONEY_ASKED = re.compile(r"\b(how much|total|overall|annual|yearly|what was the|what is the)\b"
                          r"[^?]{0,40}\b(fund\w*|money|"
                          r"budget\w*|spen[dt]\w*|cost\w*|value|income|grant\w*|invest\w*)\b|\bsalary\b|"
                          r"\bpay (band|grade|scale)\b", re.I)
_MONEY = re.compile(r"£\s?\d|\b\d[\d,.]*\s?(k|m|million|bn|billion|pounds)\b|\bpay band\b|\bgrade\b", re.I)
_TIME_ASKED = re.compile(r"\bhow (much|long)\b[^?]{0,20}\b(notice|time|period|long)\b", re.I)
_TIME = re.compile(r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve|thirty|ninety)[\s-]"
                   r"(day|week|month|year)s?\b", re.I)
_HOW_MANY = re.compile(r"\bhow many\s+(?:\w+\s+){0,2}?([a-z]{3,})s?\b", re.I)
_NUMBER = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty)"
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,5}s?\b")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# A question asking for a date needs one in the evidence.
_DATE_ASKED = re.compile(r"\b(what|which) (date|year|month)\b|\bby when\b|\bdeadline\b", re.I)
_DATE = re.compile(rf"\b(19|20)\d\d\b|\b(?-i:{_MONTHS.title()})\b|\b(spring|summer|autumn|winter)\b|"
                   r"\byear[- ]end\b|\bend of (the |each )?(year|month|quarter|term)\b", re.I)
# A question asking which person holds a post needs a person, or a post's title, in the
# evidence: "which councillor chairs ...", "... filled, and by whom?".
_PERSON_ASKED = re.compile(r"\bwhich\s+(councillor|person|officer|individual|member of staff|manager|director)\b|"
                           r"\bby whom\b|\bwho\s+(was|has been|is)\s+(appointed|recruited|employed)\b", re.I)
_PERSON = re.compile(r"(?-i:\b(Director|Chair(man|person)?|Chief Executive|Manager|Officer|Lead Member|"
                     r"Councillor|Cllr|Head of|Portfolio Holder)\b)|\*\*[A-Z][a-z]+ [A-Z]|"
                     r"(?-i:\b[A-Z][a-z]+ [A-Z][a-z’'-]+\s+[–-]\s+[A-Z]{2,})")
# Below this weighted share of the question's words in the passages chosen, they are
# about something else (an off-topic question finds passages, just not relevant ones).
MIN_COVERAGE = 0.15
# ... unless a sentence found says what the question asks in other words: a question
# phrased far from the documents ("what was the paper meant to cover?") shares few words
# with its answer but is close to it in meaning.
PARAPHRASE_SIMILARITY = 0.6
# An off-topic question still shares a word or two with the documents ("what is the
# *capital* of France?" finds "capital funding streams"), so words alone cannot tell.
# Its meaning can: below this cosine (all-MiniLM-L6-v2) between the question and the
# closest sentence found, no sentence is about what it asks. Measured on the project's
# three question sets (answerable: lowest 0.345, a tenth below 0.53) against general
# questions (weather, recipes, sport: median 0.21).
MIN_SIMILARITY = 0.33
# ... unless the passages hold most of its words: a short, vague question ("what do
# officers do here?", asked on a step's page) is close to nothing, yet answerable.
MIN_STRICT_COVERAGE = 0.6
# Closer than that but still loosely related ("how do I become a foster carer in Leeds?"):
# a question naming someone, somewhere or a law that no document mentions is about
# something else. (A question that names its own area and is close to the documents,
# "we're in Leeds: what does step 1 ask?", is answered.)
NAMED_SIMILARITY = 0.45
_NAME = re.compile(r"(?<=[^.?!]\s)(?:[A-Z][a-z][\w'’-]*)(?:\s+(?:of\s+|the\s+)?[A-Z][a-z][\w'’-]*)*")
_YEAR = re.compile(r"\b(19|20)(\d{2})\b")
_PAST_EVENT = re.compile(r"\b(did|was|were|had|has|have)\b[^?]{0,80}\b(adopt\w*|commission\w*|appoint\w*|"
                         r"agree\w*|approv\w*|decid\w*|spen[dt]\w*|fund\w*|say|said|actually)\b|\bactually\b", re.I)


@dataclass(frozen=True)
class Verdict:
    """Whether to answer, and if not, why (in words for people)."""

    answer: bool
    reason: str = ""


def looks_like_injection(question: str) -> bool:
    """True when the question is an attempt to instruct the assistant."""
    return any(re.search(p, question, re.I) for p in _INJECTION)


def names(question: str) -> list[str]:
    """Capitalised names inside a question ("Leeds", "Care Act", "Prime Minister"), not
    counting its first word; acronyms are judged elsewhere."""
    return list(dict.fromkeys(m.group(0) for m in _NAME.finditer(" " + question)))


def judge(question: str, evidence: Evidence, document_dates: dict[str, str],
          document_text, named: list[str], aliases: set[str], all_documents: list[str],
          expansions: dict[str, str], unknown_names: list[str] = ()) -> Verdict:
    """Answer, or refuse with a reason, given the chosen evidence.

    ``document_text(doc_id)`` gives a document's text; ``named`` are the documents the
    question names; ``aliases`` the nicknames of all documents (not acronyms to check);
    ``unknown_names`` the question's :func:`names` that no document contains.
    """
    if not evidence.chosen or (evidence.coverage < MIN_COVERAGE and evidence.similarity < PARAPHRASE_SIMILARITY):
        return Verdict(False, "nothing in them matches the question")
    if evidence.similarity < MIN_SIMILARITY and evidence.strict_coverage < MIN_STRICT_COVERAGE:
        return Verdict(False, "nothing in them is about what the question asks")
    if unknown_names and evidence.similarity < NAMED_SIMILARITY:
        return Verdict(False, f"none of them mentions {' or '.join(unknown_names)}")
    chosen_text = " ".join(u.text for u in evidence.chosen)
    if not _has_figure(question, chosen_text):
        return Verdict(False, "the passages found give no figure for what the question asks")
    late = _after_documents(question, evidence, document_dates)
    if late:
        return Verdict(False, f"the question asks about {late}, after the documents that "
                              "discuss it were written")
    absent = _acronyms_absent(question, named, document_text, aliases, all_documents, expansions)
    if absent:
        return Verdict(False, f"{', '.join(absent)} does not appear in the document the question names")
    return Verdict(True)


def _acronyms_absent(question: str, named: list[str], document_text, aliases: set[str],
                     all_documents: list[str], expansions: dict[str, str]) -> list[str]:
    """Acronyms of the question ("TUPE", "CSP") that other documents use but none of the
    named ones does, spelled out or not. An acronym no document uses is not judged."""
    if not named:
        return []
    def uses(doc_id: str, acronym: str) -> bool:
        text = document_text(doc_id) or ""
        long = expansions.get(acronym, "")
        return re.search(rf"{re.escape(acronym)}\b", text) is not None or (
            bool(long) and long.lower() in text.lower())
    missing = []
    for found in dict.fromkeys(_ACRONYM.findall(question)):
        acronym = re.sub(r"s$|\d+$", "", found) if not found.isupper() or found[-1].isdigit() else found
        if acronym in aliases or len(acronym) < 2:
            continue
        if any(uses(d, acronym) for d in named):
            continue
        if any(uses(d, acronym) for d in all_documents if d not in named):
            missing.append(acronym)
    return missing


def _has_figure(question: str, text: str) -> bool:
    """False when the question asks for an amount, date, person, period or count the text
    does not give."""
    if _MONEY_ASKED.search(question):
        return bool(_MONEY.search(text))
    if _DATE_ASKED.search(question):
        return bool(_DATE.search(text))
    if _PERSON_ASKED.search(question):
        return bool(_PERSON.search(text))
    if _TIME_ASKED.search(question):
        return bool(_TIME.search(text))
    many = _HOW_MANY.search(question)
    if many:
        stem = many.group(1).lower()[:5]
        return re.search(rf"\b{_NUMBER}\b(\s+[\w'’-]+){{0,3}}?\s+{re.escape(stem)}", text, re.I) is not None
    return True


def _after_documents(question: str, evidence: Evidence, document_dates: dict[str, str]) -> str:
    """The period a question about events names, if later than the documents chosen."""
    asked = [int(m.group(0)) for m in _YEAR.finditer(question)]
    # Only a question about what happened ("did they adopt", "what was commissioned")
    # can be after its documents; "what was planned for 2007" is not.
    if not asked or not _PAST_EVENT.search(question):
        return ""
    docs = {evidence.results[u.result].document.doc_id for u in evidence.chosen}
    written = []
    for doc_id in docs:
        years = [int(m.group(0)) for m in _YEAR.finditer(document_dates.get(doc_id, ""))]
        if not years:
            return ""
        written.append(max(years))
    if min(asked) > max(written):
        return str(min(asked))
    # "in November 2006" against a paper of June 2006.
    month = re.search(rf"\b({_MONTHS})\s+((19|20)\d{{2}})\b", question, re.I)
    if month and len(docs) == 1:
        doc_month = re.search(rf"\b({_MONTHS})\s+((19|20)\d{{2}})\b",
                              document_dates.get(next(iter(docs)), ""), re.I)
        if doc_month:
            months = _MONTHS.split("|")
            asked_at = int(month.group(2)) * 12 + months.index(month.group(1).lower())
            written_at = int(doc_month.group(2)) * 12 + months.index(doc_month.group(1).lower())
            if asked_at > written_at:
                return f"{month.group(1).title()} {month.group(2)}"
    return ""
