"""Tables of scores: a self-assessment's rows with a score in the last cell.

"What did they score themselves on standard 10?" is answered by that row of the scores
table, "where did they score lowest?" by the rows with the lowest score, and "what does a
4 mean?" by the scale's key ("4: We are making very good progress ..."), rather than by
the sentences most like the question.
"""

from __future__ import annotations

import re

from assistant.chunking import leads_list
from assistant.units import Unit

SCORED_ROW_FLOOR = 0.8  # a scores table's row answers "how did they score" at this share of the best's score
# "Which standards got the top marks?", "where did they score lowest?": the rows of a
# scored table with the highest (or lowest) score answer, not the sentences most like it.
_HIGHEST = r"highest|top|best|strongest|most"
_LOWEST = r"lowest|bottom|worst|weakest|least"
_EXTREME_ASKED = re.compile(rf"\b(?P<adj>{_HIGHEST}|{_LOWEST})\b[^?]{{0,40}}\b(scor\w*|marks?|rat(ed|ings?)|grades?)\b|"
                            rf"\b(scor\w*|marks?|rated)\b[^?]{{0,30}}\b(?P<adv>{_HIGHEST}|{_LOWEST})\b|"
                            rf"\bcame out (?P<came>{_HIGHEST}|{_LOWEST})\b|\bcome out (?P<come>{_HIGHEST}|{_LOWEST})\b", re.I)
_SCORE_CELL = re.compile(r"\t\s*(\d{1,3}(?:\.\d+)?(?:\s*/\s*\d{1,3}(?:\.\d+)?)?)\s*$")


def rows_named(labels: list[str], passage: str) -> set[tuple[int, int, str]]:
    """The table rows the question names in the passage, as (column, header width, number):
    (0, 2, "7") for "standard 7" when a header row reads "Standard | Score" (its rows read
    "7 We influence ... | 1 / 2"), (1, 4, "2") for "stage 2" under "Activity | Stage | ..."."""
    pairs = [tuple(label.split()) for label in labels if len(label.split()) == 2]
    named: set[tuple[int, int, str]] = set()
    if not pairs:
        return named
    for line in passage.splitlines():
        if "\t" not in line:
            continue
        cells = [c.strip().lower() for c in line.split("\t")]
        for column, cell in enumerate(cells):
            named |= {(column, len(cells), number) for word, number in pairs if cell in (word, word + "s")}
    return named


def row_number(unit: Unit, column: int = 0, width: int = 0) -> str | None:
    """The number a table row gives in the header's ``column`` ("7" for "7 We influence
    ..."), if any. A row with fewer cells than the header lost its merged first cells in
    conversion ("2 | Focus on ..." under "Assess | 1 | ..."): its cells align from the right."""
    if not unit.in_table:
        return None
    column -= max(width - len(unit.cells), 0)
    if not 0 <= column < len(unit.cells):
        return None
    number = re.match(r"\s*(\d{1,2})\.?(?:\s|$)", unit.cells[column])
    return number.group(1) if number else None


def _score_cell(unit: Unit) -> re.Match | None:
    """The score in a table row's last cell ("4", "1 / 2"), if it has one."""
    return _SCORE_CELL.search(unit.text) if unit.in_table else None


def scored_row(candidates: list[Unit], best: Unit) -> Unit:
    """For a question asking how something scored ("what did they score themselves on
    standard 10?"), the row of a scored table the question names, or else the best row
    when it scores at least SCORED_ROW_FLOOR of ``best``, when ``best``'s section gives no
    score: the minutes discussing a standard rank high, the table holds the score."""
    section = [u for u in candidates if u.result == best.result and u.segment == best.segment]
    if any(_score_cell(u) for u in section):
        return best
    rows = [u for u in candidates if _score_cell(u)]
    named = [u for u in rows if u.named]
    if named:  # the row the question names ("standard 7"), however few of its words it shares
        return max(named, key=lambda u: u.score)
    row = max(rows, key=lambda u: u.score, default=None)
    return row if row is not None and row.score >= SCORED_ROW_FLOOR * best.score else best


