"""The database of accounts, conversations and feedback (SQLAlchemy).

By default a SQLite file in the data folder, ``data_dir/assistant.sqlite3``; setting
``ASSISTANT_DATABASE_URL`` to a PostgreSQL URL (``postgresql+psycopg://...``) moves it
to a server. Tables are created on first use. One engine per URL per process: engines
hold connection pools, so building one per call would open a connection each time.

Callers outside ``accounts.py`` and ``history.py`` never see a session or an ORM
object: those modules hand back frozen dataclasses.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from assistant.settings import Settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened: a bad URL, a server that does not answer, no driver."""


class Base(DeclarativeBase):
    """Declarative base of every table in the database."""


class UTCDateTime(TypeDecorator):
    """A timestamp stored as naive UTC and read back as timezone-aware UTC.

    SQLite keeps no time zone, so storing UTC everywhere and tagging it on the way
    out gives both backends the same behaviour.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=timezone.utc) if value is not None else None


def utcnow() -> datetime:
    """Now, in UTC (the default of every timestamp column)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Database:
    """An engine and the session factory bound to it."""

    engine: Engine
    sessions: sessionmaker[Session]


_databases: dict[str, Database] = {}
_lock = threading.Lock()


def database_url(settings: Settings) -> URL:
    """The URL in use: the setting, or the SQLite file in the data folder."""
    if settings.database_url:
        return make_url(settings.database_url)
    return URL.create("sqlite+pysqlite", database=str(settings.database_path))


def get_database(settings: Settings) -> Database:
    """The engine and sessions for ``settings``' database, its tables created on first use."""
    try:
        url = database_url(settings)
    except SQLAlchemyError as err:
        raise DatabaseUnavailable(f"ASSISTANT_DATABASE_URL is not a database URL: {err}") from None
    key = url.render_as_string(hide_password=False)
    with _lock:
        if key in _databases:
            return _databases[key]
        # Every table module must be imported before create_all sees the metadata.
        from assistant import accounts, history, workspaces  # noqa: F401

        try:
            engine = _engine(settings, url)
            Base.metadata.create_all(engine)
        except (SQLAlchemyError, ImportError) as err:
            where = url.render_as_string(hide_password=True)
            reason = str(getattr(err, "orig", None) or err).strip().splitlines()[0]
            raise DatabaseUnavailable(f"cannot open the database {where}: {reason}") from err
        database = Database(engine, sessionmaker(engine, expire_on_commit=False))
        _databases[key] = database
        return database


def _engine(settings: Settings, url: URL) -> Engine:
    if url.get_backend_name() != "sqlite":
        # Server connections can be dropped behind our back (restarts, idle timeouts).
        return create_engine(url, pool_pre_ping=True)
    if url.database and url.database != ":memory:":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    # A writer waits up to 30 s for another instead of failing at once.
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets the web app read while another process writes; SQLite leaves foreign
    # keys off unless asked, and deleting a user relies on them cascading.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


@contextmanager
def transaction(settings: Settings) -> Iterator[Session]:
    """A session in one transaction: committed when the block ends, rolled back on error."""
    with get_database(settings).sessions.begin() as session:
        yield session


def dispose_databases() -> None:
    """Close every cached engine's connections (tests, and processes that fork)."""
    with _lock:
        for database in _databases.values():
            database.engine.dispose()
        _databases.clear()
