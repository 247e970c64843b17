"""Decide when not to answer: questions the documents do not cover, and requests for
other writing.

Text from users and documents is data. A question that tries to instruct the assistant
("ignore your sources", "print your prompt") is recognised in :mod:`assistant.injection`
and refused without repeating it; a request for other writing ("write me a poem") is
refused here. A question is treated as not covered when:

- the passages found lack the kind of answer it asks for: an amount ("how much"), a date
  ("when did"), a score or inspection grade, a figure, a study's findings, a person or an
  organisation, the questions a toolkit asks, who won a contract;
- it names one document and only others' passages answer, or a part past the last that
  document numbers ("standard 14" of a document with 13);
- it names a law or a review no document mentions, a time after the documents were
  written (a year, a financial year, a month, a season, or how things turned out:
  :mod:`assistant.periods`), a name the documents its answer would come from never
  mention, or something a document sets out in an appendix it does not include;
- only a glossary speaks of its subject;
- or its distinctive words, or its meaning, are not in them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

from assistant.answer_kinds import MONTHS, asks_organisation, missing_answer, organisation_named
from assistant.periods import after_documents
from assistant.query import SPELLING_OUT_ASKED

if TYPE_CHECKING:  # only the type: the guard needs none of the evidence chooser's machinery
    from assistant.evidence import Evidence

_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9&]{1,5}s?\b")

# A glossary spells a term out; it says nothing else about it. Evidence from a glossary
# alone answers only a question about what a term stands for.
_GLOSSARY = re.compile(r"\b(glossary|abbreviations|acronyms)\b", re.I)
_MEANING_ASKED = re.compile(SPELLING_OUT_ASKED + r"|\bacronyms?\b|\bmean(s|ing)?\b|\bglossary\b|"
                            r"^\W*what(’s|'s| is| are| does)\s+[A-Z][A-Za-z]{1,6}s?\W*$")
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
# A law the question names ("the Care Act 2014"): the documents can say what it says only
# if they mention it.
_LAW = re.compile(r"\b((?:[A-Z][\w'’]*\s+(?:(?:and|of|for|the)\s+)?){1,6}(?:Act|Regulations|Bill))"
                  r"(?:\s+((?:19|20)\d\d))?\b")
# Requests for writing of another kind: the assistant answers questions from the
# documents and writes nothing else.
_OTHER_WRITING = re.compile(r"\b(write|compose|make up|tell|give)\b[^?.!]{0,30}?\b(poems?|songs?|stor(y|ies)|"
                            r"jokes?|limericks?|haikus?|raps?|sonnets?|riddles?)\b", re.I)
# A question with two or more words the documents never use (not even as the start of
# one of theirs, "exec" for "executive") and that no sentence is close to in meaning is
# about something else: "what is the policy on mobile phones in secondary schools?". One
# such word is not enough in a longer question: people ask in their own verbs ("flag",
# "weigh up"). Below the closeness of any answerable question of the project's sets with
# such words.
UNKNOWN_WORD_SIMILARITY = 0.43
# Strict coverage at or below which one unknown word sinks a short question: about half,
# with a little room, since a generic word the passages hold ("best" in "what is the best
# laptop for a commissioning officer?", 0.51) makes up the rest. (No short answerable
# question of the read sets with an unknown word and no closer meaning lies between 0.5
# and 0.6.)
HALF_FOUND = 0.55
SHORT_QUESTION_WORDS = 6  # words of four letters or more


# A numbered part of a document: "standard 14", "step 10", "phase 4".
_NUMBERED = re.compile(r"\b(step|stage|standard|part|phase|competency|principle)s?\s+(\d{1,2})\b", re.I)
# "The Terms of Reference for the Commissioning Executive are set out in Appendix 3": a
# sentence pointing to an appendix for something (not "These arrangements are ...").
_POINTER = re.compile(r"(?:^|(?<=[.:;]\s)|(?<=\n))(?!(?:these|this|they|it|those)\b)(?P<thing>[A-Za-z][\w’' -]{5,80}?)\s+"
                      r"(?:are|is|can be|will be)\s+(?:set out|described|detailed|listed|attached|included|"
                      r"contained|given|shown)\s+(?:in|at)\s+(?P<where>(?:Appendix|Annexe?|Schedule)\s+[A-Z0-9]{1,2})\b",
                      re.I)
_MONTH_NAMES = frozenset(MONTHS.split("|"))
_FILLERS = frozenset({"the", "and", "for", "our", "its", "their", "with", "from", "full", "fuller", "more", "all"})


def _stem(word: str) -> str:
    """``word`` without a plural's "s" ("terms" and "term" match)."""
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _plain(text: str) -> str:
    """``text`` lower-cased, with punctuation as spaces and the spacing collapsed, so
    "Children’s Trust" and "'Assess, Plan, Do, Review'" in a document match
    "Children's Trust" and "Assess Plan Do Review" as typed."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


@dataclass(frozen=True)
class Library:
    """What the guard knows of the documents as a whole."""

    document_text: Callable[[str], str | None]
    documents: list[str]  # every document's id
    dates: dict[str, str]  # document id -> its date as written ("June 2006")
    aliases: frozenset[str] = frozenset()  # documents' nicknames: not acronyms to check
    expansions: Mapping[str, str] = field(default_factory=dict)  # acronym -> spelled out
    titles: Mapping[str, str] = field(default_factory=dict)  # document id -> its title
    # Everyday English words, lower case: one typed in capitals ("URGENT") is emphasis,
    # not an acronym to look up.
    common_words: frozenset[str] = frozenset()

    @cached_property
    def _texts(self) -> dict[str, str]:
        # Read and normalised once per Library, not once per phrase looked for.
        return {d: _plain(self.document_text(d) or "") for d in self.documents}

    def mentions(self, phrase: str, doc_id: str | None = None) -> bool:
        """True when some document (or ``doc_id``) contains ``phrase``, case and spacing aside."""
        wanted = _plain(phrase)
        texts = self._texts.values() if doc_id is None else [self._texts.get(doc_id, "")]
        return any(wanted in text for text in texts)

    @cached_property
    def last_numbered(self) -> dict[str, dict[str, int]]:
        """The highest number each document gives each kind of part it numbers:
        {"north": {"standard": 13, "section": 8}, ...}. Read once per library."""
        last: dict[str, dict[str, int]] = {}
        for doc_id in self.documents:
            own = last.setdefault(doc_id, {})
            for kind, number in _NUMBERED.findall(self.document_text(doc_id) or ""):
                own[kind.lower()] = max(own.get(kind.lower(), 0), int(number))
        return last

    @cached_property
    def set_out_elsewhere(self) -> list[tuple[str, str, frozenset[str], str]]:
        """What each document says is set out in an appendix it does not include ("The
        Terms of Reference for the Commissioning Executive are set out in Appendix 3", and
        no Appendix 3 follows): (document id, the thing, its words, the appendix)."""
        found = []
        for doc_id in self.documents:
            text = self.document_text(doc_id) or ""
            for pointer in _POINTER.finditer(text):
                where = pointer.group("where")
                if re.search(rf"^\W*{re.escape(where)}\b", text, re.M | re.I):
                    continue  # the appendix is there
                words = frozenset(_stem(w) for w in re.findall(r"[a-z]{3,}", pointer.group("thing").lower())
                                  if w not in _FILLERS)
                if len(words) >= 2:
                    thing = re.sub(r"^(?:the|a|an)\s+", "", pointer.group("thing").strip(), flags=re.I)
                    found.append((doc_id, thing, words, where))
        return found

    def spells_out(self, acronym: str) -> bool:
        """True when some document has words whose initials spell ``acronym``
        (:func:`spelling`)."""
        pattern = spelling(acronym)
        return any(pattern.search(self.document_text(d) or "") for d in self.documents)


@lru_cache(maxsize=256)
def spelling(acronym: str) -> re.Pattern:
    """Words whose initials spell ``acronym``: "Assess, Plan, Do, Review" for APDR,
    "speech, language and communication needs" for SLCN. Small linking words are skipped;
    the words are capitalised, or, in lower case, of four letters or more (so "in local
    authority children's services" does not spell ILACS)."""
    linking = r"(?:[\s,]+(?:and|of|the|for|in|to|on|with|a|&))*[\s,]+"
    named = linking.join(f"{letter}[\\w’'-]*" for letter in acronym)
    spelled = linking.join(f"{letter}[\\w’'-]{{3,}}" for letter in acronym.lower())
    return re.compile(rf"\b(?:{named}|{spelled})\b")


@dataclass(frozen=True)
class Verdict:
    """Whether to answer, and if not, why (in words for people)."""

    answer: bool
    reason: str = ""


_COMPARISON_ASKED = re.compile(r"\b(compar\w*|vs\.?|versus|both|each|differ\w*|same|than|between|"
                               r"match(es)?|line up)\b", re.I)


def other_writing(question: str) -> str:
    """What kind of writing the question asks for, when it is not an answer ("poems" for
    "write me a poem"), else ""."""
    found = _OTHER_WRITING.search(question)
    if not found:
        return ""
    kind = found.group(2).lower()  # said of the kind in general: "poems", "stories"
    return kind if kind.endswith("s") else ("stories" if kind == "story" else kind + "s")


def names(question: str) -> list[str]:
    """Capitalised names inside a question ("Leeds", "Care Act", "Prime Minister"), not
    counting its first word; acronyms are judged elsewhere."""
    return list(dict.fromkeys(m.group(0) for m in _NAME.finditer(" " + question)))


def judge(question: str, evidence: Evidence, library: Library, named: list[str],
          unknown_names: list[str] = (), unknown_words: list[str] = ()) -> Verdict:
    """Answer, or refuse with a reason, given the chosen evidence.

    ``named`` are the documents the question names; ``unknown_names`` the question's
    :func:`names` and ``unknown_words`` its other words that no document contains.
    """
    # (Evidence from the very section the question names, "phase 2" (of the document it
    # names, if it names one), matches it, however few of its other words the passages
    # share: "what happens in phase 2 and when was it due back?")
    in_named_section = any(u.named for u in evidence.chosen)
    if not evidence.chosen or (evidence.coverage < MIN_COVERAGE and evidence.similarity < PARAPHRASE_SIMILARITY
                               and not in_named_section):
        return Verdict(False, "nothing in them matches the question")
    if evidence.similarity < MIN_SIMILARITY and evidence.strict_coverage < MIN_STRICT_COVERAGE:
        return Verdict(False, "nothing in them is about what the question asks")
    if unknown_names and evidence.similarity < NAMED_SIMILARITY:
        return Verdict(False, f"none of them mentions {' or '.join(unknown_names)}")
    publication = _publication_unmentioned(question, unknown_names, library)
    if publication:
        return Verdict(False, f"none of them mentions {publication}")
    # An acronym no document uses or spells out ("CCGs", "CQUIN") names something they do
    # not know, however close the passages found (no answerable question of the project's
    # sets has one).
    unspelled = unknown_acronyms(question, library)
    if unspelled:
        return Verdict(False, f"none of them mentions {' or '.join(unspelled)}")
    # Two words no document uses, or in a short question one, when the passages hold at
    # most half of what it asks ("How do I register a birth?" matched only "registered"),
    # with no closer meaning to make up for it.
    short = len(re.findall(r"[A-Za-z]{4,}", question)) <= SHORT_QUESTION_WORDS
    if ((len(unknown_words) >= 2 or (unknown_words and short and evidence.strict_coverage <= HALF_FOUND))
            and evidence.similarity < UNKNOWN_WORD_SIMILARITY):
        return Verdict(False, f"none of them mentions {' or '.join(unknown_words)}")
    answering = _text_by_document(evidence)
    # A question about one document ("what did Central Bedfordshire score itself?") is
    # not answered by another's passages (North Yorkshire's scores).
    if len(named) == 1 and named[0] not in answering:
        title = library.titles.get(named[0])
        return Verdict(False, f"{f'“{title}”' if title else 'the document the question names'} "
                              "says nothing about it")
    law = _law_unmentioned(question, library)
    if law:
        return Verdict(False, f"none of them mentions {law}")
    # "What score did North Yorkshire get in its Comprehensive Area Assessment?": the
    # passages that would answer are about something else if their documents never name it.
    unnamed = _names_unmentioned(question, list(answering), library)
    if unnamed:
        titles = [f"“{library.titles.get(d, d)}”" for d in answering]
        return Verdict(False, f"{' and '.join(titles)}, where the passages found come from, "
                              f"{'does' if len(titles) == 1 else 'do'} not mention {unnamed}")
    beyond = _numbered_beyond(question, named, library)
    if beyond:
        return Verdict(False, beyond)
    elsewhere = _set_out_elsewhere(question, library, named)
    if elsewhere:
        return Verdict(False, elsewhere)
    chosen_text = " ".join(u.text for u in evidence.chosen)
    missing = missing_answer(question, chosen_text)
    if missing:
        return Verdict(False, f"the passages found give no {missing} for what the question asks")
    # A comparison of several documents' scores (dates, amounts ...) needs each one's. (Not
    # a count: one document may give it in a sentence the answer does not quote.) A
    # question that asks one document's score and another's wording compares nothing.
    compared = named if len(named) >= 2 and _COMPARISON_ASKED.search(question) else []
    for doc_id in compared:
        own = answering.get(doc_id, "")
        missing = missing_answer(question, own, count=False) if own else ""
        if missing:
            title = library.titles.get(doc_id, doc_id)
            return Verdict(False, f"“{title}” gives no {missing} for what the question asks")
    if asks_organisation(question) and not organisation_named(question, chosen_text):
        return Verdict(False, "the passages found name no organisation that did what the question asks")
    if _glossary_only(evidence) and not _MEANING_ASKED.search(question):
        return Verdict(False, "they only spell its terms out in a glossary")
    late = after_documents(question, list(answering), library)
    if late:
        return Verdict(False, late)
    absent = _acronyms_absent(question, named, library)
    if absent:
        return Verdict(False, f"{', '.join(absent)} does not appear in the document the question names")
    return Verdict(True)


def _law_unmentioned(question: str, library: Library) -> str:
    """The first law the question names ("the Care Act 2014") that no document mentions."""
    for found in _LAW.finditer(question):
        law = " ".join(filter(None, (found.group(1), found.group(2))))
        if not library.mentions(law):
            return f"the {law}"
    return ""


# What a named review, report or body of guidance is called after its name ("the Munro
# review", "the Laming Report").
_PUBLICATION = re.compile(r"\s+(review|report|inquiry|enquiry|guidance|toolkit|white paper|green paper|study|"
                          r"evaluation|principles)\b", re.I)


def _publication_unmentioned(question: str, unknown_names: list[str], library: Library) -> str:
    """A review, report or body of guidance the question names ("the Munro review") by a
    name no document mentions, else "". However close the passages found, they cannot say
    what it says; a name alone ("we're in Leeds") is judged by closeness instead."""
    for name in unknown_names:
        # Called so inside the name ("Munro Review") or just after it ("Munro review").
        inside = _PUBLICATION.search(name)
        called = inside or _PUBLICATION.match(question, question.find(name) + len(name))
        if not called:
            continue
        own = re.sub(r"['’]s$", "", name[:inside.start()] if inside else name).strip()
        if own and not library.mentions(own):
            return f"the {own} {called.group(1).lower()}"
    return ""


def _numbered_beyond(question: str, named: list[str], library: Library) -> str:
    """Why a question naming one document and a part past the last it numbers ("North
    Yorkshire's standard 14", when it numbers standards 1 to 13) cannot be answered,
    else "". A document that numbers no such parts is not judged (Central Bedfordshire
    lists fourteen standards without numbering them "standard 14")."""
    if len(named) != 1:
        return ""
    last = library.last_numbered.get(named[0], {})
    for kind, number in _NUMBERED.findall(question):
        kind = kind.lower()
        if kind in last and int(number) > last[kind]:
            title = library.titles.get(named[0], named[0])
            return f"“{title}” numbers its {kind}s up to {last[kind]}, not {number}"
    return ""


# "Where are the terms of reference set out?" is answered by the pointer itself.
# ("What are the terms of reference set out in Appendix 3?" asks what they are, not where.)
_WHERE_ASKED = re.compile(r"\bwhere\b|\bwhich (?:appendix|annexe?|schedule|section|part)\b|"
                          r"^(?!\W*(?:what|list|summari[sz]e|describe|outline|give)\b).*\bset out in\b", re.I)


def _set_out_elsewhere(question: str, library: Library, named: list[str] = ()) -> str:
    """Why the question cannot be answered when it asks about something a document says
    is set out in an appendix it does not include ("what are the terms of reference for
    the Commissioning Executive?"), or about that appendix itself ("what does Appendix 3
    of the Central Beds framework say?"), else ""."""
    if _WHERE_ASKED.search(question):
        return ""
    asked = {_stem(w) for w in re.findall(r"[a-z]{3,}", question.lower())}
    for doc_id, thing, words, where in library.set_out_elsewhere:
        appendix_named = (not named or doc_id in named) and re.search(rf"\b{re.escape(where)}\b", question, re.I)
        if words <= asked or appendix_named:
            title = library.titles.get(doc_id, doc_id)
            return f"“{title}” refers to its {where} for the {thing}, and does not include it"
    return ""


def _text_by_document(evidence: Evidence) -> dict[str, str]:
    """The chosen evidence's text per document it comes from, in the order chosen."""
    texts: dict[str, list[str]] = {}
    for unit in evidence.chosen:
        texts.setdefault(evidence.results[unit.result].document.doc_id, []).append(unit.text)
    return {doc_id: " ".join(parts) for doc_id, parts in texts.items()}


_JOINING_WORDS = ("of", "the")  # the lower-case words a name (_NAME) may hold


def _names_unmentioned(question: str, answering: list[str], library: Library) -> str:
    """The first name of two or more words in ``question`` ("Comprehensive Area
    Assessment", "Sunderland Children's Trust") that none of the ``answering`` documents
    mentions, a document's own nickname aside; else ""."""
    # (Only documents whose text the library holds can be judged.)
    docs = set(answering) & set(library.documents)
    if not docs:
        return ""
    nicknames = sorted((a.lower() for a in library.aliases), key=len, reverse=True)
    # "C Beds", "N Yorks": the end of a nickname typed short.
    endings = {a.split()[-1] for a in nicknames if len(a.split()) > 1}
    for name in names(question):
        words = re.sub(r"['’]s$", "", name)
        for nickname in nicknames:
            words = re.sub(rf"(?<!\w){re.escape(nickname)}(?!\w)", " ", words, flags=re.I)
        # "North Yorkshire's Strategic Board" less its nickname is "Strategic Board".
        words = re.sub(r"(?<!\w)['’]s\b", " ", words)
        # A month is a date, not a name: "Haringey's June 2006 proposal".
        words = [w for w in words.split() if w.lower() not in _MONTH_NAMES]
        if words and words[0].lower() in endings:
            words = words[1:]
        # "the Commissioning Executive of Central Bedfordshire": with the nickname gone, the
        # name is "Commissioning Executive", not "Commissioning Executive of".
        while words and words[-1].lower() in _JOINING_WORDS:
            words.pop()
        if len(words) >= 2 and not any(library.mentions(" ".join(words), d) for d in docs):
            return " ".join(words)
    return ""


def _acronyms_absent(question: str, named: list[str], library: Library) -> list[str]:
    """Acronyms of the question ("TUPE", "CSP") that other documents use but none of the
    named ones does, spelled out or not. An acronym no document uses is not judged."""
    if not named:
        return []
    def uses(doc_id: str, acronym: str) -> bool:
        long = library.expansions.get(acronym, "")
        return re.search(rf"{re.escape(acronym)}\b", library.document_text(doc_id) or "") is not None or (
            bool(long) and library.mentions(long, doc_id))
    missing = []
    for found in dict.fromkeys(_ACRONYM.findall(question)):
        acronym = re.sub(r"s$|\d+$", "", found) if not found.isupper() or found[-1].isdigit() else found
        if acronym in library.aliases or len(acronym) < 2:
            continue
        if any(uses(d, acronym) for d in named):
            continue
        if any(uses(d, acronym) for d in library.documents if d not in named):
            missing.append(acronym)
    return missing


# Abbreviations of messages, not of things a document could explain ("... - URGENT PLS").
_CHAT = frozenset({"PLS", "PLZ", "ASAP", "FYI", "TBC", "TBD", "BTW", "IMO", "IMHO", "THX", "TIA", "LOL", "OMG",
                   "FAQ", "RSVP", "ETA", "AKA", "FAO", "ATTN", "EOD", "COB", "WFH", "OOO", "AFAIK", "IIRC",
                   "TLDR", "NB"})


def unknown_acronyms(question: str, library: Library) -> list[str]:
    """Acronyms of the question ("CCGs", "CQUIN") that no document uses, the acronym table
    does not list and no document spells out: a user's shorthand for a phrase the
    documents do use ("JCF" for Joint Commissioning Framework) is spelled out by its
    words' initials. One the question spells out itself is judged by those words."""
    if not library.documents:
        return []  # nothing to look it up in
    unknown = []
    for found in dict.fromkeys(_ACRONYM.findall(question)):
        acronym = re.sub(r"\d+$", "", found)
        acronym = acronym[:-1] if acronym.endswith("s") and acronym[:-1].isupper() else acronym
        if len(acronym) < 3 or not acronym.isupper() or acronym in library.aliases \
                or acronym in library.expansions or found.lower() in library.common_words \
                or acronym in _CHAT or library.mentions(acronym) \
                or spelling(acronym).search(question) or library.spells_out(acronym):
            continue
        unknown.append(found)
    return unknown


def _glossary_only(evidence: Evidence) -> bool:
    """True when every sentence chosen stands in a glossary."""
    def in_glossary(unit) -> bool:
        chunk = evidence.results[unit.result].chunk_at(unit.start)
        return any(_GLOSSARY.search(h) for h in (*chunk.heading_path, chunk.section))
    return bool(evidence.chosen) and all(in_glossary(u) for u in evidence.chosen)

