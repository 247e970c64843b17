"""The `assistant` command: a thin layer over the engine.

Each subcommand parses its arguments, calls one engine function and prints the
result; heavy modules are imported inside the handlers so `--help` and no-op runs
stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assistant import cli_steps, cli_users
from assistant.cli_common import fail as _fail
from assistant.settings import Settings, get_settings


# --- ingest / documents --------------------------------------------------------

def cmd_ingest(args, settings: Settings) -> int:
    from assistant.extract import DocumentError
    from assistant.ingest import add_document, ingest
    from assistant.manifest import ManifestError

    progress = not args.quiet
    try:
        if not args.paths:
            report = ingest(settings, progress=progress)
        else:
            if len(args.paths) > 1 and (args.title or args.id):
                return _fail("--title and --id name one document; give one PATH with them")
            report = None
            for path in args.paths:
                title = args.title or Path(path).stem.replace("_", " ").replace("-", " ").strip().title()
                try:
                    result = add_document(settings, Path(path), title=title, kind=args.kind,
                                          publisher=args.publisher, date=args.date, doc_id=args.id,
                                          aliases=args.alias, progress=progress)
                except DocumentError as err:
                    print(f"refused {err}", file=sys.stderr)
                    if report is not None:
                        report.failed.append((err.path, err.reason))
                    else:
                        from assistant.ingest import IngestReport
                        report = IngestReport(failed=[(err.path, err.reason)])
                    continue
                if report is None:
                    report = result
                else:
                    for field in ("added", "updated", "unchanged", "removed", "failed"):
                        getattr(report, field).extend(getattr(result, field))
                    report.chunks_embedded += result.chunks_embedded
                    report.sentences_embedded += result.sentences_embedded
                    report.seconds += result.seconds
    except ManifestError as err:
        return _fail(str(err))
    except ValueError as err:  # pydantic validation of --kind/--id and similar
        return _fail(f"invalid document details: {err}")
    for name, reason in report.failed:
        print(f"refused {Path(name).name}: {reason}", file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def cmd_documents(args, settings: Settings) -> int:
    from assistant.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    docs = catalog.documents()
    counts = {}
    for chunk in catalog.chunks():
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    if args.json:
        print(json.dumps([{"doc_id": d.doc_id, "title": d.title, "publisher": d.publisher, "date": d.date,
                           "kind": d.kind, "file": d.file, "passages": counts.get(d.doc_id, 0)}
                          for d in docs], indent=2))
        return 0
    if not docs:
        print("No documents are indexed yet; run `assistant ingest`.")
    for d in docs:
        print(f"{d.doc_id:40} {d.kind:8} {counts.get(d.doc_id, 0):4} passages  {d.title} ({d.date})")
    return 0


def cmd_delete(args, settings: Settings) -> int:
    from assistant.ingest import delete_document

    if not delete_document(settings, args.doc_id):
        return _fail(f"no document with id {args.doc_id!r}; `assistant documents` lists them", 1)
    print(f"deleted {args.doc_id}")
    return 0


# --- search --------------------------------------------------------------------

def _read_batch(path: str) -> list[dict]:
    handle = sys.stdin if path == "-" else open(path, encoding="utf-8")
    items = []
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or "id" not in item or "question" not in item:
                    raise ValueError('each line needs "id" and "question"')
            except ValueError as err:
                raise ValueError(f"{path} line {number}: {err}") from None
            items.append(item)
    return items


def _run_batch(path: str, answer, refuse) -> int:
    """One JSON line per input line: ``answer(question)``, or ``refuse(error)`` for a bad question."""
    from assistant.query import QuestionError
    from assistant.retrieval import SearchError

    try:
        items = _read_batch(path)
    except (OSError, ValueError) as err:
        return _fail(str(err))
    for item in items:
        try:
            line = {"id": item["id"], **answer(str(item["question"]))}
        except (QuestionError, SearchError) as err:
            line = {"id": item["id"], **refuse(err)}
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


def cmd_search(args, settings: Settings) -> int:
    from assistant.query import QuestionError
    from assistant.retrieval import Retriever, SearchError

    if bool(args.question) == bool(args.batch):
        return _fail("give a QUESTION or --batch FILE.jsonl (not both)")
    retriever = Retriever(settings)
    options = dict(top_k=args.top_k, retriever=args.retriever, doc_ids=args.doc or None,
                   kinds=args.kind or None)
    if args.batch:
        return _run_batch(
            args.batch,
            lambda q: {"results": [r.as_json() for r in retriever.search(q, **options)]},
            lambda err: {"results": [], "error": str(err)})
    question = " ".join(args.question)
    try:
        results = retriever.search(question, **options)
    except (QuestionError, SearchError) as err:
        return _fail(str(err))
    if args.json:
        print(json.dumps({"question": question, "results": [r.as_json() for r in results]},
                         ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("Nothing in the documents matches that question.")
    for n, r in enumerate(results, 1):
        where = " › ".join(r.heading_path[-2:])
        print(f"[{n}] {r.document.title} — section {r.section or '–'}  ({r.score:.3f})")
        if where:
            print(f"    {where}")
        print("    " + r.text.replace("\n", "\n    "))
        print()
    return 0


# --- ask -----------------------------------------------------------------------

def cmd_ask(args, settings: Settings) -> int:
    from assistant.answering import Answerer, Conversation
    from assistant.query import QuestionError
    from assistant.retrieval import SearchError

    if bool(args.question) == bool(args.batch):
        return _fail("give a QUESTION or --batch FILE.jsonl (not both)")
    focus = None
    if args.step is not None:
        from assistant import steps

        try:
            step = steps.load(settings).step(args.step)
        except (steps.StepModelError, KeyError) as err:
            return _fail(err.args[0])
        focus = f"step {step.number}: {step.name}"
    answerer = Answerer(settings)
    options = dict(backend=args.backend, doc_ids=args.doc or None, kinds=args.kind or None,
                   focus=focus)
    if args.batch:
        return _run_batch(
            args.batch,
            lambda q: answerer.ask(q, **options).as_json(),
            lambda err: {"answer": "", "refused": True, "citations": [], "unsupported": [],
                         "backend": args.backend or settings.backend, "error": str(err)})
    question = " ".join(args.question)
    conversation = Conversation()
    try:
        if args.json:
            print(json.dumps(answerer.ask(question, conversation=conversation, **options).as_json(),
                             ensure_ascii=False, indent=2))
            return 0
        answer = None
        for kind, value in answerer.stream(question, conversation=conversation, **options):
            if kind == "token":
                print(value, end="", flush=True, file=sys.stderr)
            elif kind == "answer":
                answer = value
    except (QuestionError, SearchError) as err:
        return _fail(str(err))
    except ValueError as err:
        return _fail(str(err))
    _print_answer(answer)
    return 0


def _print_answer(answer) -> None:
    if answer.fallback:
        print(f"(note: {answer.fallback})")
    print(answer.text)
    shown = answer.related if answer.refused else answer.citations
    if shown:
        print("\nNearest passages:" if answer.refused else "\nSources:")
    for c in shown:
        print(f"[{c.n}] {c.title} — section {c.section or '–'}: \"{' '.join(c.quote.split())}\"")
    if answer.unsupported:
        print("\nNot backed by the documents (not part of the answer):")
        for sentence in answer.unsupported:
            print(f"  - {sentence}")


# --- eval ----------------------------------------------------------------------

def _dataset(path: str) -> list[dict]:
    from assistant.evaluation import load_dataset

    try:
        return load_dataset(Path(path))
    except (OSError, ValueError) as err:
        raise SystemExit(_fail(f"cannot read the dataset {path}: {err}")) from None


def cmd_eval_answers(args, settings: Settings) -> int:
    from assistant.answering import Answerer
    from assistant.evaluation import evaluate_answers

    items = _dataset(args.dataset)
    answerer = Answerer(settings)
    answerer.retriever.warm_up()
    scores = evaluate_answers(answerer, items, args.backend)
    if args.json:
        print(json.dumps(vars(scores), indent=2))
        return 0
    print(f"{len(items)} items; backend {args.backend or settings.backend}")
    for name, value in vars(scores).items():
        if name != "failures":
            print(f"{name:28} {value:.3f}" if isinstance(value, float) else f"{name:28} {value}")
    for line in scores.failures:
        print(f"  {line}")
    return 0


def cmd_eval(args, settings: Settings) -> int:
    from assistant.evaluation import evaluate_retrieval
    from assistant.retrieval import Retriever

    items = _dataset(args.dataset)
    retriever = Retriever(settings)
    retriever.warm_up()
    scores = evaluate_retrieval(retriever, items, args.top_k)
    if args.json:
        print(json.dumps({name: vars(s) for name, s in scores.items()}, indent=2))
        return 0
    k = args.top_k
    print(f"{len(items)} items, {next(iter(scores.values())).items} answerable; k={k}")
    print(f"{'retriever':10} {'recall@' + str(k):>10} {'MRR@' + str(k):>8} {'evidence@' + str(k):>12} {'words':>6}")
    for name, s in scores.items():
        print(f"{name:10} {s.recall:10.3f} {s.mrr:8.3f} {s.evidence_recall:12.3f} {s.mean_words:6.0f}")
    for name, s in scores.items():
        if s.misses:
            print(f"{name} missed: {' '.join(s.misses)}")
    return 0


# --- serve / settings ----------------------------------------------------------

def cmd_serve(args, settings: Settings) -> int:
    import uvicorn

    from web.app import create_app

    host = args.host or settings.host
    port = args.port or settings.port
    print(f"Commissioning Guidance Assistant on http://{host}:{port}/  (Ctrl+C stops it)")
    app = create_app(settings)
    from assistant.accounts import list_users
    from assistant.database import DatabaseUnavailable

    try:
        if not list_users(settings):
            print("No accounts yet: open the address above in a browser on this machine to create "
                  "the first administrator, or run `assistant users create NAME --role admin`.")
    except DatabaseUnavailable as err:
        return _fail(str(err))
    uvicorn.run(app, host=host, port=port, log_level="info")
    return 0


def cmd_settings(args, settings: Settings) -> int:
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if name == "session_secret" and value:
            value = "(set; not shown)"
        elif name == "database_url" and value:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                value = make_url(value).render_as_string(hide_password=True)
            except ArgumentError:  # not a URL: print nothing of it, a password may be in there
                value = "(not a valid database URL)"
        print(f"ASSISTANT_{name.upper()}={value if value is not None else ''}")
        print(f"    {field.description}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (also used to check the README documents every command)."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Commissioning Guidance Assistant: search and answer questions over "
                    "children's services commissioning frameworks, with citations, and walk the "
                    "nine-step commissioning cycle. Settings come "
                    "from ASSISTANT_* environment variables; `assistant settings` lists them.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index the corpus, or add documents to it",
                       description="Without PATH: bring the index in line with corpus/manifest.yaml "
                       "(unchanged documents are skipped; changed ones replaced; removed ones deleted). "
                       "With PATH: check each file, copy it into the corpus, list it and index it.")
    p.add_argument("paths", nargs="*", metavar="PATH", help=".pdf, .docx, .html, .md or .txt files to add")
    p.add_argument("--title", help="document title (default: from the file name)")
    p.add_argument("--id", help="document id (default: from the title); an existing id is replaced")
    p.add_argument("--kind", default="local", choices=["local", "national"], help="default: local")
    p.add_argument("--publisher", default="", help="who published it")
    p.add_argument("--date", default="", help="publication date, as written on it")
    p.add_argument("--alias", action="append", default=[], help="a short name people use for it (repeatable)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("documents", help="list indexed documents")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_documents)

    p = sub.add_parser("delete", help="remove a document and every trace of it from the index")
    p.add_argument("doc_id", metavar="DOC_ID")
    p.set_defaults(handler=cmd_delete)

    p = sub.add_parser("search", help="find the passages that answer a question",
                       description="Hybrid (BM25 + dense, rank-fused) search over the indexed passages. "
                       "Batch mode reads JSON lines {\"id\", \"question\"} and writes one JSON line "
                       "{\"id\", \"results\": [{doc_id, title, section, text, score, ...}]} per input.")
    p.add_argument("question", nargs="*", metavar="QUESTION")
    p.add_argument("--top-k", type=int, default=None, help="passages to return (default: setting top_k)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default=None)
    p.add_argument("--doc", action="append", default=[], metavar="DOC_ID", help="only this document (repeatable)")
    p.add_argument("--kind", action="append", default=[], choices=["national", "local"], help="only this kind")
    p.add_argument("--batch", metavar="FILE.jsonl", help="questions as JSON lines ('-' for standard input)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_search)

    p = sub.add_parser("eval", help="measure retrieval or answers against a gold set")
    eval_sub = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    e = eval_sub.add_parser("retrieval", help="recall@k, MRR and evidence recall for hybrid, dense and BM25")
    e.add_argument("--dataset", default="evaluations/dev.jsonl", help="JSON lines gold set")
    e.add_argument("--top-k", type=int, default=5)
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(handler=cmd_eval)
    e = eval_sub.add_parser("answers", help="must_include coverage, refusals, injections, citation "
                                            "precision and supported sentences")
    e.add_argument("--dataset", default="evaluations/dev.jsonl", help="JSON lines gold set")
    e.add_argument("--backend", choices=["extractive", "local", "openai"], default=None)
    e.add_argument("--json", action="store_true", help="print JSON")
    e.set_defaults(handler=cmd_eval_answers)

    p = sub.add_parser("ask", help="answer a question from the documents, with citations",
                       description="Answer from the indexed documents only; every sentence cites its "
                       "passage, and a question the documents do not cover is refused. Batch mode reads "
                       "JSON lines {\"id\", \"question\"} and writes one JSON line per input: {\"id\", "
                       "\"answer\", \"refused\", \"citations\": [{n, doc_id, title, section, quote, text, "
                       "...}], \"unsupported\", \"backend\", ...}.")
    p.add_argument("question", nargs="*", metavar="QUESTION")
    p.add_argument("--backend", choices=["extractive", "local", "openai"], default=None,
                   help="default: setting backend (extractive)")
    p.add_argument("--doc", action="append", default=[], metavar="DOC_ID", help="only this document (repeatable)")
    p.add_argument("--kind", action="append", default=[], choices=["national", "local"], help="only this kind")
    p.add_argument("--step", type=int, metavar="N", help="ask at step N of the cycle, as a workspace's "
                   "step page does: the answer favours passages about that step")
    p.add_argument("--batch", metavar="FILE.jsonl", help="questions as JSON lines ('-' for standard input)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(handler=cmd_ask)

    cli_steps.register(sub)
    cli_users.register(sub)

    p = sub.add_parser("serve", help="run the web app")
    p.add_argument("--host", help="default: setting host (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: setting port (8080)")
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("settings", help="show every setting, its value and what it does")
    p.set_defaults(handler=cmd_settings)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `assistant` console script."""
    args = build_parser().parse_args(argv)
    if getattr(args, "top_k", None) is not None and not 1 <= args.top_k <= 100:
        return _fail("--top-k must be between 1 and 100")
    try:
        settings = get_settings()
    except ValueError as err:
        return _fail(f"a setting is not valid: {err}")
    try:
        return args.handler(args, settings)
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except BrokenPipeError:
        return 0


def run() -> None:
    """Console entry point: run, flush, and leave without the slow interpreter teardown.

    Tearing down torch and Chroma takes seconds at exit and does nothing useful here:
    every write has already been committed when a command returns.
    """
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
