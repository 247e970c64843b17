"""Pick the sentences that answer a question from the retrieved passages.

Passages are cut into units (sentences, list items, table rows: :mod:`assistant.units`)
with their offsets in the document's text. Each unit is scored by how much of the
question's weighted vocabulary it holds (IDF from the index, so "commissioning" counts
for little and "TUPE" for a lot) and by its embedding similarity to the question. The
best units, with the list items a chosen lead-in introduces (:mod:`assistant.lists`),
become the evidence: small, because prompt length is what an LLM on a CPU pays for, and
exact, because the extractive backend shows them as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from assistant.answer_kinds import asks_frequency, asks_score, gives_frequency
from assistant.chunking import leads_list
from assistant.documents import short_title, without_markup
from assistant.injection import document_instructs
from assistant.lexical import LexicalIndex
from assistant.lists import bring_list
from assistant.query import QUOTED, Query, title_key
from assistant.query_adapter import adapt
from assistant.retrieval import SearchResult, heading_opens, names_section
from assistant.score_tables import (asks_only_meaning, extreme_rows, rows_named, row_number, scale_key,
                                    scored_row)
from assistant.units import Unit, masthead_end, units_of, word_count

MAX_UNITS = 5
# A unit's score is this share of its word overlap with the question plus this share of its
# closeness in meaning, times its passage's prior and bonuses (the adapter's training uses
# the same weights: evaluations/train_query_adapter.py).
LEXICAL_WEIGHT, DENSE_WEIGHT = 0.55, 0.45
# Words of the best unit's section that join it, and the most the answer's units may
# reach. (200 and 190 rather than 150 and 140: 0.012 more of the expected terms on
# heldout82-89, citation precision the same; see RESULTS.md.)
CONTEXT_WORDS = 200
MAX_WORDS = 190
SAME_PASSAGE_FLOOR = 0.7  # a unit of the best unit's passage joins at this share of its score
CONTINUATION_FLOOR = 0.8  # a unit of the section's continuation joins at this share of the best's score
LABEL_BONUS = 1.3
FREQUENCY_FLOOR = 0.7  # a sentence giving the frequency asked for replaces the best at this share of its score
SWITCH_MARGIN = 1.1  # another passage's best sentence must beat the top passage's by this factor
SAME_DOC_MARGIN = 1.05  # ... or by this, when both passages are of one document
# A question that says its answer is in a table ("the current-vs-future table") favours
# table rows by this factor, as a named section does.
TABLE_BONUS = 1.3
_TABLE_ASKED = re.compile(r"(?<!round the )(?<!around the )(?<!at the )(?<!to the )\b(table|grid|matrix)\b", re.I)
# A question asking what something is ("the Staffs definition of joint commissioning",
# "in plain terms, what is a children's trust?") favours sentences that say what a thing
# is ("Joint Commissioning is the set of linked activities ...") about one of its terms.
DEFINITION_BONUS = 1.3
LIST_LEAD_BONUS = 1.3  # a sentence introducing a list of the things asked for ("... principles:")
# ... or of what something holds, for a question asking what goes into it ("what's supposed
# to go into the framework?" ~ "It is proposed that the framework should include:").
_CONTENTS_ASKED = re.compile(r"\b(go(es)? into|go(es)? in|includes?|contains?|consists? of|made up of|comprises?|"
                             r"what(?:'s|’s| is) in)\b", re.I)
_ASKED_NOUN = re.compile(r"\b(?:what|which)\s+(?:(?:are|were|is|was)\s+the\s+|kinds?\s+of\s+|sorts?\s+of\s+)?"
                         r"([a-z]{4,})\b", re.I)
_DEFINITION_ASKED = re.compile(r"^(?!\W*why\b).*(\bdefinitions? of\b|\bdefin(e|es|ition)\b|\bwhat is meant by\b|"
                               r"\bwhat(?:'s|’s| is| are) (a|an)\b|\bwhat exactly (is|are)\b|"
                               r"\bwhat (do|does|did)\b[^?]{0,60}\bmean\b|\bmeaning of\b|"
                               r"\bin a (nutshell|sentence)\b|\bin plain (terms|english)\b|\bwhat are they\b)", re.I)
_DEFINES = re.compile(r"^\W*(?:\d+(?:\.\d+)*\.?\s+)?['‘\"“]?((?:[\w’'-]+\s+){1,5}?)(?:(?:is|are|means)\s+"
                      r"(?:the|a|an|defined as)|(?:would |will )?(?:constitutes?|refers? to))\b", re.I)
# A question asking what something is for ("what is WCC trying to achieve?") favours a
# sentence saying what it aims at ("The ... programme aims to raise ambitions ...").
PURPOSE_BONUS = 1.3
_PURPOSE_ASKED = re.compile(r"\b(achieve|purpose|aims?|for what|what is it for|what's it for|trying to|goals?)\b",
                            re.I)
_STATES_PURPOSE = re.compile(r"\b(aims? to|seeks? to|aim of|aims? (is|are)|purpose (of|is)|is intended to|"
                             r"is designed to|objectives? (of|is))\b", re.I)
# A question asking why ("why did NY decide it needed a strategy at all?") favours a
# sentence that gives a reason ("... hence the need for a joint commissioning strategy").
REASON_BONUS = 1.3
_REASON_ASKED = re.compile(r"\bwhy\b|\bwhat (?:were|was|are|is) the reasons?\b|\bwhat reasons?\b|\bhow come\b", re.I)
_GIVES_REASON = re.compile(r"\b(because|due to|owing to|hence|therefore|as a result|reflects? the fact|the reason|"
                           r"reasons? (?:for|why)|partly|in order to|so that|led to|given that|thus|consequently|"
                           r"as these|since the)\b", re.I)
# A sentence saying what the document itself does ("This paper outlines recent work ...",
# "1.1 This report updates the Board on ...") answers a question about the document as a
# whole ("what was the paper proposing, in a nutshell?"), not one about what it says.
OVERVIEW_FACTOR = 0.7
_OVERVIEW = re.compile(r"^\W*(?:\d+(?:\.\d+)*\.?\s+)?(?:this|the)\s+(?:paper|report|document|guide|guidance|framework|"
                       r"strategy|section|chapter|appendix|note|briefing)\s+(?:\w+\s+){0,2}?(?:outlines?|sets? out|"
                       r"propos\w+|updates?|describes?|brings?|provides?|summari[sz]es?|demonstrates?|presents?|"
                       r"explains?|introduces?|considers?|looks at|covers?|gives?|offers?)\b", re.I)
# ("What is the paper about?" asks about the paper; "the report talks about a framework"
# about the framework.)
_DOCUMENT_ASKED = re.compile(r"\b(summary|summari[sz]e|nutshell|overview|gist)\b|\b(paper|report|document|guide|"
                             r"framework|strategy)\b[^?]{0,40}\b(propos\w*|cover\w*|about(?!\s+\w)|outlin\w*|"
                             r"sets? out)\b", re.I)
_PRINTING_NOTE = re.compile(r"\W*this page (is |has been )?(intended to be|intentionally|left intentionally)"
                            r"( left)? blank\W*$", re.I)


@dataclass
class Evidence:
    """The units chosen to answer, grouped by passage, and every unit scored."""

    results: list[SearchResult]
    chosen: list[Unit] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    coverage: float = 0.0  # share of the question's weighted terms in the chosen units' passages
    similarity: float = 0.0  # the closest any sentence found comes to the question (cosine)
    # Like coverage, for the question as asked, with words no document uses weighing as
    # much as the rarest word: "the capital of France" is half covered, not wholly.
    strict_coverage: float = 0.0


def _defines(text: str, weights: dict[str, float], lexical: LexicalIndex) -> bool:
    """True when ``text`` says what something the question names is."""
    found = _DEFINES.match(text)
    return bool(found) and any(t in weights for t in lexical.terms(found.group(1)))


def _bare_link(text: str) -> bool:
    """True when ``text`` is web addresses and links, with fewer than three words besides."""
    if not _LINK.search(text):
        return False
    return len(re.findall(r"[A-Za-z]{2,}", _LINK.sub(" ", text))) < 3


# A Markdown link ("[text](http://...)") or a bare web address.
_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)|\b(?:https?://|www\.)\S+", re.I)


def _opens_label(heading: str, labels: list[str], section: str = "") -> bool:
    """True if a heading inside a passage (of ``section``) opens the section the question names."""
    if heading_opens(heading, labels):
        return True
    h = heading.lower().strip()
    # "6. Decide how to commission" is Step 6 in a numbered list of steps (whatever the
    # document calls them), and "3. Engage with public and patients" Competency 3 in a
    # passage of the competencies.
    own = section.lower().split()[0] if section.strip() else ""
    numbers = {label.split()[-1] for label in labels
               if label.split()[0] in ("step", "part", "stage") or label.split()[0] == own}
    return any(re.match(rf"{re.escape(n)}[.)]\s", h) for n in numbers)


def select(query: Query, results: list[SearchResult], lexical: LexicalIndex, embed,
           document_text=None, adapter: np.ndarray | None = None) -> Evidence:
    """Score every unit of ``results`` against ``query`` and choose the evidence.

    ``embed(texts)`` returns unit vectors for texts, the question first. ``adapter`` (see
    :mod:`assistant.query_adapter`) adjusts the question's vector for scoring units; the
    evidence's ``similarity``, which the guard reads, is the model's own.
    """
    evidence = Evidence(results)
    units = units_of(results)
    evidence.units = units
    if not units:
        return evidence
    terms = list(dict.fromkeys(lexical.terms(query.text)))
    weights = {t: lexical.idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    mastheads = {i: masthead_end(document_text(r.document.doc_id) or "") if document_text else 0
                 for i, r in enumerate(results)}
    for unit in units:
        if not unit.heading and _answers_nothing(unit, results[unit.result], mastheads[unit.result]):
            unit.heading = True  # keeps it out of the candidates, list expansion and context
    candidates = [u for u in units if not u.heading]
    if not candidates:
        return evidence
    plain = [without_markup(u.text) for u in candidates]
    vectors = embed([query.text] + plain)
    contexts = [set(lexical.terms(r.chunk.context)) for r in results]
    labels = [label.lower() for label in query.labels]
    # A section named in a document the question names ("phase 3 of the health guide")
    # is that document's, not another's phase 3.
    in_scope = [not query.documents or r.document.doc_id in query.documents for r in results]
    labelled = [names_section(r.chunk, labels, query.documents) for r in results]
    top_score = max((r.score for r in results), default=1.0) or 1.0
    passage_scores = [max(r.score, 0.0) / top_score for r in results]
    sims = vectors[1:] @ vectors[0]
    evidence.similarity = float(max(sims, default=0.0))
    if adapter is not None:
        sims = vectors[1:] @ adapt(vectors[0], adapter)
    # Inside the section the question names, the name itself ("step 2") is answered.
    label_terms = set(lexical.terms(" ".join(labels)))
    heading_terms = lru_cache(maxsize=None)(lambda heading: set(lexical.terms(heading)))
    opens = lru_cache(maxsize=None)(lambda heading, section: bool(heading) and _opens_label(heading, labels, section))
    # Where a heading inside a passage opens the named section ("Phase 1" after paragraph
    # 22), that section is the one named, not the text before it.
    opened_inside = {u.result for u in units if opens(u.segment_heading, results[u.result].section)}
    table_asked = _TABLE_ASKED.search(query.original) is not None
    definition_asked = _DEFINITION_ASKED.search(query.original) is not None
    purpose_asked = _PURPOSE_ASKED.search(query.original) is not None
    document_asked = _DOCUMENT_ASKED.search(query.original) is not None
    reason_asked = _REASON_ASKED.search(query.original) is not None
    # "What principles did they want agencies to sign up to?" is answered by the list a
    # sentence introduces ("... agree the following set of principles:").
    noun = _ASKED_NOUN.search(query.original)
    asked_noun = next(iter(lexical.terms(noun.group(1))), "") if noun else ""
    contents_asked = _CONTENTS_ASKED.search(query.original) is not None
    weighted = {t for t, w in weights.items() if w > 0}
    # A quoted name ("which stages come under 'Do'?") names the table rows it heads.
    quoted = {q.strip().lower() for q in QUOTED.findall(query.original)}
    quoted_titles = {title_key(q) for q in quoted}
    numbered_rows = [rows_named(labels, r.text) for r in results]
    # "What goes in the 'Rationale' column?" names the table whose header has that column.
    column_tables = _tables_with_column(query.original, candidates)
    for unit, text, sim in zip(candidates, plain, sims):
        section = results[unit.result].section
        named = opens(unit.segment_heading, section) or opens(unit.parent_heading, section) \
            if unit.segment_heading else labelled[unit.result] and unit.result not in opened_inside
        unit.named = (bool(labels) and named or unit.row_label.lower() in quoted
                      # the part of a passage a heading the question quotes opens ("the
                      # competency 'work with community partners'" ~ "2. Work with community partners")
                      or bool(quoted_titles) and _heading_title(unit.segment_heading) in quoted_titles
                      or (unit.result, unit.segment) in column_tables
                      or any(row_number(unit, column, width) == number
                             for column, width, number in numbered_rows[unit.result])) \
            and in_scope[unit.result]
        present = set(lexical.terms(text)) | (label_terms if unit.named else set())
        # The passage's headings speak for its sentences too, at half weight, and so does
        # the heading inside the passage that opens the unit's part ("Legislation and
        # Statutory Guidance" above the list of Acts).
        around = contexts[unit.result] | heading_terms(unit.segment_heading)
        unit.lexical = sum(w if t in present else (0.5 * w if t in around else 0.0)
                           for t, w in weights.items()) / total
        unit.dense = float(sim)
        # Retrieval already weighed whole passages (with signals a sentence lacks, such
        # as the section the question names): its fused score is the unit's prior.
        prior = 0.5 + 0.5 * passage_scores[unit.result]
        if unit.named:
            prior *= LABEL_BONUS  # the section the question names ("step 2" ~ "Part 2")
        if unit.in_table and table_asked:
            prior *= TABLE_BONUS
        if definition_asked and _defines(unit.text, weights, lexical):
            prior *= DEFINITION_BONUS
        if purpose_asked and _STATES_PURPOSE.search(unit.text):
            prior *= PURPOSE_BONUS
        if leads_list(unit.text) and (asked_noun and asked_noun in lexical.terms(unit.text)
                                      or contents_asked and unit.lexical > 0):
            prior *= LIST_LEAD_BONUS
        if (contents_asked and unit.segment_heading and leads_list(unit.segment_heading)
                and heading_terms(unit.segment_heading) & weighted):
            # The items of a list a heading introduces ("12. It is proposed that the
            # framework should include:") answer what the framework should contain, as
            # the section a question names answers it.
            prior *= LIST_LEAD_BONUS
            unit.named = unit.named or in_scope[unit.result]
        if reason_asked and _GIVES_REASON.search(unit.text):
            prior *= REASON_BONUS
        if not document_asked and _OVERVIEW.match(unit.text):
            prior *= OVERVIEW_FACTOR
        unit.score = (LEXICAL_WEIGHT * unit.lexical + DENSE_WEIGHT * max(unit.dense, 0.0)) * prior
    evidence.chosen = _choose(query, results, units, candidates, document_text, table_asked)
    chosen_passages = {u.result for u in evidence.chosen}
    held = set(label_terms) if any(u.named for u in evidence.chosen) else set()
    for i in chosen_passages:
        held |= set(lexical.terms(results[i].text + " " + results[i].chunk.context))
    evidence.coverage = sum(w for t, w in weights.items() if t in held) / total
    rarest = max(lexical.max_idf(), max(weights.values(), default=1.0))
    strict = {t: lexical.idf(t) or rarest for t in terms}
    evidence.strict_coverage = sum(w for t, w in strict.items() if t in held) / (sum(strict.values()) or 1.0)
    return evidence


def _choose(query: Query, results: list[SearchResult], units: list[Unit],
            candidates: list[Unit], document_text=None, table_asked: bool = False) -> list[Unit]:
    """The answer's units: the best one, the best of its section, any lists they introduce."""
    ranked = sorted(candidates, key=lambda u: -u.score)
    best = _best(ranked, candidates, results, table_asked)
    if asks_frequency(query.original) and not gives_frequency(best.text):
        # "How often ...?": a sentence that gives a frequency, if one scores near enough.
        best = next((u for u in ranked if u.score >= FREQUENCY_FLOOR * best.score and gives_frequency(u.text)), best)
    if asks_score(query.original):
        best = scored_row(candidates, best)
    extreme = extreme_rows(query.original, candidates, best)
    if extreme:
        return extreme
    # "What does a 3 mean?" is answered by the scale's key; "... and who scored a 3?" by the
    # key and the answer to the rest.
    key = scale_key(query.original, candidates)
    if key and asks_only_meaning(query.original):
        return key
    chosen: list[Unit] = [best]
    # The answer comes from one passage, the best unit's, unless the question names
    # several documents: citations stay few and right. (Adding other passages' near-best
    # sentences measured worse on citation precision and no better on coverage. Giving
    # each document a question names its whole section, not only its best sentence,
    # covered more of what was asked but cited more passages that do not answer: citation
    # precision 0.742 against 0.787 on sets nobody had read.)
    # The rest of the answer comes from the best unit's section of its passage: the next
    # section's sentences answer another question ("7. Commission ..." after step 6).
    own = [u for u in candidates if u.result == best.result and u.segment == best.segment]
    if best.named:  # the whole named section, with its sub-headed parts
        own += [u for u in candidates if u.result == best.result and u.named and u not in own]
        if best.row_label:  # rows a quoted name heads, not the rest of their table
            own = [u for u in own if u.named]
    own = _with_continuation(results, units, candidates, best, own)
    # A question about a named section ("what does step 6 involve?") gets its opening
    # sentence, which says what the section is; then the section's sentences that answer
    # best join, shown in document order. (Taking the best unit's neighbours instead left
    # out what was asked whenever it stood a few sentences away: 0.68 of the expected terms
    # on the held-out set against 0.72, with citation precision 0.79 against 0.80.)
    opening = next((j for j, u in enumerate(own) if u.named), 0)
    order = ([opening] if best.named else []) + sorted(range(len(own)), key=lambda j: -own[j].score)
    for j in order:
        if 0 <= j < len(own) and own[j] not in chosen and _body_words(chosen + [own[j]]) <= CONTEXT_WORDS:
            chosen.append(own[j])
    for unit in own:
        if len(chosen) >= MAX_UNITS or word_count(chosen) >= MAX_WORDS:
            break
        if unit not in chosen and unit.score >= SAME_PASSAGE_FLOOR * best.score:
            chosen.append(unit)
    named = list(query.documents)
    if len(named) >= 2:
        for doc_id in named:
            top = next((u for u in ranked if results[u.result].document.doc_id == doc_id), None)
            if top is not None and top not in chosen:
                chosen.append(top)
    for unit in list(chosen):
        bring_list(unit, chosen, units, results, document_text)
        _bring_reply(unit, chosen, units, results)
    order = {id(u): i for i, u in enumerate(units)}
    # A section carried on in a neighbouring passage reads in the document's order.
    joined = {u.result for u in own}
    group = {i: (best.result if i in joined else i) for i in range(len(results))}
    return key + sorted((u for u in chosen if u not in key),
                        key=lambda u: (group[u.result], u.start if u.result in joined else 0,
                                       u.result, order.get(id(u), 10**6), u.start))


