"""Commissioning workspaces: one exercise walked through the nine-step cycle.

A lead (or an admin) creates a workspace for a real commissioning exercise ("short
breaks for disabled children, 2026–29": its population, scope, time horizon and
partners) and shares it with named colleagues. For each step of the cycle
(:mod:`assistant.steps`) the workspace keeps a status (not started, in progress, done),
notes, decisions, the evidence-checklist items ticked, and evidence: text notes or
uploaded files, checked by content as documents are (:func:`assistant.extract.read_blocks`)
and kept as their extracted text, so they can be searched within the workspace
(:mod:`assistant.workspace_search`). A step's chat is a conversation of :mod:`assistant.history`, linked here.

Who may do what: leads and admins create workspaces; the owner and the people it is
shared with read and change it; admins may read any (not change it). To anyone else a
workspace does not exist: :class:`NotFound`, exactly as for an unknown id, so nobody
learns which ids are in use. Functions take the settings and return frozen dataclasses.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant import steps
from assistant.accounts import User, UserRow, allowed
from assistant.database import Base, UTCDateTime, transaction, utcnow
from assistant.extract import DocumentError, read_blocks
from assistant.settings import Settings

STATUSES = ("not_started", "in_progress", "done")
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done"}
EVIDENCE_KINDS = ("text", "file")

# The exercise's details: field -> (label, most characters). Only the title is required.
DETAILS = {
    "title": ("Title", 120),
    "population": ("Population", 300),
    "scope": ("Scope", 2000),
    "horizon": ("Time horizon", 60),
    "partners": ("Partners", 1000),
}
MAX_NOTES = 20_000       # notes, and decisions, per step
MAX_EVIDENCE_TITLE = 200
MAX_EVIDENCE_TEXT = 20_000
EXCERPT = 300            # characters of an evidence entry shown in lists


class WorkspaceError(ValueError):
    """Input that cannot be saved: ``errors`` maps each field to a sentence saying what to change."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


class NotFound(LookupError):
    """No such workspace, step or evidence, or one the user may not read."""


class NotAllowed(PermissionError):
    """The user may read this workspace but not do this to it."""


# --- tables ----------------------------------------------------------------------

def _new_id() -> str:
    return uuid.uuid4().hex


