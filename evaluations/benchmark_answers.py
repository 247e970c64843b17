"""Benchmark of answers: time to first token and to the full answer, p50/p95, per backend.

Usage: python evaluations/benchmark_answers.py [--backends extractive,local,openai] [--n 10]

Runs the first N answerable dev questions through each backend against the index in
ASSISTANT_DATA_DIR (run `assistant ingest` first), after ``Answerer.warm_up`` (what the web
app does at startup: the retriever loaded and, for ``local``, the model loaded with its
system prompt already read), so the first question is measured like the rest. For the
extractive backend the first "token" is the whole answer. The openai backend is
measured only if a server answers at ASSISTANT_OPENAI_BASE_URL.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="extractive,local")
    parser.add_argument("--n", type=int, default=10, help="questions per backend")
    parser.add_argument("--dataset", default=str(ROOT / "evaluations" / "dev.jsonl"))
    args = parser.parse_args()

    from assistant.answering import Answerer
    from assistant.settings import get_settings

    settings = get_settings()
    answerer = Answerer(settings)
    items = [json.loads(line) for line in open(args.dataset, encoding="utf-8") if line.strip()]
    questions = [i["question"] for i in items if i.get("answerable")][: args.n]
    for backend in args.backends.split(","):
        first, full, fallbacks = [], [], 0
        answerer.warm_up(backend)
        for question in questions:
            started = time.perf_counter()
            first_at = None
            answer = None
            for kind, value in answerer.stream(question, backend=backend):
                if first_at is None and kind in ("token", "answer"):
                    first_at = time.perf_counter() - started
                if kind == "answer":
                    answer = value
            first.append(first_at)
            full.append(time.perf_counter() - started)
            fallbacks += bool(answer.fallback)
        print(f"{backend:10} first token p50 {statistics.median(first):6.2f} s  p95 {percentile(first, .95):6.2f} s"
              f"   full answer p50 {statistics.median(full):6.2f} s  p95 {percentile(full, .95):6.2f} s"
              f"   ({len(full)} questions, {fallbacks} fell back to extractive)")


if __name__ == "__main__":
    main()