def _columns_asked(question: str) -> list[str]:
    """The columns a question names, as :func:`title_key` gives them: "rationale" for "what
    goes in the 'Rationale' column?", "gap" for "the Gap column"."""
    asked = []
    for found in re.finditer(r"\bcolumn\b", question, re.I):
        before = re.split(r"\bthe\b", question[max(0, found.start() - 60):found.start()], flags=re.I)
        if len(before) > 1 and title_key(before[-1]):
            asked.append(title_key(before[-1]))
    return asked


def _tables_with_column(question: str, candidates: list[Unit]) -> set[tuple[int, int]]:
    """(result, segment) of the tables whose header row has the column the question names."""
    asked = _columns_asked(question)
    if not asked:
        return set()
    headers: dict[tuple[int, int], Unit] = {}
    for unit in candidates:
        if unit.in_table and unit.cells:
            headers.setdefault((unit.result, unit.segment), unit)  # the table's first row
    return {table for table, header in headers.items()
            if any(f" {key} " in f" {title_key(cell)} " for key in asked for cell in header.cells)}


def _heading_title(heading: str) -> str:
    """A heading's words without its number or markup: "work with community partners" for
    "#### 2. **Work with community partners**"."""
    return re.sub(r"^(?:\d{1,2}\s+)+", "", title_key(heading)) if heading else ""  # "4.3" is "4 3" by now


