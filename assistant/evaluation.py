"""Retrieval evaluation with the same definitions acceptance uses.

A passage "contains" a gold quote when at least half of the quote's word 5-grams
occur in it, after normalising case, quotes, dashes and ``**``
(../shared/evaluations/README.md). An item is a hit at k when any of its quotes is in
the top k; its reciprocal rank comes from the first such passage; evidence recall
counts quotes found.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path


def _norm(text: str) -> list[str]:
    for a, b in (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                 ("\u2013", "-"), ("\u2014", "-"), ("**", "")):
        text = text.replace(a, b)
    return re.findall(r"[a-z0-9]+", text.lower())


def _grams(tokens: list[str], n: int = 5) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))}


def contains(passage: str, quote: str, share: float = 0.5) -> bool:
    """True when ``passage`` holds at least ``share`` of ``quote``'s word 5-grams."""
    q = _grams(_norm(quote))
    return bool(q) and len(q & _grams(_norm(passage))) / len(q) >= share


def load_dataset(path: Path) -> list[dict]:
    """Items of a JSONL gold set."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass
class RetrievalScores:
    """Recall@k, MRR@k and evidence recall@k over answerable items."""

    k: int
    items: int
    recall: float
    mrr: float
    evidence_recall: float
    mean_words: float
    misses: list[str]


def score_retrieval(items: list[dict], results: dict[str, list[str]], k: int) -> RetrievalScores:
    """Score passages (``results[id]`` = texts, best first) against the gold evidence."""
    hits = rr = found = total = 0
    words: list[int] = []
    misses = []
    answerable = [g for g in items if g.get("answerable")]
    for item in answerable:
        texts = results.get(item["id"], [])[:k]
        words.extend(len(t.split()) for t in texts)
        first = None
        for evidence in item["evidence"]:
            total += 1
            ranks = [i for i, t in enumerate(texts) if contains(t, evidence["quote"])]
            if ranks:
                found += 1
                first = ranks[0] if first is None else min(first, ranks[0])
        if first is None:
            misses.append(item["id"])
        else:
            hits += 1
            rr += 1 / (first + 1)
    n = max(len(answerable), 1)
    return RetrievalScores(k, len(answerable), hits / n, rr / n, found / max(total, 1),
                           sum(words) / max(len(words), 1), misses)


def evaluate_retrieval(retriever, items: list[dict], k: int,
                       names: tuple[str, ...] = ("hybrid", "dense", "bm25")) -> dict[str, RetrievalScores]:
    """Run each named retriever over the items and score it."""
    scores = {}
    for name in names:
        results = {item["id"]: [r.text for r in retriever.search(item["question"], top_k=k, retriever=name)]
                   for item in items if item.get("answerable")}
        scores[name] = score_retrieval(items, results, k)
    return scores
