"""Asking from the web: validate a question, continue its conversation, store the answer.

One :class:`AskBody` validates the chat form (``POST /ask``) and the JSON API
(``POST /api/ask``, ``POST /api/ask/stream``), so all three refuse the same input with the
same messages. :func:`prepare` checks everything that can be refused before any work
starts (the question, the documents, the conversation); :func:`store` files the answer as
a turn of the user's conversation, starting one for a first question.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Literal

from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant import history
from assistant.accounts import User
from assistant.answer import Answer
from assistant.answering import BACKENDS, Answerer, Conversation
from assistant.manifest import Kind
from assistant.query import MAX_QUESTION_CHARS, QuestionError, clean_question
from assistant.settings import Settings

BACKEND_LABELS = {
    "extractive": "Quotes from the documents (fast, recommended)",
    "local": "Local language model (slower; every sentence is checked against the documents)",
    "openai": "Language model server (every sentence is checked against the documents)",
}
NOT_YOURS = ("There is no conversation of yours at this address. Your conversations are "
             "listed under History.")


class AskBody(BaseModel):
    """A question for the assistant (the JSON body of ``POST /api/ask`` and ``/api/ask/stream``)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=MAX_QUESTION_CHARS * 4,
                          description="The question, as a commissioner would type it "
                                      f"(at most {MAX_QUESTION_CHARS} characters).")
    backend: Literal[BACKENDS] | None = Field(
        None, description="extractive (quotes, no language model), local or openai; "
                          "default: the backend setting.")
    conversation_id: str | None = Field(
        None, max_length=64, description="Continue this conversation: the question may then be a "
                                         "follow-up (\"and who chairs it?\"). Omit to start one.")
    doc_ids: list[str] = Field(default_factory=list, max_length=100,
                               description="Only answer from these documents (ids).")
    kinds: list[Kind] = Field(default_factory=list,
                              description="Only answer from national or local documents.")

    @field_validator("question")
    @classmethod
    def _clean(cls, value: str) -> str:
        try:
            return clean_question(value)
        except QuestionError as err:
            raise ValueError(str(err)) from None

    @field_validator("conversation_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


@dataclass
class Prepared:
    """A validated question with what answering it needs."""

    body: AskBody
    user: User
    conversation: Conversation  # the standalone forms of the earlier questions


def available_backends(settings: Settings) -> list[str]:
    """The backends this installation can use: the default first, extractive always."""
    from assistant.llms.model_files import local_model_file

    usable = ["extractive"]
    if local_model_file(settings).is_file() and importlib.util.find_spec("llama_cpp"):
        usable.append("local")
    if settings.backend == "openai":
        usable.append("openai")
    default = settings.backend if settings.backend in usable else "extractive"
    return [default] + [b for b in usable if b != default]


def earlier_questions(settings: Settings, conversation_id: str, user: User) -> Conversation:
    """The conversation a follow-up continues; only its owner may add to it."""
    try:
        found = history.get_conversation(settings, conversation_id, user)
    except (history.NotFound, history.NotAllowed):
        raise HTTPException(404, NOT_YOURS) from None
    if found.user_id != user.id:
        raise HTTPException(403, "Only the person who started a conversation can add to it. "
                                 "Start a new conversation to ask this.")
    return Conversation(questions=[t.answer.get("standalone_question") or t.question
                                   for t in found.turns])


def prepare(answerer: Answerer, body: AskBody, user: User) -> Prepared:
    """Refuse what cannot be answered before anything runs: unknown documents, someone
    else's conversation (HTTP errors, shown as a page or as JSON by :mod:`web.errors`)."""
    known = {d.doc_id for d in answerer.retriever.catalog.documents()}
    unknown = [d for d in body.doc_ids if d not in known]
    if unknown:
        raise HTTPException(422, f"There is no document with id {', '.join(unknown)}; "
                                 "the list of documents shows the ones the assistant has.")
    conversation = (earlier_questions(answerer.settings, body.conversation_id, user)
                    if body.conversation_id else Conversation())
    return Prepared(body, user, conversation)


def store(settings: Settings, prepared: Prepared, answer: Answer) -> tuple[str, history.Turn]:
    """File ``answer`` as the next turn of the conversation (a new one for a first question)."""
    conversation_id = prepared.body.conversation_id
    if conversation_id is None:
        conversation_id = history.start_conversation(settings, prepared.user.id, answer.question).id
    turn = history.add_turn(settings, conversation_id, answer.question, answer.as_json(),
                            answer.backend)
    return conversation_id, turn


def ask(answerer: Answerer, prepared: Prepared) -> tuple[dict, str, history.Turn]:
    """Answer and store (blocking: run it in a worker thread). Returns the API's JSON too."""
    body = prepared.body
    answer = answerer.ask(body.question, backend=body.backend, conversation=prepared.conversation,
                          doc_ids=body.doc_ids or None, kinds=body.kinds or None)
    conversation_id, turn = store(answerer.settings, prepared, answer)
    return api_json(answer.as_json(), conversation_id, turn.id), conversation_id, turn


def api_json(answer_json: dict, conversation_id: str, turn_id: int) -> dict:
    """What the API returns: ``assistant ask --json``'s answer with where it was filed."""
    return {**answer_json, "conversation_id": conversation_id, "turn_id": turn_id}