class WorkspaceRow(Base):
    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(DETAILS["title"][1]))
    population: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    horizon: Mapped[str] = mapped_column(String(DETAILS["horizon"][1]), default="")
    partners: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MemberRow(Base):
    __tablename__ = "workspace_members"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StepRow(Base):
    __tablename__ = "workspace_steps"
    __table_args__ = (UniqueConstraint("workspace_id", "step"),
                      CheckConstraint(f"status IN ({', '.join(repr(s) for s in STATUSES)})",
                                      name="known_status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    step: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="not_started")
    notes: Mapped[str] = mapped_column(Text, default="")
    decisions: Mapped[str] = mapped_column(Text, default="")
    checked: Mapped[str] = mapped_column(Text, default="")  # ticked checklist items, one a line
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EvidenceRow(Base):
    __tablename__ = "workspace_evidence"
    __table_args__ = (CheckConstraint("kind IN ('text', 'file')", name="known_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    step: Mapped[int]
    kind: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(MAX_EVIDENCE_TITLE))
    filename: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)  # a note as typed, or the text read from a file
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StepChatRow(Base):
    """Which conversation is a user's chat at one step of one workspace."""

    __tablename__ = "workspace_chats"
    __table_args__ = (UniqueConstraint("workspace_id", "step", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[str] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    step: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))


# --- what callers see --------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    """A colleague a workspace is shared with."""

    user_id: int
    name: str
    role: str
    added_at: datetime


@dataclass(frozen=True)
class StepRecord:
    """What the workspace holds for one step (a step nobody touched is "not started")."""

    step: int
    status: str = "not_started"
    notes: str = ""
    decisions: str = ""
    checked: tuple[str, ...] = ()
    updated_by: str = ""
    updated_at: datetime | None = None

    @property
    def status_label(self) -> str:
        """The status as people read it: "In progress"."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Evidence:
    """A piece of evidence for a step: a text note, or the text read from an uploaded file.

    ``text`` is only filled by :func:`get_evidence` (a file's text can be long); lists
    carry its first characters in ``excerpt`` and its length in ``chars``.
    """

    id: int
    step: int
    kind: str
    title: str
    filename: str
    excerpt: str
    chars: int
    added_by: str
    created_at: datetime
    text: str | None = None


@dataclass(frozen=True)
class Workspace:
    """A workspace with its sharing, its steps' records and its evidence (without texts)."""

    id: str
    owner_id: int
    owner: str
    title: str
    population: str
    scope: str
    horizon: str
    partners: str
    created_at: datetime
    updated_at: datetime
    members: tuple[Member, ...] = ()
    records: Mapping[int, StepRecord] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()

    def record(self, step: int) -> StepRecord:
        """The record of ``step`` ("not started" and empty if nobody has saved it)."""
        return self.records.get(step) or StepRecord(step)

    def evidence_for(self, step: int) -> list[Evidence]:
        """The evidence of one step, oldest first."""
        return [e for e in self.evidence if e.step == step]

    def progress(self, numbers: Iterable[int]) -> dict[str, int]:
        """How many of the steps ``numbers`` (the cycle's) have each status."""
        counts = dict.fromkeys(STATUSES, 0)
        for number in numbers:
            counts[self.record(number).status] += 1
        return counts

    def is_owner(self, user: User) -> bool:
        """Whether ``user`` created it (only the owner shares or deletes it)."""
        return self.owner_id == user.id

    def can_edit(self, user: User) -> bool:
        """The owner and the people it is shared with change it (admins only read it)."""
        return self.is_owner(user) or any(m.user_id == user.id for m in self.members)


# --- rules -----------------------------------------------------------------------

def can_create(user: User) -> bool:
    """Leads and admins create workspaces."""
    return allowed(user, "create_workspace")


def can_read(user: User, owner_id: int, member_ids: Iterable[int]) -> bool:
    """The owner, the people it is shared with, and admins (who may read everything)."""
    return user.id == owner_id or user.id in set(member_ids) or allowed(user, "read_any_workspace")


def clean_line(value) -> str:
    """``value`` as one line of text: whitespace runs become one space, ends trimmed."""
    return " ".join(str(value or "").split())


def _clean_text(value) -> str:
    """Text as typed, with Windows line ends made plain and outer blank space dropped."""
    return str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def check_details(values: Mapping) -> dict[str, str]:
    """The exercise's details from ``values`` (form fields), cleaned; WorkspaceError if wrong."""
    details = {name: (clean_line if name in ("title", "horizon") else _clean_text)(values.get(name))
               for name in DETAILS}
    errors = {}
    if not details["title"]:
        errors["title"] = ("Enter a title for the workspace, for example: Short breaks for "
                           "disabled children 2026 to 2029")
    for name, (label, most) in DETAILS.items():
        if name not in errors and len(details[name]) > most:
            errors[name] = f"{label} must be {most} characters or fewer (it is {len(details[name])})"
    if errors:
        raise WorkspaceError(errors)
    return details


def _step_model(settings: Settings, step: int) -> steps.Step:
    try:
        return steps.load(settings).step(int(step))
    except (KeyError, ValueError, TypeError):
        raise NotFound(f"there is no step {step!r} in the cycle") from None


# --- reading -----------------------------------------------------------------------

def _names(session, user_ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in user_ids if i is not None}
    if not wanted:
        return {}
    return dict(session.execute(select(UserRow.id, UserRow.name).where(UserRow.id.in_(wanted))).all())


def _members(session, workspace_id: str) -> tuple[Member, ...]:
    rows = session.execute(select(MemberRow, UserRow).join(UserRow, MemberRow.user_id == UserRow.id)
                           .where(MemberRow.workspace_id == workspace_id).order_by(UserRow.name)).all()
    return tuple(Member(u.id, u.name, u.role, m.added_at) for m, u in rows)


def readable(session, workspace_id: str, user: User) -> tuple[WorkspaceRow, tuple[Member, ...]]:
    """The workspace if ``user`` may read it; NotFound otherwise (unknown or not theirs alike)."""
    row = session.get(WorkspaceRow, str(workspace_id)) if workspace_id else None
    if row is None:
        raise NotFound(f"no workspace with id {workspace_id!r}")
    members = _members(session, row.id)
    if not can_read(user, row.owner_id, (m.user_id for m in members)):
        raise NotFound(f"no workspace with id {workspace_id!r}")
    return row, members


def _editable(session, workspace_id: str, user: User) -> WorkspaceRow:
    row, members = readable(session, workspace_id, user)
    if user.id != row.owner_id and user.id not in {m.user_id for m in members}:
        raise NotAllowed("only the owner and the people it is shared with can change this workspace")
    return row


def _require_editable(settings: Settings, workspace_id: str, user: User) -> None:
    """Refuse someone who may not change the workspace before looking at what they sent:
    a message about their input would tell them that the workspace exists."""
    with transaction(settings) as session:
        _editable(session, workspace_id, user)


def _owned(session, workspace_id: str, user: User) -> WorkspaceRow:
    row, _ = readable(session, workspace_id, user)
    if user.id != row.owner_id:
        raise NotAllowed("only the owner of a workspace can share it, stop sharing it or delete it")
    return row


def _record(row: StepRow, names: dict[int, str]) -> StepRecord:
    checked = tuple(line for line in row.checked.split("\n") if line)
    return StepRecord(row.step, row.status, row.notes, row.decisions, checked,
                      names.get(row.updated_by, ""), row.updated_at)


_EVIDENCE_COLUMNS = (EvidenceRow.id, EvidenceRow.step, EvidenceRow.kind, EvidenceRow.title,
                     EvidenceRow.filename, func.substr(EvidenceRow.text, 1, EXCERPT + 1),
                     func.length(EvidenceRow.text), EvidenceRow.added_by, EvidenceRow.created_at)


def _evidence(values, names: dict[int, str], text: str | None = None) -> Evidence:
    eid, step, kind, title, filename, head, chars, added_by, created_at = values
    excerpt = " ".join(head.split())
    if chars > EXCERPT:
        excerpt = excerpt[:EXCERPT].rsplit(" ", 1)[0] + " …"
    return Evidence(eid, step, kind, title, filename, excerpt, chars, names.get(added_by, ""),
                    created_at, text)


def _workspace(session, row: WorkspaceRow, members: tuple[Member, ...], full: bool = True) -> Workspace:
    owner = session.get(UserRow, row.owner_id)
    evidence: tuple[Evidence, ...] = ()
    step_rows = session.scalars(select(StepRow).where(StepRow.workspace_id == row.id)).all()
    if full:
        evidence_rows = session.execute(select(*_EVIDENCE_COLUMNS).where(EvidenceRow.workspace_id == row.id)
                                        .order_by(EvidenceRow.step, EvidenceRow.created_at,
                                                  EvidenceRow.id)).all()
        names = _names(session, [r.updated_by for r in step_rows] + [e[7] for e in evidence_rows])
        evidence = tuple(_evidence(e, names) for e in evidence_rows)
    else:
        names = {}
    records = {r.step: _record(r, names) for r in step_rows}
    return Workspace(row.id, row.owner_id, owner.name if owner else "", row.title, row.population,
                     row.scope, row.horizon, row.partners, row.created_at, row.updated_at,
                     members, records, evidence)


def list_workspaces(settings: Settings, user: User, all_users: bool = False) -> list[Workspace]:
    """The workspaces ``user`` owns or shares, latest change first (an admin may ask for
    everyone's). Their records are filled (for progress), not their evidence."""
    if all_users and not allowed(user, "read_any_workspace"):
        raise NotAllowed("only an admin may list everyone's workspaces")
    query = select(WorkspaceRow)
    if not all_users:
        shared = select(MemberRow.workspace_id).where(MemberRow.user_id == user.id)
        query = query.where((WorkspaceRow.owner_id == user.id) | WorkspaceRow.id.in_(shared))
    query = query.order_by(WorkspaceRow.updated_at.desc(), WorkspaceRow.created_at.desc())
    with transaction(settings) as session:
        return [_workspace(session, row, _members(session, row.id), full=False)
                for row in session.scalars(query).all()]


def get_workspace(settings: Settings, workspace_id: str, user: User) -> Workspace:
    """A workspace with its members, step records and evidence list.

    Raises :class:`NotFound` for an unknown id and for a workspace ``user`` may not read.
    """
    with transaction(settings) as session:
        row, members = readable(session, workspace_id, user)
        return _workspace(session, row, members)


# --- creating and changing -----------------------------------------------------------

def create_workspace(settings: Settings, user: User, values: Mapping) -> Workspace:
    """A new workspace owned by ``user`` (a lead or an admin) with the details in ``values``."""
    if not can_create(user):
        raise NotAllowed("only leads and admins can create workspaces")
    details = check_details(values)
    with transaction(settings) as session:
        row = WorkspaceRow(owner_id=user.id, **details)
        session.add(row)
        session.flush()
        return _workspace(session, row, ())


def update_details(settings: Settings, workspace_id: str, user: User, values: Mapping) -> Workspace:
    """Change the exercise's details (owner or a member)."""
    _require_editable(settings, workspace_id, user)
    details = check_details(values)
    with transaction(settings) as session:
        row = _editable(session, workspace_id, user)
        for name, value in details.items():
            setattr(row, name, value)
        row.updated_at = utcnow()
        session.flush()
        return _workspace(session, row, _members(session, row.id))


def delete_workspace(settings: Settings, workspace_id: str, user: User) -> None:
    """Delete a workspace with its records, evidence and sharing (the owner only). The
    step chats stay in their askers' history."""
    with transaction(settings) as session:
        session.delete(_owned(session, workspace_id, user))


def share(settings: Settings, workspace_id: str, user: User, name: str) -> Member:
    """Share the workspace with the colleague called ``name`` (the owner only)."""
    name = clean_line(name)
    try:
        with transaction(settings) as session:
            row = _owned(session, workspace_id, user)
            if not name:
                raise WorkspaceError({"name": "Enter the user name of the colleague to share it with"})
            colleague = session.scalar(select(UserRow).where(func.lower(UserRow.name) == name.lower()))
            if colleague is None:
                raise WorkspaceError({"name": f"There is no user called “{name}”. Check the user name "
                                              "(as they type it to sign in) and try again"})
            if colleague.id == row.owner_id:
                raise WorkspaceError({"name": f"{colleague.name} owns this workspace already"})
            if session.scalar(select(MemberRow.id).where(MemberRow.workspace_id == row.id,
                                                         MemberRow.user_id == colleague.id)):
                raise WorkspaceError({"name": f"This workspace is already shared with {colleague.name}"})
            member = MemberRow(workspace_id=row.id, user_id=colleague.id)
            session.add(member)
            row.updated_at = utcnow()
            session.flush()
            return Member(colleague.id, colleague.name, colleague.role, member.added_at)
    except IntegrityError:  # shared with the same colleague by another request a moment ago
        raise WorkspaceError({"name": f"This workspace is already shared with {name}"}) from None


def unshare(settings: Settings, workspace_id: str, user: User, member_id: int) -> str:
    """Stop sharing with one colleague (the owner; or a member leaving); their name."""
    with transaction(settings) as session:
        row, members = readable(session, workspace_id, user)
        if user.id != row.owner_id and user.id != member_id:
            raise NotAllowed("only the owner of a workspace can stop sharing it with someone")
        member = session.scalar(select(MemberRow).where(MemberRow.workspace_id == row.id,
                                                        MemberRow.user_id == member_id))
        if member is None:
            raise NotFound(f"the workspace is not shared with user {member_id}")
        session.delete(member)
        row.updated_at = utcnow()
        return next(m.name for m in members if m.user_id == member_id)


def save_step(settings: Settings, workspace_id: str, user: User, step: int, *, status: str,
              notes: str = "", decisions: str = "", checked: Iterable[str] = ()) -> StepRecord:
    """Save a step's status, notes, decisions and ticked checklist items (owner or a member).

    ``checked`` holds the texts of the step's evidence-checklist items that are ticked.
    """
    model = _step_model(settings, step)
    _require_editable(settings, workspace_id, user)
    notes, decisions = _clean_text(notes), _clean_text(decisions)
    known = [item.text for item in model.evidence]
    ticked = [text for text in known if text in set(checked)]
    errors = {}
    if status not in STATUSES:
        errors["status"] = "Select whether this step is not started, in progress or done"
    for name, value in (("notes", notes), ("decisions", decisions)):
        if len(value) > MAX_NOTES:
            errors[name] = (f"The {name} must be {MAX_NOTES:,} characters or fewer "
                            f"(they are {len(value):,})")
    if set(checked) - set(known):
        errors["checked"] = "Tick only items of this step's evidence checklist"
    if errors:
        raise WorkspaceError(errors)
    for attempt in range(2):
        try:
            with transaction(settings) as session:
                workspace = _editable(session, workspace_id, user)
                row = session.scalar(select(StepRow).where(StepRow.workspace_id == workspace.id,
                                                           StepRow.step == model.number))
                if row is None:
                    row = StepRow(workspace_id=workspace.id, step=model.number)
                    session.add(row)
                row.status, row.notes, row.decisions = status, notes, decisions
                row.checked = "\n".join(ticked)
                row.updated_by, row.updated_at = user.id, utcnow()
                workspace.updated_at = row.updated_at
                session.flush()
                return _record(row, {user.id: user.name})
        except IntegrityError:
            # Two people saved the step's first record at once; the second try updates it.
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- evidence ------------------------------------------------------------------------

def _evidence_title(title: str, fallback: str = "") -> str:
    title = clean_line(title) or fallback
    if len(title) > MAX_EVIDENCE_TITLE:
        raise WorkspaceError({"title": f"The title must be {MAX_EVIDENCE_TITLE} characters or fewer "
                                       f"(it is {len(title)})"})
    return title


def _store_evidence(settings: Settings, workspace_id: str, user: User, step: int, kind: str,
                    title: str, filename: str, text: str) -> Evidence:
    model = _step_model(settings, step)
    with transaction(settings) as session:
        workspace = _editable(session, workspace_id, user)
        row = EvidenceRow(workspace_id=workspace.id, step=model.number, kind=kind, title=title,
                          filename=filename, text=text, added_by=user.id)
        session.add(row)
        workspace.updated_at = utcnow()
        session.flush()
        values = (row.id, row.step, kind, title, filename, text[:EXCERPT + 1], len(text), user.id,
                  row.created_at)
        return _evidence(values, {user.id: user.name})


def add_text_evidence(settings: Settings, workspace_id: str, user: User, step: int, title: str,
                      text: str) -> Evidence:
    """Add a typed note as evidence for ``step`` (owner or a member)."""
    _require_editable(settings, workspace_id, user)
    text = _clean_text(text)
    errors = {}
    try:
        title = _evidence_title(title)
    except WorkspaceError as err:
        errors.update(err.errors)
    if not title and "title" not in errors:
        errors["title"] = "Enter a title for the evidence, for example: Parent carers' forum survey 2025"
    if not text:
        errors["text"] = "Type the evidence, or choose a file to upload instead"
    elif len(text) > MAX_EVIDENCE_TEXT:
        errors["text"] = (f"The evidence must be {MAX_EVIDENCE_TEXT:,} characters or fewer "
                          f"(it is {len(text):,}); upload a longer text as a file")
    if errors:
        raise WorkspaceError(errors)
    return _store_evidence(settings, workspace_id, user, step, "text", title, "", text)


def read_evidence_file(settings: Settings, filename: str, data: bytes) -> str:
    """The text of an uploaded file, checked by content as documents are (format, encoding,
    a text layer, the size limit); WorkspaceError naming the file and the reason if refused."""
    name = Path(str(filename or "")).name
    limit = settings.max_file_mb * 1024 * 1024
    if not name:
        raise WorkspaceError({"file": "Choose a file to upload"})
    if len(data) > limit:
        raise WorkspaceError({"file": f"{name} was not accepted: the file is larger than the "
                                      f"limit of {settings.max_file_mb:g} MB"})
    try:
        blocks = read_blocks(Path(name), data)
    except DocumentError as err:
        raise WorkspaceError({"file": f"{name} was not accepted: {err.reason}"}) from None
    return "\n".join(b.text.strip() for b in blocks if b.text.strip())


def add_file_evidence(settings: Settings, workspace_id: str, user: User, step: int, title: str,
                      filename: str, data: bytes) -> Evidence:
    """Add an uploaded file as evidence for ``step``: its text is read and kept (the file
    itself is not); a file that is refused changes nothing."""
    _require_editable(settings, workspace_id, user)
    name = Path(str(filename or "")).name[:200]
    errors = {}
    try:
        title = _evidence_title(title, fallback=name)
    except WorkspaceError as err:
        errors.update(err.errors)
    try:
        text = read_evidence_file(settings, name, data)
    except WorkspaceError as err:
        errors.update(err.errors)
    if errors:
        raise WorkspaceError(errors)
    return _store_evidence(settings, workspace_id, user, step, "file", title, name, text)


def get_evidence(settings: Settings, workspace_id: str, evidence_id: int, user: User) -> Evidence:
    """One piece of evidence with its whole text (anyone who may read the workspace)."""
    with transaction(settings) as session:
        workspace, _ = readable(session, workspace_id, user)
        found = session.execute(select(*_EVIDENCE_COLUMNS, EvidenceRow.text)
                                .where(EvidenceRow.id == evidence_id,
                                       EvidenceRow.workspace_id == workspace.id)).first()
        if found is None:
            raise NotFound(f"no evidence {evidence_id} in this workspace")
        return _evidence(found[:-1], _names(session, [found[7]]), text=found[-1])


def delete_evidence(settings: Settings, workspace_id: str, evidence_id: int, user: User) -> Evidence:
    """Remove a piece of evidence (owner or a member); what it was."""
    with transaction(settings) as session:
        workspace = _editable(session, workspace_id, user)
        row = session.scalar(select(EvidenceRow).where(EvidenceRow.id == evidence_id,
                                                       EvidenceRow.workspace_id == workspace.id))
        if row is None:
            raise NotFound(f"no evidence {evidence_id} in this workspace")
        values = (row.id, row.step, row.kind, row.title, row.filename, row.text[:EXCERPT + 1],
                  len(row.text), row.added_by, row.created_at)
        session.delete(row)
        workspace.updated_at = utcnow()
        return _evidence(values, {})


# --- the step chats ------------------------------------------------------------------

def step_chat(settings: Settings, workspace_id: str, step: int, user: User) -> str | None:
    """The id of ``user``'s conversation at ``step`` of the workspace, if they have asked there."""
    with transaction(settings) as session:
        workspace, _ = readable(session, workspace_id, user)
        return session.scalar(select(StepChatRow.conversation_id).where(
            StepChatRow.workspace_id == workspace.id, StepChatRow.step == step,
            StepChatRow.user_id == user.id))


def link_step_chat(settings: Settings, workspace_id: str, step: int, user: User,
                   conversation_id: str) -> None:
    """Record ``conversation_id`` (the user's own) as their chat at ``step`` (owner or a
    member). Deleting the conversation from History removes the link with it."""
    model = _step_model(settings, step)
    try:
        with transaction(settings) as session:
            workspace = _editable(session, workspace_id, user)
            session.add(StepChatRow(workspace_id=workspace.id, step=model.number, user_id=user.id,
                                    conversation_id=conversation_id))
    except IntegrityError:
        # A question asked at the same step in another tab linked its conversation first;
        # that one stays the step's chat, and this one stays in History.
        pass