def extreme_rows(question: str, candidates: list[Unit], best: Unit) -> list[Unit]:
    """For a question asking where something scored highest or lowest, the rows of a
    scored table (a number, or "1 / 2", in the last cell) with that score; else []."""
    asked = _EXTREME_ASKED.search(question)
    if not asked:
        return []
    word = next(w for w in asked.group("adj", "adv", "came", "come") if w)
    scored: dict[int, list[tuple[float, Unit]]] = {}
    for unit in candidates:
        cell = _score_cell(unit)
        if cell:
            values = [float(v) for v in re.findall(r"\d+(?:\.\d+)?", cell.group(1))]
            scored.setdefault(unit.result, []).append((sum(values) / len(values), unit))
    # The best unit's table if it is scored, else the table with the most scored rows.
    rows = scored.get(best.result) or max(scored.values(), key=len, default=[])
    if len(rows) < 3:
        return []
    pick = max if re.fullmatch(_HIGHEST, word, re.I) else min
    target = pick(value for value, _ in rows)
    return sorted((u for value, u in rows if value == target), key=lambda u: u.start)


# "What does a 4 mean vs a 5?", "what does a score of 2 signify?", "what's the difference
# between a 4 and a 5?": the values asked about ...
_MEANING = r"(?:mean|means|meaning|stand for|stands for|signif\w*|indicates?|represents?|difference between)"
_MEANING_ASKED = re.compile(rf"\b{_MEANING}\b", re.I)
_ASKED_VALUE = re.compile(r"\b(?:an?|scores? of|scored|ratings? of|rated|grades? of|level|vs\.?|versus|or|and)\s+"
                          r"['‘\"“]?(\d{1,2})['’\"”]?(?![\w.])")
# ... and the part of the question that asks it, to tell whether it asks anything else.
_MEANING_CLAUSE = re.compile(rf"\bwhat (?:does|do|would|did)\b[^?,;]*?\b{_MEANING}\b|"
                             r"\bwhat(?:'s|’s| is) the difference between\b[^?,;]*|"
                             r"\(?\b(?:vs\.?|versus)\s+(?:an?\s+)?\d{1,2}\b\)?", re.I)
_WH = re.compile(r"\b(which|who|whom|whose|what|how|where|when|why)\b", re.I)


def asks_only_meaning(question: str) -> bool:
    """True when all ``question`` asks is what values mean ("what does a 1 mean and what does
    a 5 mean?"), not also something else ("..., and which standard did they give a 3?")."""
    return not _WH.search(_MEANING_CLAUSE.sub(" ", question))


def scale_key(question: str, candidates: list[Unit]) -> list[Unit]:
    """The entries of a scale's key ("4: We are making very good progress ...") giving what
    every value the question asks about means, from one passage, in the key's order; []
    when the question asks no such thing or the passages hold no such key."""
    if not _MEANING_ASKED.search(question):
        return []
    values = list(dict.fromkeys(_ASKED_VALUE.findall(question)))
    if not values:
        return []
    for result in sorted({u.result for u in candidates}):
        entries = {}
        for unit in candidates:
            key = re.match(r"\W*(\d{1,2})\s*[:=–-]\s", unit.text) if unit.result == result else None
            if key and key.group(1) in values:
                entries.setdefault(key.group(1), unit)
        if len(entries) == len(values):
            chosen = sorted(entries.values(), key=lambda u: u.start)
            # The line that introduces the key ("Scoring criteria:") says what it is a key to.
            before = [u for u in candidates if u.result == result and u.end <= chosen[0].start]
            lead = max(before, key=lambda u: u.end, default=None)
            return ([lead] if lead is not None and leads_list(lead.text) else []) + chosen
    return []
