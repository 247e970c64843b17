"""Local accounts: users, roles, passwords, API tokens, and what each role may do.

Passwords are hashed with Argon2id (argon2-cffi); an API token is shown once and only
its SHA-256 is stored, so a copy of the database gives away neither. Functions take
the settings and return frozen :class:`User` values, never live ORM objects.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import CheckConstraint, String, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from assistant.database import Base, UTCDateTime, transaction, utcnow
from assistant.settings import Settings

ROLES = ("commissioner", "lead", "trainer", "admin")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a megabyte "password" is a cheap way to tie up a core
NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Which roles may do what; everything not listed is open to every signed-in user.
PERMISSIONS = {
    "upload": {"admin"},
    "delete_documents": {"admin"},
    "manage_users": {"admin"},
    "read_any_conversation": {"admin"},
    "create_workspace": {"lead", "admin"},
    "read_any_workspace": {"admin"},  # as with conversations: read, never change
}

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so a wrong name takes as long as a wrong password."""
    return _hasher.hash("not a real password, only spends the time")


class AccountError(ValueError):
    """A request about accounts that cannot be carried out; the message says why."""


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({', '.join(repr(r) for r in ROLES)})", name="known_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@dataclass(frozen=True)
class User:
    """An account as the rest of the program sees it (no hashes)."""

    id: int
    name: str
    role: str
    created_at: datetime
    has_token: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def _user(row: UserRow) -> User:
    return User(id=row.id, name=row.name, role=row.role, created_at=row.created_at,
                has_token=row.token_hash is not None)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password is too short: use at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password is too long: use at most {MAX_PASSWORD} characters")


def _row(session, name: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.name == name))
    if row is None:
        raise AccountError(f"there is no user named {name!r}")
    return row


# --- managing accounts -----------------------------------------------------------

def create_user(settings: Settings, name: str, role: str, password: str) -> User:
    """Create an account; raises :class:`AccountError` for a bad name, role or password."""
    if not NAME.fullmatch(name):
        raise AccountError("a user name is 1 to 64 characters: letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    _check_password(password)
    password_hash = _hasher.hash(password)  # slow on purpose: outside the transaction
    try:
        with transaction(settings) as session:
            # Names that differ only in case would be told apart by nobody signing in.
            taken = session.scalar(select(UserRow.name).where(func.lower(UserRow.name) == name.lower()))
            if taken is not None:
                raise AccountError(f"a user named {taken!r} already exists")
            row = UserRow(name=name, role=role, password_hash=password_hash)
            session.add(row)
            session.flush()
            return _user(row)
    except IntegrityError:  # the same name, created by another process a moment ago
        raise AccountError(f"a user named {name!r} already exists") from None


def get_user(settings: Settings, name: str) -> User | None:
    """The user called ``name``, or None."""
    with transaction(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        return _user(row) if row else None


def get_user_by_id(settings: Settings, user_id: int) -> User | None:
    """The user with this id (what a session cookie holds), or None."""
    with transaction(settings) as session:
        row = session.get(UserRow, user_id)
        return _user(row) if row else None


def list_users(settings: Settings) -> list[User]:
    """Every account, by name."""
    with transaction(settings) as session:
        return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def set_password(settings: Settings, name: str, password: str) -> None:
    """Give ``name`` a new password."""
    _check_password(password)
    password_hash = _hasher.hash(password)
    with transaction(settings) as session:
        _row(session, name).password_hash = password_hash


def delete_user(settings: Settings, name: str) -> None:
    """Delete an account with its conversations and feedback; the last admin stays."""
    with transaction(settings) as session:
        row = _row(session, name)
        if row.role == "admin":
            admins = session.scalar(select(func.count()).where(UserRow.role == "admin"))
            if admins <= 1:
                raise AccountError(f"{name!r} is the only admin; create another admin first")
        session.delete(row)  # conversations, turns and feedback go with it (ON DELETE CASCADE)


# --- signing in ------------------------------------------------------------------

def authenticate(settings: Settings, name: str, password: str) -> User | None:
    """The user if ``password`` is theirs, else None (an unknown name takes as long)."""
    with transaction(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.name == name))
        # No password that long can be set: check a dummy rather than hash a huge input.
        usable = row is not None and len(password) <= MAX_PASSWORD
        try:
            _hasher.verify(row.password_hash if usable else _dummy_hash(), password[:MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return None
        if not usable:
            return None
        # Hashes made with weaker parameters are upgraded the next time the password is known.
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return _user(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(settings: Settings, name: str) -> str:
    """A new personal API token for ``name``; any earlier token stops working."""
    token = secrets.token_urlsafe(32)
    with transaction(settings) as session:
        _row(session, name).token_hash = _token_hash(token)
    return token


def user_for_token(settings: Settings, token: str) -> User | None:
    """The user whose API token this is, or None.

    Looking up by the token's hash is safe against timing: what an attacker could
    learn is how a SHA-256 they cannot invert compares with the stored ones.
    """
    if not token:
        return None
    with transaction(settings) as session:
        row = session.scalar(select(UserRow).where(UserRow.token_hash == _token_hash(token)))
        return _user(row) if row else None


def session_secret(settings: Settings) -> str:
    """The key session cookies are signed with: the setting, or one made once and kept.

    The generated key is written to a private temporary file and then linked into
    place, so two processes starting together agree on one key and a crash never
    leaves an empty file behind.
    """
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir / "session_secret"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".session_secret.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text(encoding="utf-8").strip()


# --- what each role may do -----------------------------------------------------

def allowed(user: User, action: str) -> bool:
    """Whether ``user``'s role may do ``action`` (a key of PERMISSIONS)."""
    return user.role in PERMISSIONS[action]


def can_upload(user: User) -> bool:
    """Add or replace documents: admins."""
    return allowed(user, "upload")


def can_delete_documents(user: User) -> bool:
    """Remove documents from the index: admins."""
    return allowed(user, "delete_documents")


def can_manage_users(user: User) -> bool:
    """Create, change and delete accounts: admins."""
    return allowed(user, "manage_users")


def can_read_conversation(user: User, conversation) -> bool:
    """A conversation is its owner's; admins may read anyone's."""
    return conversation.user_id == user.id or allowed(user, "read_any_conversation")
