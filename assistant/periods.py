"""When a question asks about a time the documents cannot speak for.

The documents were written between 2006 and 2010. "How did pooled budgets change in
2023?", "what did they score when they re-ran it a year later?" and "which services did
they decommission in 2009/10?" (of a paper of November 2009) ask about later periods, and
"when did the board finally approve the handbook?" about how things turned out; the guard
(:mod:`assistant.guard`) refuses them with the reason given here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.answer_kinds import MONTHS

if TYPE_CHECKING:  # only the type: the library is the guard's
    from assistant.guard import Library

# "November 2006", and as people shorten it, "Nov 2006", "Sept. 2006".
_MONTH_YEAR = re.compile(rf"\b({MONTHS}|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|"
                         r"spring|summer|autumn|fall|winter)\.?\s+((?:19|20)\d{2})\b", re.I)
# A season counts from its first month: "autumn 2006" is after a paper of June 2006.
_SEASON_MONTH = {"spring": 2, "summer": 5, "autumn": 8, "fall": 8, "winter": 11}
_YEAR = re.compile(r"\b(19|20)(\d{2})\b")
# A financial year ("2009/10", "2010-11") runs into the year it ends in: what happened in
# 2009/10 was not over when a paper of November 2009 was written.
_FINANCIAL_YEAR = re.compile(r"\b((19|20)\d\d)\s?[/–-]\s?(\d\d)\b")
# A year asked about in the user's own plan ("our 2027 strategy") is not a period the
# documents would have to cover.
_OWN_YEAR = re.compile(r"\b(our|my|your|next|this)\s+((19|20)\d\d)\b", re.I)
# What happened after the paper, without a year: "when they re-ran it a year later".
_LATER = re.compile(r"\b(a|one|two|three|\d+)\s+years?\s+(later|on|after)\b|\bthe following year\b|"
                    r"\bsince then\b|"
                    # "when it came back to a later meeting"
                    r"\b(?:at\s+)?(?P<meeting>(a|the)\s+(later|subsequent|following|next)\s+(board\s+)?meeting)\b|"
                    # "after its strategy was approved": after what the paper proposes
                    r"\bafter\s+(?:it|its|the|their|this)\b[^?]{0,60}?\b(was|were|had been)\s+"
                    r"(approved|adopted|agreed|signed off|published|launched|implemented)\b", re.I)
# How things turned out, asked without a date: "when did the board finally approve the
# handbook?", "which guidelines did the group end up adopting?", "what did the final version
# say?". The documents propose, plan and report meetings; what came of it came later.
# ("Where should the findings end up?" and "what does the guide ultimately aim at?" ask
# about the documents' own plans, so only a past event's "finally" or "in the end" counts.)
_TURNED_OUT = re.compile(r"\b(did|was|were|had|has|have)\b[^?]{0,60}?\b(finally|eventually|in the end)\b|"
                         r"\b(finally|eventually)\s+\w+ed\b|"
                         r"\b(ended up|end up)\s+\w+ing\b|"
                         r"\b(final|approved|finished|signed[- ]off|agreed)\s+(version|text|draft)\b", re.I)
# A later edition of a document: "what changed in the 2011 update of the toolkit?"
_REVISION = re.compile(r"\b((?:19|20)\d\d)\s+(update|revision|refresh|edition|version|rewrite|re-write)\b", re.I)
# Only a question about what happened can be after the documents that discuss it.
_PAST_EVENT = re.compile(r"\b(did|was|were|had|has|have|got)\b[^?]{0,80}\b(adopt\w*|(de)?commission\w*|appoint\w*|"
                         r"agree\w*|approv\w*|decid\w*|spen[dt]\w*|fund\w*|scor\w*|re-?r[au]n\w*|repeat\w*|say|said|actually)\b|"
                         r"\bactually\b", re.I)


def _month_number(name: str) -> int:
    """0 for "January" (or "Jan"), up to 11 for "December"; a season's first month."""
    if name.lower() in _SEASON_MONTH:
        return _SEASON_MONTH[name.lower()]
    return [m[:3] for m in MONTHS.split("|")].index(name[:3].lower())


def after_documents(question: str, answering: list[str], library: Library) -> str:
    """Why the question is about a later period than the documents can speak for (the
    ``answering`` ones, for a past event), or ""."""
    own = {int(m.group(2)) for m in _OWN_YEAR.finditer(question)}
    asked = [int(m.group(0)) for m in _YEAR.finditer(question) if int(m.group(0)) not in own]
    later = _LATER.search(question)
    past_event = _PAST_EVENT.search(question) is not None
    if later and past_event:
        when = f"at {later.group('meeting')}" if later.group("meeting") else later.group(0)
        return f"the question asks what happened {when.lower()}, after the documents were written"
    if past_event and _TURNED_OUT.search(question):
        return "the question asks how things turned out, after the documents were written"
    if not asked:
        return ""
    def year_of(doc_id: str) -> int | None:
        years = [int(m.group(0)) for m in _YEAR.finditer(library.dates.get(doc_id, ""))]
        return max(years) if years else None
    docs = set(answering)
    written = [year_of(d) for d in docs]
    revision = _REVISION.search(question)
    if revision and written and None not in written and int(revision.group(1)) > max(written):
        return (f"the question asks about the {revision.group(1)} {revision.group(2).lower()}, "
                "after the documents that discuss it were written")
    # A year after every document was written, that none of them mentions ("in its 2023
    # inspection", "the dates for 2025"): nothing in them can be about it.
    latest = [y for y in map(year_of, library.documents) if y is not None]
    if latest and len(latest) == len(library.documents):
        for year in sorted(set(asked)):
            if year > max(latest) and not library.mentions(str(year)):
                return f"the question asks about {year}, and the documents were written by {max(latest)}"
    # Only a question about what happened ("did they adopt", "what was commissioned")
    # can be after the documents that discuss it; "what was planned for 2007" is not.
    if not past_event:
        return ""
    if None in written:
        return ""
    late = ""
    if min(asked) > max(written):
        late = str(min(asked))
    if not late:  # "in 2009/10" against a paper of November 2009
        late = next((found.group(0) for found in _FINANCIAL_YEAR.finditer(question)
                     if int(found.group(1)[:2] + found.group(3)) > max(written)), "")
    # "in November 2006" against a paper of June 2006.
    month = _MONTH_YEAR.search(question)
    if not late and month and len(docs) == 1:
        doc_month = _MONTH_YEAR.search(library.dates.get(next(iter(docs)), ""))
        if doc_month:
            asked_at = int(month.group(2)) * 12 + _month_number(month.group(1))
            written_at = int(doc_month.group(2)) * 12 + _month_number(doc_month.group(1))
            if asked_at > written_at:
                late = f"{month.group(1).title()} {month.group(2)}"
    return (f"the question asks about {late}, after the documents that discuss it were written"
            if late else "")
