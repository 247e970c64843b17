"""Conversation history and feedback on a real SQLite database."""

from __future__ import annotations

import json

import pytest

from assistant import accounts, history
from assistant.answer import Answer, AnswerSentence, Citation
from assistant.history import NotAllowed, NotFound

PASSWORD = "correct horse battery"


pytestmark = pytest.mark.usefixtures("close_databases")


@pytest.fixture
def people(db):
    """Three accounts: two commissioners and an admin."""
    return {name: accounts.create_user(db, name, role, PASSWORD)
            for name, role in (("cara", "commissioner"), ("dev", "lead"), ("ada", "admin"))}


def cited_answer(question: str = "What goes into a JSNA?") -> dict:
    """An answer as `assistant ask --json` gives it, with two citations and an unsupported sentence."""
    citations = [
        Citation(n=1, doc_id="jsna-guide", title="JSNA guidance", section="8.1",
                 quote="The JSNA describes the health and wellbeing needs of the local population.",
                 quote_start=120, quote_end=195, text="8.1 Scope. The JSNA describes the health and "
                 "wellbeing needs of the local population. It informs the CYPP.", start=100, end=230,
                 heading_path=["Part 8", "8.1 Scope"], date="2007"),
        Citation(n=2, doc_id="ecm-cycle", title="Every Child Matters: joint planning and commissioning",
                 section="Step 1", quote="Understand needs, using the JSNA & \"local intelligence\".",
                 quote_start=10, quote_end=64, text="Step 1. Understand needs, using the JSNA & "
                 "\"local intelligence\".", start=0, end=70, heading_path=["The nine steps"], date="2006"),
    ]
    answer = Answer(question=question, citations=citations, sentences=[
        AnswerSentence("The JSNA describes the needs of the local population.", [1]),
        AnswerSentence("Commissioners start the cycle from it.", [2]),
        AnswerSentence("It is published every March.", [], supported=False),
    ])
    return answer.as_json()


def refused_answer() -> dict:
    related = Citation(n=1, doc_id="wcc", title="World Class Commissioning", section="Competency 3",
                       quote="Engage with the public.", quote_start=0, quote_end=23,
                       text="Engage with the public.", start=0, end=23)
    return Answer(question="What is the 2027 budget?", refused=True, related=[related],
                  refusal="The framework documents don't cover this: no document gives that amount.").as_json()


# --- conversations ---------------------------------------------------------------

def test_a_conversation_comes_back_with_its_citations_intact(db, people):
    cara = people["cara"]
    answer = cited_answer()
    conversation = history.start_conversation(db, cara.id, "What goes into a JSNA?")
    assert len(conversation.id) == 32 and conversation.owner == "cara" and conversation.turns == ()
    first = history.add_turn(db, conversation.id, "What goes into a JSNA?", answer, "extractive")
    second = history.add_turn(db, conversation.id, "And who writes it?", refused_answer(), "local")
    assert (first.position, second.position) == (1, 2)

    again = history.get_conversation(db, conversation.id, cara)
    assert [t.question for t in again.turns] == ["What goes into a JSNA?", "And who writes it?"]
    assert again.turns[0].answer == answer
    assert again.turns[0].answer["citations"][1]["quote"] == "Understand needs, using the JSNA & \"local intelligence\"."
    assert again.turns[0].answer["answer"] == ("The JSNA describes the needs of the local population. [1] "
                                               "Commissioners start the cycle from it. [2]")
    assert again.turns[1].answer == refused_answer() and again.turns[1].backend == "local"
    assert again.updated_at >= again.created_at and again.turns[0].feedback is None
    assert json.dumps(again.turns[0].answer)  # still plain JSON, ready for the API


def test_titles_are_trimmed_to_80_characters(db, people):
    long = "How should the   joint commissioning board\nreview " + "the pooled budget " * 10
    conversation = history.start_conversation(db, people["cara"].id, long)
    assert len(conversation.title) == 80 and conversation.title.endswith("…")
    assert "\n" not in conversation.title and "  " not in conversation.title
    assert history.start_conversation(db, people["cara"].id, "   ").title == "Untitled conversation"


def test_each_user_lists_their_own_conversations_latest_first(db, people):
    cara, dev, ada = people["cara"], people["dev"], people["ada"]
    older = history.start_conversation(db, cara.id, "first")
    newer = history.start_conversation(db, cara.id, "second")
    theirs = history.start_conversation(db, dev.id, "dev's")
    assert [c.id for c in history.list_conversations(db, cara)] == [newer.id, older.id]
    history.add_turn(db, older.id, "first", cited_answer(), "extractive")  # answering moves it up
    assert [c.id for c in history.list_conversations(db, cara)] == [older.id, newer.id]
    assert [c.id for c in history.list_conversations(db, dev)] == [theirs.id]
    assert history.list_conversations(db, ada) == []
    everyone = history.list_conversations(db, ada, all_users=True)
    assert {c.id for c in everyone} == {older.id, newer.id, theirs.id}
    assert {c.owner for c in everyone} == {"cara", "dev"}
    with pytest.raises(NotAllowed):
        history.list_conversations(db, cara, all_users=True)


