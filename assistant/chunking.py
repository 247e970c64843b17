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


def _context(title: str, block: Block) -> str:
    path = " > ".join(h for h in block.heading_path if h != block.text)
    parts = [title, path]
    if block.table_header:
        parts.append(block.table_header.replace("\t", " | "))
    return " — ".join(p for p in parts if p)


def _sentence_spans(text: str) -> list[tuple[int, int]]:
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
    contexts = [_context(title, b) for b in blocks]
    context_tokens = count_tokens(contexts)
    chunks: list[Chunk] = []
    group: list[int] = []
    used = 0

    def flush() -> None:
        nonlocal group, used
        if group:
            first, last = blocks[group[0]], blocks[group[-1]]
            chunks.append(Chunk(
                doc_id=doc_id, ordinal=len(chunks),
                text=parsed.text[first.start:last.end], start=first.start, end=last.end,
                section=first.section, heading_path=first.heading_path,
                context=contexts[group[0]],
            ))
        group, used = [], 0

    for i, block in enumerate(blocks):
        need = block_tokens[i]
        if block.kind == "heading" and any(blocks[j].kind != "heading" for j in group):
            flush()  # a heading opens a new passage
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
    spans = _sentence_spans(block.text)
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


def windows(text: str, max_tokens: int, count_tokens: TokenCounter) -> list[str]:
    """Runs of whole sentences of about ``max_tokens`` word pieces, covering ``text``.

    Dense retrieval embeds these rather than whole passages: a short span matches a
    question's wording far better than 200 word pieces averaged into one vector.
    """
    sentences = [line[b:e] for line in text.split("\n") if line.strip()
                 for b, e in _sentence_spans(line)]
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
