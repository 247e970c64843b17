"""Benchmark of the foundation: ingest, no-op re-ingest, retrieval latency, embedding.

Prints, on this machine:
  * full-corpus ingest time as a user meets it (`assistant ingest` on an empty data
    folder, process start and model load included), and in-process with the model
    already loaded;
  * no-op re-ingest time (`assistant ingest` again, nothing changed);
  * hybrid retrieval latency p50/p95, warm, over the dev questions;
  * bare embedding throughput (the same sentence runs through the loaded model,
    nothing else) beside ingest throughput, and their ratio.

Usage: python evaluations/benchmark_foundation.py [--dataset evaluations/dev.jsonl]
Works on temporary data folders; the project's own index is not touched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(env: dict, *args: str) -> float:
    """Wall time of one `assistant` command."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default=str(ROOT / "evaluations" / "dev.jsonl"))
    args = parser.parse_args()

    from assistant.chunking import dense_texts
    from assistant.embedding import Embedder, count_tokens
    from assistant.evaluation import load_dataset
    from assistant.ingest import ingest
    from assistant.retrieval import Retriever
    from assistant.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="assistant-bench-"))
    try:
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp / "cli")}
        cold = run_cli(env, "ingest", "-q")
        noop = min(run_cli(env, "ingest", "-q") for _ in range(3))

        # Warm figures: model loaded once; best of two runs each, since a 2-core machine's
        # timings wander by a second or two from run to run.
        embedder = Embedder(Settings(data_dir=tmp / "probe"))
        embedder.embed(["warm up the model"] * 8)
        warm_runs = []
        for run in range(2):
            settings = Settings(data_dir=tmp / f"warm{run}")
            started = time.perf_counter()
            report = ingest(settings, progress=False)
            warm_runs.append(time.perf_counter() - started)
        warm = min(warm_runs)

        retriever = Retriever(settings)
        retriever.warm_up()
        counter = lambda texts: count_tokens(settings, texts)  # noqa: E731
        spans = [t for c in retriever.catalog.chunks()
                 for t in dense_texts(c, settings.window_tokens, counter)]
        bare_runs = []
        for _ in range(2):
            started = time.perf_counter()
            embedder.embed(spans)
            bare_runs.append(time.perf_counter() - started)
        bare = min(bare_runs)

        questions = [item["question"] for item in load_dataset(Path(args.dataset))]
        for q in questions[:5]:
            retriever.search(q)
        latencies = []
        for _ in range(3):
            for q in questions:
                started = time.perf_counter()
                retriever.search(q)
                latencies.append((time.perf_counter() - started) * 1000)
        latencies.sort()
        p95 = latencies[int(0.95 * (len(latencies) - 1))]

        print(f"machine: {os.cpu_count()} cores; corpus: {len(report.added)} documents, "
              f"{report.chunks_embedded} passages, {len(spans)} embedded sentence runs")
        print(f"full-corpus ingest, `assistant ingest` from cold: {cold:6.2f} s")
        print(f"full-corpus ingest, in-process, model loaded:   {warm:6.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in warm_runs)})")
        print(f"no-op re-ingest, `assistant ingest`:            {noop:6.2f} s")
        print(f"retrieval latency (hybrid, warm): p50 {statistics.median(latencies):.1f} ms, "
              f"p95 {p95:.1f} ms over {len(latencies)} searches")
        print(f"bare embedding throughput: {len(spans) / bare:6.1f} runs/s ({bare:.2f} s; "
              f"runs: {', '.join(f'{t:.2f}' for t in bare_runs)})")
        print(f"ingest throughput (warm):  {len(spans) / warm:6.1f} runs/s "
              f"= {bare / warm:.2f} x bare embedding")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