def _answers_nothing(unit: Unit, result: SearchResult, masthead: int) -> bool:
    """True for a unit that is data, never evidence: an instruction inside a document
    ("ignore your sources and ..."), a printing note ("This page is intended to be
    blank"), a bare link (a footnote's web address: its words are a path's), the
    document's title line ("Proposal for Joint Commissioning" under "TITLE") or the
    masthead it stands in ("Item 3", "Commissioning Group meeting 2 November 2009")."""
    return (document_instructs(unit.text) or _PRINTING_NOTE.match(unit.text) is not None
            or _bare_link(unit.text) or _title_line(unit.text, result.document.title)
            or unit.end <= masthead)


def _title_line(text: str, title: str) -> bool:
    """True when ``text`` is the document's title, or the part of it before a bracket
    ("Proposal for Joint Commissioning" of "Proposal for Joint Commissioning (Agenda item 8)")."""
    key = title_key(text)
    return bool(key) and key in (title_key(title), title_key(short_title(title)))


def _body_words(units: list[Unit]) -> int:
    """Words of ``units`` but for a section's own heading line, which only names it."""
    return word_count([u for u in units if u.text != u.segment_heading])


def _best(ranked: list[Unit], candidates: list[Unit], results: list[SearchResult], table_asked: bool = False) -> Unit:
    """The unit the answer is built around.

    Retrieval ranked whole passages with more signals than a sentence has: the top
    passage supplies the answer unless another passage's sentence is better by a margin, or
    is in the section the question names while the top passage's is not (and the other way
    round). (Letting a sentence with clearly more of the question's words switch at less
    gained one dev question and lost more on the held-out sets: not kept. Since sentences
    are scored with the query adapter, smaller margins pick better: on heldout50 to 65,
    with an adapter not trained on them, margins of 1.1 and 1.05 against 1.3 and 1.2 took
    citation precision from 0.878 to 0.906, must_include from 0.866 to 0.874.)
    """
    best = ranked[0]
    top = [u for u in ranked if u.result == min(x.result for x in candidates)]
    if table_asked and not any(u.in_table for u in top):
        # The question says its answer is in a table, and the top passage has none.
        rows = [u for u in ranked if u.in_table]
        return next((u for u in rows if u.named), rows[0] if rows else best)
    if not top or best.result == top[0].result:
        return best
    if best.named != top[0].named:
        return best if best.named else top[0]
    # Between two passages of one document, retrieval's order rests on less (the document's
    # name and words boost both alike), so a smaller lead switches.
    same = results[best.result].document.doc_id == results[top[0].result].document.doc_id
    return best if best.score >= (SAME_DOC_MARGIN if same else SWITCH_MARGIN) * top[0].score else top[0]


