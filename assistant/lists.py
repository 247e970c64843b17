"""Lists: a chosen sentence that introduces one ("... as follows:") brings its items.

A list may run on past the retrieved passage, so its items are read from the document's
text when it is given.
"""

from __future__ import annotations

import re

from assistant.chunking import leads_list
from assistant.retrieval import SearchResult
from assistant.units import Unit, word_count

LIST_ITEMS = 10
MAX_LIST_WORDS = 220  # a list the question asks for may run longer than other evidence


def _looks_like_heading(line: str) -> bool:
    words = line.split()
    return len(words) <= 8 and not re.search(r"[.;:,]$", line.strip()) and line[:1].isupper() \
        and "\t" not in line


def bring_list(unit: Unit, chosen: list[Unit], units: list[Unit], results: list[SearchResult],
               document_text) -> None:
    """A chosen unit that introduces a list ("... as follows:") brings the list into ``chosen``."""
    index = units.index(unit)
    lead = unit
    after = units[index + 1] if index + 1 < len(units) else None
    if not leads_list(unit.text) and after is not None and after.result == unit.result \
            and leads_list(after.text) and len(after.text.split()) <= 12:
        lead = after
        if after not in chosen:
            chosen.append(after)
    if not leads_list(lead.text):
        return
    run = _list_run(results[lead.result], lead, document_text) if document_text else []
    if run:
        # The whole list as the document sets it out, even where it runs on past
        # the passage (the retrieved chunk may hold only its first items).
        taken_at = {(u.result, u.start): u for u in units}
        for item in run:
            if word_count(chosen) >= MAX_LIST_WORDS:
                break
            item = taken_at.get((item.result, item.start), item)
            if item not in chosen:
                chosen.append(item)
        return
    followers = [u for u in units[units.index(lead) + 1:] if u.result == lead.result]
    taken = 0
    for follower in followers:
        if follower.heading or taken >= LIST_ITEMS or word_count(chosen) >= MAX_LIST_WORDS:
            break
        if follower not in chosen:
            chosen.append(follower)
        taken += 1
    if not followers and document_text is not None:
        taken_at = {(u.result, u.start) for u in chosen}
        chosen.extend(u for u in _list_after(results[lead.result], lead, document_text)
                      if (u.result, u.start) not in taken_at)


def _list_run(result: SearchResult, lead: Unit, document_text) -> list[Unit]:
    """The items of a list set out after ``lead`` as consecutive lines, read from the document.

    Parsed documents separate paragraphs with a blank line and the items of one list with
    a single line break, so a list is the run of lines after the lead-in's paragraph.
    Returns [] when what follows is not such a run (one paragraph, or headings).
    """
    text = document_text(result.document.doc_id) or ""
    match = re.match(r"[ \t]*\n\n((?:[^\n]+\n)+[^\n]+)", text[lead.end:lead.end + 4000])
    if not match:
        return []
    items = []
    offset = lead.end + match.start(1)
    for line in match.group(1).split("\n"):
        stripped = line.strip()
        if stripped and len(items) < LIST_ITEMS:
            start = offset + len(line) - len(line.lstrip())
            items.append(Unit(lead.result, stripped, start, start + len(stripped)))
        offset += len(line) + 1
    return items


def _list_after(result: SearchResult, lead: Unit, document_text) -> list[Unit]:
    """List items that continue past the end of a passage, read from the document."""
    text = document_text(result.document.doc_id) or ""
    items: list[Unit] = []
    for match in re.finditer(r"[^\n]+", text[lead.end:lead.end + 1500]):
        line = match.group().strip()
        if not line or len(items) >= LIST_ITEMS or _looks_like_heading(line) or re.match(
                r"(part|step|stage|standard|phase|cycle phase|appendix|section)\s+\w{1,3}\b|\d{1,2}(\.\d)*\.?\s+[A-Z]",
                line, re.I):
            break
        start = lead.end + match.start() + (len(match.group()) - len(match.group().lstrip()))
        items.append(Unit(lead.result, line, start, start + len(line)))
        if re.search(r"[.]$", line) and len(line.split()) > 25:
            break
    return items