def test_another_users_conversation_is_refused_and_admins_may_read_it(db, people):
    cara, dev, ada = people["cara"], people["dev"], people["ada"]
    conversation = history.start_conversation(db, cara.id, "private")
    history.add_turn(db, conversation.id, "private", cited_answer(), "extractive")
    with pytest.raises(NotAllowed):
        history.get_conversation(db, conversation.id, dev)
    with pytest.raises(NotAllowed):
        history.delete_conversation(db, conversation.id, dev)
    read = history.get_conversation(db, conversation.id, ada)
    assert read.owner == "cara" and len(read.turns) == 1
    with pytest.raises(NotFound):
        history.get_conversation(db, "0" * 32, cara)
    with pytest.raises(NotFound):
        history.add_turn(db, "0" * 32, "q", cited_answer(), "extractive")
    with pytest.raises(NotFound):
        history.start_conversation(db, 999, "nobody's")


def test_deleting_a_conversation_removes_its_turns_and_feedback(db, people):
    cara = people["cara"]
    conversation = history.start_conversation(db, cara.id, "to delete")
    turn = history.add_turn(db, conversation.id, "to delete", cited_answer(), "extractive")
    history.record_feedback(db, turn.id, cara, False, "wrong section")
    history.delete_conversation(db, conversation.id, cara)
    with pytest.raises(NotFound):
        history.get_conversation(db, conversation.id, cara)
    assert history.export_feedback(db) == []
    with pytest.raises(NotFound):
        history.record_feedback(db, turn.id, cara, True)


def test_deleting_a_user_deletes_their_conversations(db, people):
    cara, ada = people["cara"], people["ada"]
    conversation = history.start_conversation(db, cara.id, "mine")
    turn = history.add_turn(db, conversation.id, "mine", cited_answer(), "extractive")
    history.record_feedback(db, turn.id, ada, True)
    accounts.delete_user(db, "cara")
    assert history.list_conversations(db, ada, all_users=True) == []
    assert history.export_feedback(db) == []


# --- Markdown export -------------------------------------------------------------

def test_markdown_export_has_questions_answers_marks_and_sources(db, people):
    cara = people["cara"]
    conversation = history.start_conversation(db, cara.id, "What goes into a JSNA?")
    history.add_turn(db, conversation.id, "What goes into a JSNA?", cited_answer(), "extractive")
    history.add_turn(db, conversation.id, "What is the 2027 budget?", refused_answer(), "extractive")
    text = history.conversation_markdown(history.get_conversation(db, conversation.id, cara))

    assert text.startswith("# What goes into a JSNA?\n")
    assert f"{conversation.created_at:%d %B %Y}" in text
    assert "## 1. What goes into a JSNA?" in text and "## 2. What is the 2027 budget?" in text
    assert "The JSNA describes the needs of the local population. [1] Commissioners start the cycle from it. [2]" in text
    assert "[1] *JSNA guidance*, section 8.1 (2007)" in text
    assert "> The JSNA describes the health and wellbeing needs of the local population." in text
    assert "[2] *Every Child Matters: joint planning and commissioning*, section Step 1 (2006)" in text
    assert "> Understand needs, using the JSNA & \"local intelligence\"." in text
    unsupported = text.index("**Not supported by the documents**")
    assert text.index("- It is published every March.") > unsupported
    assert text.index("It is published every March.") > text.index("[2]")  # never inside the answer
    assert "The framework documents don't cover this: no document gives that amount." in text
    assert "**Nearest passages**" in text and "[1] *World Class Commissioning*, section Competency 3" in text
    assert text.index("**Sources**") < text.index("## 2.")


# --- feedback --------------------------------------------------------------------

def test_feedback_is_one_per_user_per_answer_and_exports_for_evaluation(db, people):
    cara, ada = people["cara"], people["ada"]
    conversation = history.start_conversation(db, cara.id, "What goes into a JSNA?")
    turn = history.add_turn(db, conversation.id, "What goes into a JSNA?", cited_answer(), "extractive")
    history.record_feedback(db, turn.id, cara, False, "missed the CYPP link")
    replaced = history.record_feedback(db, turn.id, cara, True, "  useful after all  ")
    assert replaced.helpful and replaced.comment == "useful after all"
    history.record_feedback(db, turn.id, ada, False)  # an admin reviewing it

    mine = history.get_conversation(db, conversation.id, cara).turns[0].feedback
    assert mine is not None and mine.helpful and mine.comment == "useful after all"
    assert history.get_conversation(db, conversation.id, ada).turns[0].feedback.helpful is False

    lines = history.export_feedback(db)
    assert [(line["user"], line["helpful"], line["comment"]) for line in lines] == [
        ("cara", True, "useful after all"), ("ada", False, "")]
    first = lines[0]
    assert first["question"] == "What goes into a JSNA?"
    assert first["answer"] == cited_answer()["answer"]
    assert first["citations"] == cited_answer()["citations"]
    assert first["unsupported"] == ["It is published every March."]
    assert first["backend"] == "extractive" and first["conversation_id"] == conversation.id
    assert first["time"].endswith("+00:00")
    assert all(json.loads(json.dumps(line)) == line for line in lines)


def test_feedback_rules(db, people):
    cara, dev = people["cara"], people["dev"]
    conversation = history.start_conversation(db, cara.id, "q")
    turn = history.add_turn(db, conversation.id, "q", cited_answer(), "extractive")
    with pytest.raises(NotAllowed):
        history.record_feedback(db, turn.id, dev, True)
    with pytest.raises(ValueError, match="at most 2000"):
        history.record_feedback(db, turn.id, cara, True, "x" * 2001)
    history.record_feedback(db, turn.id, cara, True, "x" * 2000)
    with pytest.raises(NotFound):
        history.record_feedback(db, 12345, cara, True)
    assert len(history.export_feedback(db)) == 1
