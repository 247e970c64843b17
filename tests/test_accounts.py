"""Accounts on a real SQLite database: hashing, tokens, validation, roles, and `assistant users`."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from assistant import accounts
from assistant.accounts import AccountError, User
from assistant.database import get_database, transaction

PASSWORD = "correct horse battery"


pytestmark = pytest.mark.usefixtures("close_databases")


def stored(settings, name: str) -> tuple[str, str | None]:
    """The password hash and token hash as they sit in the database file."""
    with sqlite3.connect(settings.database_path) as connection:
        return connection.execute("SELECT password_hash, token_hash FROM users WHERE name=?", (name,)).fetchone()


# --- passwords -------------------------------------------------------------------

def test_password_is_stored_as_an_argon2id_hash_and_checked(db):
    user = accounts.create_user(db, "alice", "commissioner", PASSWORD)
    assert user.name == "alice" and user.role == "commissioner" and not user.has_token
    password_hash, token_hash = stored(db, "alice")
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash
    assert token_hash is None
    assert accounts.authenticate(db, "alice", PASSWORD) == user
    assert accounts.authenticate(db, "alice", PASSWORD + "!") is None
    assert accounts.authenticate(db, "alice", "") is None
    assert accounts.authenticate(db, "nobody", PASSWORD) is None
    assert accounts.authenticate(db, "alice", "x" * 5000) is None


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(db):
    accounts.create_user(db, "alice", "lead", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with transaction(db) as session:
        session.query(accounts.UserRow).filter_by(name="alice").one().password_hash = weak
    assert accounts.authenticate(db, "alice", PASSWORD) is not None
    upgraded, _ = stored(db, "alice")
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert accounts.authenticate(db, "alice", PASSWORD) is not None


def test_set_password_replaces_the_old_one(db):
    accounts.create_user(db, "alice", "trainer", PASSWORD)
    accounts.set_password(db, "alice", "a different passphrase")
    assert accounts.authenticate(db, "alice", PASSWORD) is None
    assert accounts.authenticate(db, "alice", "a different passphrase") is not None
    with pytest.raises(AccountError, match="too short"):
        accounts.set_password(db, "alice", "short")
    with pytest.raises(AccountError, match="no user named 'bob'"):
        accounts.set_password(db, "bob", PASSWORD)


# --- tokens ----------------------------------------------------------------------

def test_token_is_shown_once_stored_as_sha256_and_a_new_one_replaces_it(db):
    accounts.create_user(db, "alice", "commissioner", PASSWORD)
    first = accounts.issue_token(db, "alice")
    assert len(first) >= 40
    _, token_hash = stored(db, "alice")
    assert token_hash == hashlib.sha256(first.encode()).hexdigest() and first not in token_hash
    user = accounts.user_for_token(db, first)
    assert user is not None and user.name == "alice" and user.has_token

    second = accounts.issue_token(db, "alice")
    assert second != first
    assert accounts.user_for_token(db, first) is None
    assert accounts.user_for_token(db, second).name == "alice"
    assert accounts.user_for_token(db, "") is None
    assert accounts.user_for_token(db, "not-a-token") is None
    with pytest.raises(AccountError, match="no user named"):
        accounts.issue_token(db, "bob")


# --- validation and management ---------------------------------------------------

@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "alice/../admin", "ålice", "<script>"])
def test_bad_names_are_refused_with_the_rule(db, name):
    with pytest.raises(AccountError, match="1 to 64 characters"):
        accounts.create_user(db, name, "commissioner", PASSWORD)


def test_role_password_and_duplicates_are_checked(db):
    with pytest.raises(AccountError, match="unknown role 'owner': choose one of commissioner, lead, trainer, admin"):
        accounts.create_user(db, "alice", "owner", PASSWORD)
    with pytest.raises(AccountError, match="at least 10 characters"):
        accounts.create_user(db, "alice", "admin", "123456789")
    accounts.create_user(db, "alice.smith-2_b", "admin", PASSWORD)
    with pytest.raises(AccountError, match="already exists"):
        accounts.create_user(db, "alice.smith-2_b", "lead", PASSWORD)
    with pytest.raises(AccountError, match="'alice.smith-2_b' already exists"):
        accounts.create_user(db, "Alice.Smith-2_B", "lead", PASSWORD)
    assert [u.name for u in accounts.list_users(db)] == ["alice.smith-2_b"]


def test_list_get_and_delete(db):
    accounts.create_user(db, "zoe", "admin", PASSWORD)
    bob = accounts.create_user(db, "bob", "lead", PASSWORD)
    assert [(u.name, u.role) for u in accounts.list_users(db)] == [("bob", "lead"), ("zoe", "admin")]
    assert accounts.get_user(db, "bob") == bob
    assert accounts.get_user_by_id(db, bob.id) == bob
    assert accounts.get_user(db, "carol") is None
    accounts.delete_user(db, "bob")
    assert accounts.get_user(db, "bob") is None
    with pytest.raises(AccountError, match="no user named 'bob'"):
        accounts.delete_user(db, "bob")
    with pytest.raises(AccountError, match="only admin"):
        accounts.delete_user(db, "zoe")
    accounts.create_user(db, "amy", "admin", PASSWORD)
    accounts.delete_user(db, "zoe")
    assert [u.name for u in accounts.list_users(db)] == ["amy"]


def test_unknown_roles_cannot_reach_the_table_even_bypassing_validation(db):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        with transaction(db) as session:
            session.add(accounts.UserRow(name="mallory", role="root", password_hash="x"))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(db):
    with get_database(db).engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert db.database_path.exists()


def test_a_database_url_that_cannot_be_used_says_so(make_settings):
    from assistant.database import DatabaseUnavailable

    with pytest.raises(DatabaseUnavailable, match="not a database URL"):
        accounts.list_users(make_settings(database_url="no such thing"))
    with pytest.raises(DatabaseUnavailable, match="cannot open the database"):
        accounts.list_users(make_settings(database_url="postgresql+psycopg://u:secret@127.0.0.1:1/x"))


# --- roles -----------------------------------------------------------------------

@pytest.mark.parametrize("role, admin", [("commissioner", False), ("lead", False), ("trainer", False),
                                         ("admin", True)])
def test_only_admins_upload_delete_documents_and_manage_users(role, admin):
    user = User(id=1, name="u", role=role, created_at=None)
    assert accounts.can_upload(user) is admin
    assert accounts.can_delete_documents(user) is admin
    assert accounts.can_manage_users(user) is admin
    assert user.is_admin is admin


def test_a_conversation_is_readable_by_its_owner_and_admins_only():
    class Conversation:
        user_id = 1

    owner = User(id=1, name="owner", role="commissioner", created_at=None)
    other = User(id=2, name="other", role="lead", created_at=None)
    admin = User(id=3, name="admin", role="admin", created_at=None)
    assert accounts.can_read_conversation(owner, Conversation())
    assert not accounts.can_read_conversation(other, Conversation())
    assert accounts.can_read_conversation(admin, Conversation())


# --- session secret --------------------------------------------------------------

def test_session_secret_is_made_once_and_private(db, make_settings):
    secret = accounts.session_secret(db)
    path = db.data_dir / "session_secret"
    assert len(secret) >= 40 and path.read_text().strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert accounts.session_secret(db) == secret
    assert [p.name for p in db.data_dir.iterdir() if "session" in p.name] == ["session_secret"]
    assert accounts.session_secret(make_settings(session_secret="from the environment")) == "from the environment"


# --- the `assistant users` command ---------------------------------------------

def run(tmp_path, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_CORPUS_DIR=str(tmp_path / "corpus"))
    return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, cwd=tmp_path,
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_cli_creates_an_admin_issues_a_token_and_lists_users(tmp_path, make_settings):
    out = run(tmp_path, "users", "create", "ada", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    assert "created admin ada" in out.stdout
    settings = make_settings()
    assert accounts.authenticate(settings, "ada", PASSWORD).role == "admin"

    out = run(tmp_path, "users", "token", "ada")
    assert out.returncode == 0, out.stderr
    token = out.stdout.strip()
    assert out.stdout == token + "\n" and " " not in token
    assert accounts.user_for_token(settings, token).name == "ada"

    run(tmp_path, "users", "create", "cy", "--role", "commissioner", "--password-stdin",
        stdin="another long password\nignored second line\n")
    assert accounts.authenticate(settings, "cy", "another long password") is not None
    out = run(tmp_path, "users", "list", "--json")
    assert out.returncode == 0, out.stderr
    listed = json.loads(out.stdout)
    assert [(u["name"], u["role"], u["has_token"]) for u in listed] == [("ada", "admin", True),
                                                                       ("cy", "commissioner", False)]
    out = run(tmp_path, "users", "list")
    assert "ada" in out.stdout and "commissioner" in out.stdout

    out = run(tmp_path, "users", "set-password", "cy", "--password-stdin", stdin="a brand new password\n")
    assert out.returncode == 0, out.stderr
    assert accounts.authenticate(settings, "cy", "a brand new password") is not None
    out = run(tmp_path, "users", "delete", "cy")
    assert out.returncode == 0 and accounts.get_user(settings, "cy") is None


@pytest.mark.parametrize("args, stdin, message", [
    (["create", "bob", "--role", "superuser", "--password-stdin"], PASSWORD, "unknown role 'superuser'"),
    (["create", "bob", "--role", "lead", "--password-stdin"], "short\n", "at least 10 characters"),
    (["create", "bob", "--role", "lead", "--password-stdin"], "", "no password on standard input"),
    (["create", "bob", "--role", "lead"], PASSWORD, "--password-stdin"),
    (["create", "ada", "--role", "lead", "--password-stdin"], PASSWORD, "already exists"),
    (["token", "nobody"], None, "no user named 'nobody'"),
    (["delete", "nobody"], None, "no user named 'nobody'"),
    (["delete", "ada"], None, "only admin"),
    (["set-password", "nobody", "--password-stdin"], PASSWORD, "no user named 'nobody'"),
])
def test_cli_errors_exit_2_with_a_message(tmp_path, make_settings, args, stdin, message):
    accounts.create_user(make_settings(), "ada", "admin", PASSWORD)
    out = run(tmp_path, "users", *args, stdin=stdin)
    assert out.returncode == 2
    assert message in out.stderr and out.stdout == ""
    assert [u.name for u in accounts.list_users(make_settings())] == ["ada"]


def test_cli_help_explains_users_and_settings_hide_the_secret(tmp_path):
    out = run(tmp_path, "users", "create", "--help")
    assert out.returncode == 0 and "--password-stdin" in out.stdout and "admin" in out.stdout
    out = run(tmp_path, "users", "token", "--help")
    assert "Authorization: Bearer TOKEN" in " ".join(out.stdout.split())
    env_secret = "s3cret-value-not-to-print"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(ASSISTANT_DATA_DIR=str(tmp_path / "data"), ASSISTANT_SESSION_SECRET=env_secret,
               ASSISTANT_DATABASE_URL="postgresql+psycopg://me:hunter2@db.example/assistant")
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "settings"], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert env_secret not in out.stdout and "hunter2" not in out.stdout
    assert "ASSISTANT_DATABASE_URL=postgresql+psycopg://me:***@db.example/assistant" in out.stdout
