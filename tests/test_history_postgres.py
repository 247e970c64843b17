"""History and accounts on a real PostgreSQL server, started on loopback by this module.

Skipped, saying why, where the server binaries (initdb, postgres) or the psycopg
driver are missing. PostgreSQL refuses to run as root, so under root the server runs
as the unprivileged ``postgres`` (or ``nobody``) account.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from assistant import accounts, history
from assistant.database import dispose_databases, get_database
from test_history import cited_answer

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def _binary(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return shutil.which(name) or (found[-1] if found else None)


def _server_account() -> str | None:
    """The account to run the server as: ourselves unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            continue
    pytest.skip("running as root and there is no 'postgres' or 'nobody' account to run PostgreSQL as")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def postgres_url():
    initdb, postgres = _binary("initdb"), _binary("postgres")
    if not (initdb and postgres):
        pytest.skip("PostgreSQL server binaries (initdb, postgres) are not installed")
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    account = _server_account()
    folder = tempfile.mkdtemp(prefix="assistant-pg-")
    if account:
        shutil.chown(folder, account, account)
    data = os.path.join(folder, "data")
    run_as = {"user": account} if account else {}
    subprocess.run([initdb, "-D", data, "-U", "assistant", "--auth=trust", "-E", "UTF8", "--no-sync"],
                   cwd=folder, check=True, capture_output=True, timeout=120, **run_as)
    port = _free_port()
    server = subprocess.Popen([postgres, "-D", data, "-p", str(port), "-k", folder,
                               "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
                              cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **run_as)
    url = f"postgresql+psycopg://assistant@127.0.0.1:{port}/postgres"
    try:
        import psycopg

        deadline = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(f"host=127.0.0.1 port={port} user=assistant dbname=postgres").close()
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start: {server.stderr.read().decode()}") from None
                time.sleep(0.2)
        yield url
    finally:
        dispose_databases()
        server.send_signal(signal.SIGINT)  # fast shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_history_round_trip_on_postgresql(postgres_url, make_settings):
    db = make_settings(database_url=postgres_url)
    assert get_database(db).engine.dialect.name == "postgresql"
    cara = accounts.create_user(db, "cara", "commissioner", PASSWORD)
    dev = accounts.create_user(db, "dev", "lead", PASSWORD)
    ada = accounts.create_user(db, "ada", "admin", PASSWORD)
    assert accounts.authenticate(db, "cara", PASSWORD) == cara
    token = accounts.issue_token(db, "cara")
    assert accounts.user_for_token(db, token).name == "cara"

    answer = cited_answer()
    conversation = history.start_conversation(db, cara.id, "What goes into a JSNA? " * 6)
    assert len(conversation.title) <= 80 and conversation.title.endswith("…")
    turn = history.add_turn(db, conversation.id, "What goes into a JSNA?", answer, "extractive")
    history.add_turn(db, conversation.id, "And then?", answer, "local")
    again = history.get_conversation(db, conversation.id, cara)
    assert [t.position for t in again.turns] == [1, 2] and again.turns[0].answer == answer
    assert again.created_at.tzinfo is not None
    with pytest.raises(history.NotAllowed):
        history.get_conversation(db, conversation.id, dev)
    assert history.get_conversation(db, conversation.id, ada).owner == "cara"

    history.record_feedback(db, turn.id, cara, False, "first thought")
    history.record_feedback(db, turn.id, cara, True, "second thought")
    [line] = history.export_feedback(db)
    assert line["helpful"] and line["comment"] == "second thought" and line["citations"] == answer["citations"]
    assert "[1]" in history.conversation_markdown(again)

    accounts.delete_user(db, "cara")  # cascades on the server as on SQLite
    assert history.list_conversations(db, ada, all_users=True) == []
    assert history.export_feedback(db) == []
