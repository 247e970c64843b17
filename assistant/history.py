"""Conversation history and feedback on answers.

A conversation belongs to one user and holds turns: each a question and the answer
given, stored as the JSON of :meth:`assistant.answer.Answer.as_json` so a reopened
conversation shows exactly the citations it showed first. Feedback (helpful or not,
with a comment) is one per user per answer; giving it again replaces it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.accounts import User, UserRow, allowed, can_read_conversation
from assistant.database import Base, UTCDateTime, transaction, utcnow
from assistant.settings import Settings

TITLE_MAX = 80
MAX_COMMENT = 2000


class NotFound(LookupError):
    """No conversation or answer with that id."""


class NotAllowed(PermissionError):
    """The conversation or answer belongs to someone else."""


class ConversationRow(Base):
    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=lambda: uuid.uuid4().hex)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class TurnRow(Base):
    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("conversation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    position: Mapped[int]
    question: Mapped[str] = mapped_column(Text)
    answer_json: Mapped[str] = mapped_column(Text)
    backend: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("turn_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("turns.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class Feedback:
    """One user's verdict on one answer."""

    id: int
    turn_id: int
    user_id: int
    helpful: bool
    comment: str
    created_at: datetime


@dataclass(frozen=True)
class Turn:
    """A question and its answer (the ``Answer.as_json()`` dict), with the reader's feedback."""

    id: int
    position: int
    question: str
    answer: dict
    backend: str
    created_at: datetime
    feedback: Feedback | None = None


@dataclass(frozen=True)
class Conversation:
    """A conversation; ``turns`` is empty in listings and filled by :func:`get_conversation`."""

    id: str
    user_id: int
    owner: str
    title: str
    created_at: datetime
    updated_at: datetime
    turns: tuple[Turn, ...] = ()


def _feedback(row: FeedbackRow) -> Feedback:
    return Feedback(row.id, row.turn_id, row.user_id, row.helpful, row.comment, row.created_at)


def _conversation(row: ConversationRow, owner: str, turns: tuple[Turn, ...] = ()) -> Conversation:
    return Conversation(row.id, row.user_id, owner, row.title, row.created_at, row.updated_at, turns)


def _title(text: str) -> str:
    title = " ".join(text.split()) or "Untitled conversation"
    return title if len(title) <= TITLE_MAX else title[:TITLE_MAX - 1].rstrip() + "…"


def _readable(session, conversation_id: str, user: User) -> tuple[ConversationRow, str]:
    found = session.execute(select(ConversationRow, UserRow.name).join(UserRow)
                            .where(ConversationRow.id == conversation_id)).first()
    if found is None:
        raise NotFound(f"no conversation with id {conversation_id!r}")
    if not can_read_conversation(user, found[0]):
        raise NotAllowed("that conversation belongs to someone else")
    return found[0], found[1]


# --- conversations ---------------------------------------------------------------

def start_conversation(settings: Settings, user_id: int, title: str) -> Conversation:
    """A new, empty conversation for ``user_id``, titled by its first question."""
    with transaction(settings) as session:
        owner = session.get(UserRow, user_id)
        if owner is None:
            raise NotFound(f"no user with id {user_id}")
        row = ConversationRow(user_id=user_id, title=_title(title))
        session.add(row)
        session.flush()
        return _conversation(row, owner.name)


def add_turn(settings: Settings, conversation_id: str, question: str, answer_dict: dict,
             backend: str) -> Turn:
    """Append a question and its answer to a conversation (the caller checked who may)."""
    answer_json = json.dumps(answer_dict, ensure_ascii=False)
    for attempt in range(3):
        try:
            with transaction(settings) as session:
                conversation = session.get(ConversationRow, conversation_id)
                if conversation is None:
                    raise NotFound(f"no conversation with id {conversation_id!r}")
                last = session.scalar(select(func.max(TurnRow.position))
                                      .where(TurnRow.conversation_id == conversation_id))
                row = TurnRow(conversation_id=conversation_id, position=(last or 0) + 1,
                              question=question, answer_json=answer_json, backend=backend)
                session.add(row)
                conversation.updated_at = utcnow()
                session.flush()
                return Turn(row.id, row.position, question, json.loads(answer_json), backend, row.created_at)
        except IntegrityError:
            # Two answers landing at once took the same position; the next try sees both.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def list_conversations(settings: Settings, user: User, all_users: bool = False) -> list[Conversation]:
    """``user``'s conversations, latest first; an admin may ask for everyone's."""
    if all_users and not allowed(user, "read_any_conversation"):
        raise NotAllowed("only an admin may list everyone's conversations")
    query = select(ConversationRow, UserRow.name).join(UserRow)
    if not all_users:
        query = query.where(ConversationRow.user_id == user.id)
    query = query.order_by(ConversationRow.updated_at.desc(), ConversationRow.created_at.desc())
    with transaction(settings) as session:
        return [_conversation(row, owner) for row, owner in session.execute(query)]


