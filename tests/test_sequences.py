"""A question asking for a whole numbered run ("what are the nine steps?") is answered
with the run's headings, in order, each quoted from its document; a question about one
step, or the steps of a task, is not."""

from __future__ import annotations

import pytest

from assistant.answering import Answerer
from assistant.catalog import Catalog
from assistant.sequences import asked
from fixtures.documents import small_library

STEPS = ["Step 1. Gather the views of families", "Step 2. Agree the priorities for the year",
         "Step 3. Buy the services", "Step 4. Check the results with families"]
BODIES = ["Family panels meet each quarter to say what works and what does not.",
          "The partnership board ranks the gaps against the money it holds.",
          "Contracts run for three years and are tendered in the open.",
          "Each contract is reviewed with the family panels before it is renewed."]
CYCLE_GUIDE = (
    "# Family Support Cycle Guide\n\n"
    "The family support cycle has four steps, which partners follow in order.\n\n"
    + "".join(f"## {step}\n\n{body}\n\n" for step, body in zip(STEPS, BODIES))
    # A run whose headings say nothing but their number is no list of anything.
    + "## Phase 1\n\nWork began in the north of the county.\n\n"
    "## Phase 2\n\nWork spread to the south of the county.\n\n"
    "## Phase 3\n\nWork reached the whole county.\n")


@pytest.fixture(scope="module")
def answerer(tmp_path_factory) -> Answerer:
    return Answerer(small_library(tmp_path_factory.mktemp("sequences"),
                                  {"Family Support Cycle Guide": ("cycle.md", CYCLE_GUIDE)}))


@pytest.mark.parametrize("question, labels, count", [
    ("What are the nine steps of the joint planning and commissioning cycle?", "Step", 9),
    ("List the 11 world class commissioning competencies", "Competency", 11),
    ("name the three phases of commissioning", "Phase", 3),
    ("what are the stages of the commissioning cycle?", "Stage", None),
])
def test_a_question_asking_for_the_whole_run_is_recognised(question, labels, count):
    want = asked(question)
    assert want is not None and want.labels[0] == labels and want.count == count


@pytest.mark.parametrize("question", [
    "What are the steps in step 6?",             # one member of the run
    "Which steps involve pooled budgets?",       # some of them
    "What is the first step of the cycle?",
    "What are the steps to take before tendering?",  # the steps of a task
    "What are the stages involved in setting up a pooled budget?",
    "What does the cycle say about outcomes?",
])
def test_a_question_about_part_of_a_run_or_a_task_is_not(question):
    assert asked(question) is None


def test_the_whole_run_is_listed_in_order_each_heading_quoted(answerer):
    answer = answerer.ask("What are the four steps of the family support cycle?")
    assert not answer.refused
    assert [c.quote for c in answer.citations] == STEPS
    assert [s.cites for s in answer.sentences] == [[1], [2], [3], [4]]
    text = Catalog(answerer.settings.catalog_path).document_text(answer.citations[0].doc_id)
    for c in answer.citations:
        assert text[c.quote_start:c.quote_end] == c.quote
    assert answer.text.index("Gather the views") < answer.text.index("Check the results")


def test_what_else_the_question_asks_follows_the_run(answerer):
    answer = answerer.ask("What are the four steps of the family support cycle, and do partners take them in order?")
    assert [c.quote for c in answer.citations][:4] == STEPS
    assert "follow in order" in answer.text.split(STEPS[-1])[1]


def test_a_count_the_documents_do_not_give_is_not_answered_with_the_run(answerer):
    answer = answerer.ask("What are the six steps of the family support cycle?")
    assert [c.quote for c in answer.citations] != STEPS


def test_headings_that_say_only_their_number_make_no_run(answerer):
    answer = answerer.ask("What are the three phases of the family support work?")
    assert not any(c.quote.startswith("Phase") for c in answer.citations)


def test_the_run_is_sought_only_in_the_documents_asked_about(answerer):
    other = [d.doc_id for d in Catalog(answerer.settings.catalog_path).documents()
             if d.title != "Family Support Cycle Guide"]
    answer = answerer.ask("What are the four steps of the family support cycle?", doc_ids=other)
    assert not any(c.quote in STEPS for c in answer.citations)
