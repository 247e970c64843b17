"""Cut a parsed document into passages that the embedding model reads whole.

A chunk never crosses a heading, never cuts a sentence (unless one sentence alone is
longer than the limit), keeps list items and table rows whole, and stays within
``max_tokens`` word pieces *including* its heading context, because all-MiniLM-L6-v2
ignores everything past 256.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from assistant.documents import Block, Chunk, ParsedDocument

# A sentence ends at . ! or ? followed by space and a capital, digit or quote; common
# abbreviations in these documents ("e.g.", "i.e.", "No.") do not end one.
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bNo)(?<!\betc)[.!?][\"')\]]?\s+(?=[A-Z0-9\"'(\u2018\u201c])")

TokenCounter = Callable[[list[str]], list[int]]
# An unheaded scrap of fewer words than this (a cover page's "Department of Health", a
# lone date) makes no passage of its own: it would match questions by its few words alone.
MIN_PASSAGE_WORDS = 20


def _context(title: str, block: Block, lead_in: str = "") -> str:
    path = " > ".join(h for h in block.heading_path if h != block.text)
    parts = [title, path]
    if block.table_header:
        parts.append(block.table_header.replace("\t", " | "))
    if lead_in:
        parts.append(lead_in)
    return " — ".join(p for p in parts if p)


def leads_list(text: str) -> bool:
    """True when ``text`` introduces a list: it ends with a colon, or, as a document may
    mistype it, with a semicolon after "include(s)" ("Resources include;")."""
    text = text.rstrip()
    return text.endswith(":") or bool(re.search(r"\b(includes?|including|following);$", text, re.I))


def _lead_ins(blocks: list[Block]) -> list[str]:
    """For each list item or table row, the sentence that introduced its list
    ("Commissioning decisions through the Children's Trust will:"), so a passage that
    starts part-way down a list still says what the list is."""
    leads, current = [], ""
    for block in blocks:
        if block.kind == "heading":
            current = ""
        elif block.kind == "paragraph":
            current = block.text if leads_list(block.text) else ""
        # The sentence that ends with the colon is the one that says what the list is.
        spans = sentence_spans(current)
        last = current[spans[-1][0]:spans[-1][1]] if spans else ""
        words = last.split()
        short = ("…" if len(words) > 30 else "") + " ".join(words[-30:])
        leads.append(short if block.kind in ("list_item", "table_row") else "")
    return leads


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (begin, end) offsets of each sentence of ``text``."""
    spans, begin = [], 0
    for match in _SENTENCE_END.finditer(text):
        spans.append((begin, match.start() + 1))
        begin = match.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    return [s for s in spans if text[s[0]:s[1]].strip()]


def chunk_document(doc_id: str, title: str, parsed: ParsedDocument, max_tokens: int,
                   count_tokens: TokenCounter) -> list[Chunk]:
    """Group blocks into chunks of at most ``max_tokens`` word pieces."""
    blocks = parsed.blocks
    if not blocks:
        return []
    block_tokens = count_tokens([b.text for b in blocks])
    leads = _lead_ins(blocks)
    contexts = [_context(title, b, lead) for b, lead in zip(blocks, leads)]
    context_tokens = count_tokens(contexts)
    chunks: list[Chunk] = []
    group: list[int] = []
    used = 0

    def flush() -> None:
        nonlocal group, used
        if group:
            first, last = blocks[group[0]], blocks[group[-1]]
            # A passage opened by a run of headings ("Cycle Phase 1", "Part 1. ...") is
            # cited by the innermost of them.
            # A scrap merged into the section after it is cited by that section.
            begin = 0
            for position, j in enumerate(group):
                if position and blocks[j].kind == "heading":
                    if sum(len(blocks[i].text.split()) for i in group[:position]) < MIN_PASSAGE_WORDS:
                        begin = position
                    break
            lead = group[begin]
            for j in group[begin + 1:]:
                if blocks[j].kind != "heading":
                    break
                lead = j
            chunks.append(Chunk(
                doc_id=doc_id, ordinal=len(chunks),
                text=parsed.text[first.start:last.end], start=first.start, end=last.end,
                section=blocks[lead].section, heading_path=blocks[lead].heading_path,
                context=contexts[group[0]],
            ))
        group, used = [], 0

    for i, block in enumerate(blocks):
        need = block_tokens[i]
        if block.kind == "heading" and any(blocks[j].kind != "heading" for j in group) and (
                blocks[group[0]].kind == "heading"
                or sum(len(blocks[j].text.split()) for j in group) >= MIN_PASSAGE_WORDS):
            flush()  # a heading opens a new passage (an unheaded scrap joins it instead)
        if need > max_tokens - context_tokens[i]:
            flush()  # one block longer than a passage: split it by sentences
            _split_block(doc_id, parsed, block, contexts[i], max_tokens - context_tokens[i],
                         count_tokens, chunks)
            continue
        if group and used + need > max_tokens - context_tokens[group[0]]:
            flush()
        group.append(i)
        used += need
    flush()
    return chunks


