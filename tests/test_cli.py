"""The `assistant` command end to end, as a user runs it (a real process each time)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from assistant.cli import build_parser
from conftest import SHIPPED_CORPUS
from fixtures.documents import write_small_corpus


def run(tmp_path, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_CORPUS_DIR=str(tmp_path / "corpus"))
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=tmp_path,
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cli_corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    write_small_corpus(root / "corpus")
    first = run(root, "ingest", "-q")
    assert first.returncode == 0, first.stderr
    assert "3 added" in first.stdout
    return root


def test_help_lists_every_command():
    text = build_parser().format_help()
    for command in ("ingest", "documents", "delete", "search", "eval", "serve", "settings"):
        assert command in text


def test_second_ingest_is_a_no_op(cli_corpus):
    again = run(cli_corpus, "ingest", "-q")
    assert again.returncode == 0
    assert "0 added, 0 updated, 3 unchanged" in again.stdout
    assert "0 passages embedded" in again.stdout


def test_search_json_names_document_section_and_passage(cli_corpus):
    out = run(cli_corpus, "search", "how long do families wait for speech therapy?", "--json", "--top-k", "3")
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["results"]
    assert 1 <= len(results) <= 3
    top = results[0]
    assert {"doc_id", "title", "section", "text", "score"} <= set(top)
    assert "eighteen weeks" in top["text"]


def test_batch_search_writes_one_line_per_question(cli_corpus):
    questions = [{"id": "q1", "question": "who approves the annual spending plan for the pooled fund?"},
                 {"id": "q2", "question": "speech therapy waiting times"}]
    (cli_corpus / "q.jsonl").write_text("\n".join(json.dumps(q) for q in questions) + "\n")
    out = run(cli_corpus, "search", "--batch", "q.jsonl", "--top-k", "2", "--retriever", "bm25")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["q1", "q2"]
    assert all(len(line["results"]) == 2 for line in lines)
    assert "pooled fund board" in lines[0]["results"][0]["text"].lower()


def test_batch_with_a_broken_line_says_which(cli_corpus):
    (cli_corpus / "bad.jsonl").write_text('{"id": "q1", "question": "pooled budgets"}\nnot json\n')
    out = run(cli_corpus, "search", "--batch", "bad.jsonl")
    assert out.returncode == 2
    assert "bad.jsonl line 2" in out.stderr


def test_refused_file_is_named_with_the_reason_and_changes_nothing(cli_corpus):
    before = run(cli_corpus, "documents", "--json").stdout
    (cli_corpus / "scan.pdf").write_bytes(b"this is plain text pretending to be a PDF")
    out = run(cli_corpus, "ingest", "-q", str(cli_corpus / "scan.pdf"), "--title", "Scan")
    assert out.returncode == 1
    assert "scan.pdf" in out.stderr and "PDF" in out.stderr
    assert run(cli_corpus, "documents", "--json").stdout == before


def test_empty_question_is_refused(cli_corpus):
    out = run(cli_corpus, "search", "   ")
    assert out.returncode == 2
    assert "question" in out.stderr.lower()


def test_ask_batch_writes_answers_with_citations_and_refusals(cli_corpus):
    questions = [{"id": "a1", "question": "How long do families wait for a first speech therapy assessment?"},
                 {"id": "a2", "question": "What is the capital of France?"}]
    (cli_corpus / "ask.jsonl").write_text("\n".join(json.dumps(q) for q in questions) + "\n")
    out = run(cli_corpus, "ask", "--batch", "ask.jsonl")
    assert out.returncode == 0, out.stderr
    first, second = [json.loads(line) for line in out.stdout.splitlines()]
    assert first["id"] == "a1" and not first["refused"] and "eighteen weeks" in first["answer"]
    assert first["backend"] == "extractive" and first["unsupported"] == []
    citation = first["citations"][0]
    assert {"n", "doc_id", "title", "section", "quote", "text"} <= set(citation)
    assert citation["quote"] in citation["text"] or citation["quote"]
    assert second["id"] == "a2" and second["refused"] and second["citations"] == []


def test_ask_at_a_step_of_the_cycle(cli_corpus):
    missing = run(cli_corpus, "ask", "How long do families wait?", "--step", "3")
    assert missing.returncode == 2 and "steps.yaml is missing" in missing.stderr
    shutil.copyfile(SHIPPED_CORPUS / "steps.yaml", cli_corpus / "corpus" / "steps.yaml")
    try:
        wrong = run(cli_corpus, "ask", "How long do families wait?", "--step", "12")
        assert wrong.returncode == 2 and "There is no step 12" in wrong.stderr
        out = run(cli_corpus, "ask", "How long do families wait for a first speech therapy assessment?",
                  "--step", "3", "--json")
        assert out.returncode == 0, out.stderr
        answer = json.loads(out.stdout)
        assert not answer["refused"] and "eighteen weeks" in answer["answer"]
    finally:
        (cli_corpus / "corpus" / "steps.yaml").unlink()
