"""Check every sentence a model wrote against the passages it cites.

A sentence is supported when the passage it cites holds most of its content words
(stemmed, weighted by rarity) or a unit of that passage says the same thing (embedding
similarity). Citation numbers that point at no passage are dropped; a sentence left
with no valid citation is searched against every passage given to the model and cited
to the one that supports it, if any. Unsupported sentences are kept apart, never shown
as the answer. Citations are then renumbered densely in order of first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answer import AnswerSentence
from assistant.chunking import sentence_spans

LEXICAL_SUPPORT = 0.6
DENSE_SUPPORT = 0.8
_MARK = re.compile(r"\[(\d{1,3})\]")


@dataclass
class Checked:
    """A verified sentence: its citations point at source numbers given to the model."""

    sentence: AnswerSentence
    sources: list[int]  # 1-based numbers of the passages in the prompt
    quotes: dict[int, tuple[int, int]]  # source -> (start, end) of the best supporting unit


def split_sentences(text: str) -> list[tuple[str, list[int]]]:
    """A model's answer as sentences with the [n] numbers each carries."""
    out = []
    for line in re.split(r"\n+", text.strip()):
        line = re.sub(r"^\s*([-*•]|\d+[.)])\s+", "", line).strip()
        if not line:
            continue
        for begin, end in sentence_spans(line):
            sentence = line[begin:end].strip()
            marks = [int(n) for n in _MARK.findall(sentence)]
            plain = _MARK.sub("", sentence).strip()
            plain = re.sub(r"\s+([.,;:])", r"\1", plain)
            if re.search(r"\w", plain):
                out.append((plain, marks))
            elif marks and out:  # "[2]" standing after the full stop belongs to the sentence before
                out[-1][1].extend(marks)
    return out


class Verifier:
    """Verifies sentences against numbered sources (passages given to the model)."""

    def __init__(self, sources: list[tuple[str, int]], lexical, embed):
        """``sources``: (passage text, its start offset in the document) per number 1..n."""
        self.sources = sources
        self.lexical = lexical
        self.embed = embed
        self._units: dict[int, list[tuple[str, int, int]]] = {}

    def units(self, n: int) -> list[tuple[str, int, int]]:
        """Sentences of source ``n`` with their document offsets."""
        if n not in self._units:
            text, offset = self.sources[n - 1]
            found = []
            for line in re.finditer(r"[^\n]+", text):
                for begin, end in sentence_spans(line.group()):
                    piece = line.group()[begin:end].strip()
                    if piece:
                        at = offset + line.start() + line.group().index(piece, begin)
                        found.append((piece, at, at + len(piece)))
            self._units[n] = found or [(text, offset, offset + len(text))]
        return self._units[n]

    def lexical_support(self, sentence: str, n: int) -> float:
        """Weighted share of the sentence's content words found in source ``n``."""
        terms = set(self.lexical.terms(sentence))
        if not terms:
            return 1.0
        held = set(self.lexical.terms(self.sources[n - 1][0]))
        weights = {t: max(self.lexical.idf(t), 0.5) for t in terms}
        return sum(w for t, w in weights.items() if t in held) / sum(weights.values())

    def best_unit(self, sentence: str, n: int) -> tuple[float, tuple[int, int]]:
        """Highest embedding similarity of the sentence to a unit of source ``n``."""
        units = self.units(n)
        vectors = self.embed([sentence] + [u[0] for u in units])
        sims = vectors[1:] @ vectors[0]
        best = int(np.argmax(sims))
        return float(sims[best]), (units[best][1], units[best][2])

    def supports(self, sentence: str, n: int) -> tuple[bool, tuple[int, int]]:
        """Whether source ``n`` backs ``sentence``, and the unit that does."""
        similarity, span = self.best_unit(sentence, n)
        ok = self.lexical_support(sentence, n) >= LEXICAL_SUPPORT or similarity >= DENSE_SUPPORT
        return ok, span

    def check(self, sentences: list[tuple[str, list[int]]]) -> list[Checked]:
        """Verify each sentence; fix or drop its citations; mark the unsupported."""
        checked = []
        count = len(self.sources)
        for text, marks in sentences:
            valid = [n for n in dict.fromkeys(marks) if 1 <= n <= count]
            quotes: dict[int, tuple[int, int]] = {}
            for n in valid:
                ok, span = self.supports(text, n)
                if ok:
                    quotes[n] = span
            if not quotes:
                # Uncited or miscited: cite the source that does back it, if one does.
                for n in range(1, count + 1):
                    ok, span = self.supports(text, n)
                    if ok:
                        quotes[n] = span
                        break
            cited = list(quotes)
            checked.append(Checked(AnswerSentence(text, cited, supported=bool(cited)), cited, quotes))
        return checked
