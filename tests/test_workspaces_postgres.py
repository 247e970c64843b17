"""Workspaces on a real PostgreSQL server (the one test_history_postgres.py starts, skipped
where the server binaries or the driver are missing)."""

from __future__ import annotations

import shutil

import pytest

from assistant import accounts, steps, workspace_search, workspaces
from assistant.database import get_database
from conftest import SHIPPED_CORPUS
from test_history_postgres import postgres_url  # noqa: F401  (the module's server)

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery"


def test_workspaces_round_trip_on_postgresql(postgres_url, make_settings, tmp_path):  # noqa: F811
    (tmp_path / "corpus").mkdir()
    shutil.copyfile(SHIPPED_CORPUS / "steps.yaml", tmp_path / "corpus" / "steps.yaml")
    db = make_settings(database_url=postgres_url)
    assert get_database(db).engine.dialect.name == "postgresql"
    lead = accounts.create_user(db, "wendy", "lead", PASSWORD)
    colleague = accounts.create_user(db, "colin", "commissioner", PASSWORD)
    made = workspaces.create_workspace(db, lead, {"title": "Short breaks", "scope": "Overnight"})
    workspaces.share(db, made.id, lead, "COLIN")
    first = steps.load(db).step(2).evidence[0].text
    workspaces.save_step(db, made.id, colleague, 2, status="done", notes="Census checked",
                         checked=[first])
    note = workspaces.add_text_evidence(db, made.id, lead, 2, "Census", "Young carers: " + "412 " * 200)
    found = workspaces.get_workspace(db, made.id, colleague)
    assert found.record(2).checked == (first,) and found.record(2).updated_by == "colin"
    [evidence] = found.evidence
    assert evidence.chars == len(workspaces.get_evidence(db, made.id, note.id, lead).text)
    assert evidence.excerpt.endswith(" …") and len(evidence.excerpt) <= workspaces.EXCERPT + 2
    assert sorted(h.kind for h in workspace_search.search(db, made.id, colleague, "young carers census")) == [
        "evidence", "notes"]
    accounts.delete_user(db, "wendy")  # cascades on the server as on SQLite
    with pytest.raises(workspaces.NotFound):
        workspaces.get_workspace(db, made.id, colleague)