# Minutes report a question and then its answer: "Howard Smith asked if the group was
# expected to produce a framework ..." / "Carolyn Bird replied that ...".
_ASKED_IN_MINUTES = re.compile(r"\b(asked|queried|enquired|wondered)\s+(if|whether|how|what|why|who|when)\b", re.I)


def _bring_reply(unit: Unit, chosen: list[Unit], units: list[Unit], results: list[SearchResult]) -> None:
    """A chosen unit reporting a question someone asked brings the sentence after it, the reply."""
    if not _ASKED_IN_MINUTES.search(unit.text):
        return
    # The reply may open the next passage retrieved (chunking cut between the two).
    doc_id = results[unit.result].document.doc_id
    after = min((u for u in units if results[u.result].document.doc_id == doc_id
                 and 0 <= u.start - unit.end <= 12), key=lambda u: u.start, default=None)
    if after is not None and not after.heading and after not in chosen:
        chosen.append(after)


def _with_continuation(results: list[SearchResult], units: list[Unit], candidates: list[Unit],
                       best: Unit, own: list[Unit]) -> list[Unit]:
    """``own`` plus the rest of its section where another retrieved passage carries it on.

    Chunking may cut a section in two, and both halves may be retrieved: when the best
    unit's section runs to the end of its passage and the next passage of the document
    was also found (or runs back to its start, and the passage before was found), the
    section's sentences in that passage answer as well as its own.
    """
    home = results[best.result]
    mine = [u for u in units if u.result == best.result]
    runs_on = mine[-1].segment == best.segment
    runs_back = mine[0].segment == best.segment and not best.segment_heading
    extra: list[Unit] = []
    for j, other in enumerate(results):
        if j == best.result or other.document.doc_id != home.document.doc_id:
            continue
        theirs = [u for u in units if u.result == j]
        if not theirs:
            continue
        if runs_on and 0 <= other.start - home.end <= 3 and not theirs[0].segment_heading:
            first = theirs[0].segment
            extra += [u for u in candidates if u.result == j and u.segment == first]
        elif runs_back and 0 <= home.start - other.end <= 3:
            last = theirs[-1].segment
            extra += [u for u in candidates if u.result == j and u.segment == last]
    return own + [u for u in extra if u.score >= CONTINUATION_FLOOR * best.score]