def get_conversation(settings: Settings, conversation_id: str, user: User) -> Conversation:
    """A conversation with its turns, and ``user``'s feedback on each answer.

    Raises :class:`NotFound` for an unknown id and :class:`NotAllowed` for another
    user's conversation (admins may read any).
    """
    with transaction(settings) as session:
        row, owner = _readable(session, conversation_id, user)
        turns = session.scalars(select(TurnRow).where(TurnRow.conversation_id == row.id)
                                .order_by(TurnRow.position)).all()
        verdicts = {f.turn_id: _feedback(f) for f in session.scalars(
            select(FeedbackRow).where(FeedbackRow.user_id == user.id,
                                      FeedbackRow.turn_id.in_([t.id for t in turns])))}
        return _conversation(row, owner, tuple(
            Turn(t.id, t.position, t.question, json.loads(t.answer_json), t.backend, t.created_at,
                 verdicts.get(t.id)) for t in turns))


def delete_conversation(settings: Settings, conversation_id: str, user: User) -> None:
    """Delete a conversation, its turns and their feedback (owner or admin)."""
    with transaction(settings) as session:
        row, _ = _readable(session, conversation_id, user)
        session.delete(row)


# --- feedback --------------------------------------------------------------------

def record_feedback(settings: Settings, turn_id: int, user: User, helpful: bool,
                    comment: str = "") -> Feedback:
    """Store ``user``'s verdict on an answer they can read, replacing an earlier one."""
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise ValueError(f"the comment is too long: at most {MAX_COMMENT} characters")
    with transaction(settings) as session:
        turn = session.get(TurnRow, turn_id)
        if turn is None:
            raise NotFound(f"no answer with id {turn_id}")
        _readable(session, turn.conversation_id, user)
        row = session.scalar(select(FeedbackRow).where(FeedbackRow.turn_id == turn_id,
                                                        FeedbackRow.user_id == user.id))
        if row is None:
            row = FeedbackRow(turn_id=turn_id, user_id=user.id)
            session.add(row)
        row.helpful, row.comment, row.created_at = bool(helpful), comment, utcnow()
        session.flush()
        return _feedback(row)


def export_feedback(settings: Settings) -> list[dict]:
    """Every piece of feedback with the question and answer it judges, oldest first.

    One dict per line of a JSON-lines file, for evaluation.
    """
    query = (select(FeedbackRow, TurnRow, UserRow.name).join(TurnRow, FeedbackRow.turn_id == TurnRow.id)
             .join(UserRow, FeedbackRow.user_id == UserRow.id)
             .order_by(FeedbackRow.created_at, FeedbackRow.id))
    with transaction(settings) as session:
        rows = session.execute(query).all()
    lines = []
    for feedback, turn, name in rows:
        answer = json.loads(turn.answer_json)
        lines.append({"time": feedback.created_at.isoformat(), "user": name, "helpful": feedback.helpful,
                      "comment": feedback.comment, "conversation_id": turn.conversation_id,
                      "turn_id": turn.id, "question": turn.question, "answer": answer.get("answer", ""),
                      "refused": answer.get("refused", False), "citations": answer.get("citations", []),
                      "unsupported": answer.get("unsupported", []), "backend": turn.backend})
    return lines


# --- export ----------------------------------------------------------------------

def conversation_markdown(conversation: Conversation) -> str:
    """The conversation as Markdown: each question, its answer with [n] marks, and sources."""
    lines = [f"# {conversation.title}", "",
             f"Conversation of {conversation.created_at:%d %B %Y, %H:%M} UTC, "
             f"exported from the Commissioning Guidance Assistant.", ""]
    for turn in conversation.turns:
        answer = turn.answer
        lines += [f"## {turn.position}. {' '.join(turn.question.split())}", ""]
        if answer.get("fallback"):
            lines += [f"*Note: {answer['fallback']}*", ""]
        lines += [answer.get("answer", "") or "(no answer)", ""]
        if answer.get("unsupported"):
            lines += ["**Not supported by the documents** (not part of the answer):", ""]
            lines += [f"- {sentence}" for sentence in answer["unsupported"]] + [""]
        refused = answer.get("refused", False)
        sources = answer.get("related", []) if refused else answer.get("citations", [])
        if sources:
            lines += ["**Nearest passages**" if refused else "**Sources**", ""]
        for c in sources:
            where = f", section {c['section']}" if c.get("section") else ""
            when = f" ({c['date']})" if c.get("date") else ""
            quote = " ".join(str(c.get("quote") or c.get("text", "")).split())
            lines += [f"[{c['n']}] *{c['title']}*{where}{when}", "", f"> {quote}", ""]
    return "\n".join(lines).rstrip() + "\n"