def _split_block(doc_id: str, parsed: ParsedDocument, block: Block, context: str, budget: int,
                 count_tokens: TokenCounter, chunks: list[Chunk]) -> None:
    spans = sentence_spans(block.text)
    # Sentences too long on their own are cut at word boundaries.
    pieces: list[tuple[int, int]] = []
    for begin, end in spans:
        if count_tokens([block.text[begin:end]])[0] <= budget:
            pieces.append((begin, end))
            continue
        words = list(re.finditer(r"\S+", block.text[begin:end]))
        step = max(1, int(len(words) * budget / count_tokens([block.text[begin:end]])[0]) - 1)
        for w in range(0, len(words), step):
            part = words[w:w + step]
            pieces.append((begin + part[0].start(), begin + part[-1].end()))
    sizes = count_tokens([block.text[b:e] for b, e in pieces])
    current: list[tuple[int, int]] = []
    used = 0
    for (begin, end), size in zip(pieces, sizes):
        if current and used + size > budget:
            _emit(doc_id, parsed, block, context, current, chunks)
            current, used = [], 0
        current.append((begin, end))
        used += size
    if current:
        _emit(doc_id, parsed, block, context, current, chunks)


def _emit(doc_id: str, parsed: ParsedDocument, block: Block, context: str,
          spans: list[tuple[int, int]], chunks: list[Chunk]) -> None:
    start, end = block.start + spans[0][0], block.start + spans[-1][1]
    chunks.append(Chunk(doc_id=doc_id, ordinal=len(chunks), text=parsed.text[start:end],
                        start=start, end=end, section=block.section,
                        heading_path=block.heading_path, context=context))


def dense_texts(chunk, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """What dense retrieval embeds for a passage (a Chunk or ChunkRecord): its sentence runs (see :func:`windows`),
    each led by the passage's innermost heading unless the run starts with it, so a
    list item or table row keeps the topic its heading gives it. (Leading with the
    list's lead-in sentence instead measured worse.)"""
    text = chunk.text
    heading = chunk.heading_path[-1] if chunk.heading_path else ""
    return [w if not heading or w.startswith(heading[:30]) else f"{heading}: {w}"
            for w in windows(text, max_tokens, count_tokens)]


def windows(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Runs of whole sentences of about ``max_tokens`` word pieces, covering ``text``.

    Dense retrieval embeds these rather than whole passages: a short span matches a
    question's wording far better than 200 word pieces averaged into one vector.
    """
    sentences = [line[b:e] for line in text.split("\n") if line.strip()
                 for b, e in sentence_spans(line)]
    if not sentences:
        return [text]
    out: list[str] = []
    current: list[str] = []
    used = 0
    for sentence, size in zip(sentences, count_tokens(sentences)):
        if current and used + size > max_tokens:
            out.append(" ".join(current))
            current, used = [], 0
        current.append(sentence)
        used += size
    out.append(" ".join(current))
    return out
