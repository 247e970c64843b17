"""Benchmark of the chat over HTTP: from POST /api/ask/stream to the first streamed words
and to the stored answer, p50/p95, as a browser with JavaScript sees it.

Usage: python evaluations/benchmark_web.py [--n 20] [--backend B] [--dataset evaluations/dev.jsonl]

Starts the web app (uvicorn, on a free loopback port) over the index in ASSISTANT_DATA_DIR
(run `assistant ingest` first), with a throwaway accounts database and one temporary user
whose API token signs the requests, asks one warm-up question, then the first N questions
of the dataset, each in a new conversation. "First words" is the first `token` (a model's
draft) or `sentence` event, or the answer itself when it has no sentences (a refusal).
The bar: first streamed words within 1 s with the default backend.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR_SECONDS = 1.0


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"the app server exited with code {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("the app server did not start")


def ask(port: int, token: str, question: str, backend: str | None) -> dict:
    """One streamed answer; seconds from sending to each kind of event."""
    body = {"question": question, **({"backend": backend} if backend else {})}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    started = time.perf_counter()
    connection.request("POST", "/api/ask/stream", body=json.dumps(body), headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Accept": "text/event-stream"})
    response = connection.getresponse()
    if response.status != 200:
        sys.exit(f"POST /api/ask/stream answered {response.status}: {response.read()[:300]!r}")
    times: dict = {}
    event = None
    while True:
        line = response.readline()
        if not line:
            break
        line = line.decode("utf-8").rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            elapsed = time.perf_counter() - started
            data = json.loads(line[6:])
            if event == "status" and data.get("stage") == "retrieved":
                times.setdefault("retrieved", elapsed)
            if event in ("token", "sentence", "answer"):
                times.setdefault("first", elapsed)
            if event in ("answer", "error"):
                times["answer"] = elapsed
                times["event"] = event
                times["refused"] = bool(data.get("refused"))
                times["fallback"] = bool(data.get("fallback"))
    connection.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="questions to ask")
    parser.add_argument("--backend", default=None, help="default: the backend setting")
    parser.add_argument("--dataset", default=str(ROOT / "evaluations" / "dev.jsonl"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="benchmark-web-") as scratch:
        env = {**os.environ,
               "ASSISTANT_DATABASE_URL": f"sqlite:///{Path(scratch) / 'accounts.sqlite3'}",
               "ASSISTANT_SESSION_SECRET": secrets.token_urlsafe(32)}
        os.environ.update(env)
        from assistant import accounts
        from assistant.settings import get_settings

        settings = get_settings()
        accounts.create_user(settings, "benchmark", "commissioner", secrets.token_urlsafe(24))
        token = accounts.issue_token(settings, "benchmark")
        items = [json.loads(line) for line in open(args.dataset, encoding="utf-8") if line.strip()]
        questions = [item["question"] for item in items][: args.n]

        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "web.app:create_app", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
        try:
            wait_until_up(port, server)
            ask(port, token, questions[0], args.backend)  # warm-up: model, index, BM25
            runs = [ask(port, token, question, args.backend) for question in questions]
        finally:
            server.terminate()
            server.wait(timeout=30)

    failed = [r for r in runs if r.get("event") != "answer"]
    runs = [r for r in runs if r.get("event") == "answer"]
    first = [r["first"] for r in runs]
    full = [r["answer"] for r in runs]
    retrieved = [r["retrieved"] for r in runs if "retrieved" in r]
    backend = args.backend or settings.backend
    print(f"web chat, backend {backend}, {len(runs)} questions over HTTP "
          f"({sum(r['refused'] for r in runs)} refused, {sum(r['fallback'] for r in runs)} fell back, "
          f"{len(failed)} failed)")
    if retrieved:
        print(f"  search done      p50 {statistics.median(retrieved):6.2f} s  p95 {percentile(retrieved, .95):6.2f} s")
    print(f"  first words      p50 {statistics.median(first):6.2f} s  p95 {percentile(first, .95):6.2f} s"
          f"   (bar: {BAR_SECONDS:g} s: {'met' if percentile(first, .95) <= BAR_SECONDS else 'NOT met'} at p95)")
    print(f"  stored answer    p50 {statistics.median(full):6.2f} s  p95 {percentile(full, .95):6.2f} s")


if __name__ == "__main__":
    main()
