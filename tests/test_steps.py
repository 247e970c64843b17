"""The nine-step model (corpus/steps.yaml): its shape, its citations against the corpus, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml

from assistant import manifest, steps
from assistant.settings import Settings
from conftest import SHIPPED_CORPUS

ACTIVITY = {1: "Assess", 2: "Assess", 3: "Assess", 4: "Plan", 5: "Plan",
            6: "Do", 7: "Do", 8: "Do", 9: "Review"}
PHASE = {1: 1, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 7: 2, 8: 2, 9: 3}


@pytest.fixture(scope="module")
def cycle() -> steps.Cycle:
    return steps.load(Settings(corpus_dir=SHIPPED_CORPUS, _env_file=None))


def raw_text(corpus_dir):
    """doc_id -> the document file's text, as the manifest lists it."""
    files = {e.id: e.file for e in manifest.load(corpus_dir / "manifest.yaml")}

    def read(doc_id: str) -> str | None:
        return (corpus_dir / files[doc_id]).read_text(encoding="utf-8") if doc_id in files else None

    return read


def test_nine_steps_in_order_with_activity_and_phase(cycle):
    assert [s.number for s in cycle.steps] == list(range(1, 10))
    assert {s.number: s.activity for s in cycle.steps} == ACTIVITY
    assert {s.number: s.phase for s in cycle.steps} == PHASE
    assert [p.steps for p in cycle.phases] == [(1, 2, 3, 4, 5), (6, 7, 8), (9,)]
    assert [a.name for a in cycle.activities] == ["Assess", "Plan", "Do", "Review"]
    assert [p.name for p in cycle.phases] == [
        "Needs assessment and strategic planning", "Shaping and managing the market",
        "Improving performance, monitoring and evaluating"]


def test_every_quote_is_verbatim_in_the_cited_document(cycle):
    citations = cycle.all_citations()
    assert len(citations) > 150
    assert steps.check_quotes(cycle, raw_text(SHIPPED_CORPUS)) == []


def test_every_step_has_guidance_of_each_kind(cycle):
    for step in cycle.steps:
        assert step.wording and step.summary and step.citations, step.number
        assert len({v.doc_id for v in step.frameworks}) >= 2, step.number
        assert step.questions and step.evidence and step.outputs, step.number
        assert cycle.competencies_for(step), step.number
    assert len(cycle.competencies) == 11
    # Phase 2 competencies include stimulating the market; phase 3 ones do not.
    assert "Stimulate the market" in [c.name for c in cycle.competencies_for(cycle.step(6))]
    assert "Stimulate the market" not in [c.name for c in cycle.competencies_for(cycle.step(9))]


def test_the_cycle_wraps_round(cycle):
    assert cycle.next(9).number == 1 and cycle.previous(1).number == 9
    assert cycle.next(4).number == 5 and cycle.previous(4).number == 3
    with pytest.raises(KeyError, match="no step 10"):
        cycle.step(10)


def test_a_wrong_quote_or_unknown_document_is_reported(cycle):
    data = yaml.safe_load(steps.path_for(Settings(corpus_dir=SHIPPED_CORPUS, _env_file=None))
                          .read_text(encoding="utf-8"))
    data["steps"][2]["questions"][0]["citations"][0]["quote"] = "Commissioners must consult the oracle."
    data["steps"][3]["evidence"][0]["citations"][0]["doc_id"] = "no-such-document"
    problems = steps.check_quotes(steps.parse(data), raw_text(SHIPPED_CORPUS))
    assert len(problems) == 2
    assert "quote not found: 'Commissioners must consult the oracle.'" in problems[0]
    assert "'no-such-document'" in problems[1]


def test_a_statement_without_a_citation_is_refused_when_loading(cycle, tmp_path):
    text = steps.path_for(Settings(corpus_dir=SHIPPED_CORPUS, _env_file=None)).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["steps"][0]["outputs"][0]["citations"] = []
    with pytest.raises(steps.StepModelError, match="has no citation"):
        steps.parse(data)
    data = yaml.safe_load(text)
    data["steps"][5]["activity"] = "Plan"
    with pytest.raises(steps.StepModelError, match="step 6: its phase and activity disagree"):
        steps.parse(data)
    (tmp_path / "steps.yaml").write_text("steps: [oops", encoding="utf-8")
    with pytest.raises(steps.StepModelError, match="not readable YAML"):
        steps.load(Settings(corpus_dir=tmp_path, _env_file=None))
    with pytest.raises(steps.StepModelError, match="is missing"):
        steps.load(Settings(corpus_dir=tmp_path / "nowhere", _env_file=None))


def test_local_guidance_per_step_is_loaded(cycle, tmp_path):
    text = steps.path_for(Settings(corpus_dir=SHIPPED_CORPUS, _env_file=None)).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["steps"][6]["local"] = [{"text": "Use the Anytown pooled budget protocol.", "citations": [
        {"doc_id": "anytown-protocol", "section": "2", "quote": "pooled budgets are agreed by the board"}]}]
    (tmp_path / "steps.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    step = steps.load(Settings(corpus_dir=tmp_path, _env_file=None)).step(7)
    assert [i.text for i in step.local] == ["Use the Anytown pooled budget protocol."]
    assert step.local[0].citations[0].doc_id == "anytown-protocol"


def test_locate_finds_a_quote_across_line_breaks():
    text = "Part 6.\n  Decide together how best\n\tto deliver outcomes."
    start, end = steps.locate("Decide together how best to deliver outcomes.", text)
    assert text[start:end] == "Decide together how best\n\tto deliver outcomes."
    assert steps.locate("not there", text) is None


# --- the CLI ------------------------------------------------------------------------------

def run(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_CORPUS_DIR"] = str(SHIPPED_CORPUS)
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_lists_the_steps_as_json():
    done = run("steps", "--json")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [s["number"] for s in listed] == list(range(1, 10))
    assert {s["number"]: (s["activity"], s["phase"]) for s in listed} == \
        {n: (ACTIVITY[n], PHASE[n]) for n in ACTIVITY}
    for s in listed:
        assert set(s) == {"number", "name", "activity", "phase", "summary", "citations"}
        assert s["citations"] and set(s["citations"][0]) == {"doc_id", "section", "quote"}


def test_cli_shows_one_step_whole():
    done = run("steps", "show", "9", "--json")
    assert done.returncode == 0, done.stderr
    step = json.loads(done.stdout)
    assert step["number"] == 9 and step["activity"] == "Review" and step["next"] == 1
    assert step["frameworks"] and step["questions"] and step["evidence"] and step["outputs"]
    text = run("steps", "show", "3")
    assert text.returncode == 0 and "Step 3 of 9" in text.stdout and "Evidence to gather:" in text.stdout
    listing = run("steps")
    assert "Phase 2: Shaping and managing the market" in listing.stdout


def test_cli_refuses_a_step_that_does_not_exist():
    done = run("steps", "show", "10")
    assert done.returncode == 1
    assert "There is no step 10: the cycle has steps 1 to 9." in done.stderr
