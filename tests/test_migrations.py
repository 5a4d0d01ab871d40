"""Every migration upgrades and downgrades cleanly on a database that holds data."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import create_app, demo
from portal.extensions import db


def test_upgrade_and_downgrade_every_revision_with_data(scratch_url, tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url,
                      "ATTACHMENT_DIR": str(tmp_path / "files"), "ENV_NAME": "test"})
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
        for revision in revisions:
            upgrade(revision=revision)
        assert demo.load()  # a populated database, as in real life
        db.session.remove()
        for _ in revisions:
            downgrade(revision="-1")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert demo.load()
        db.session.remove()
        db.engine.dispose()


def test_0010_fills_every_existing_cases_search_document(scratch_url, tmp_path, monkeypatch):
    """Upgrading a database that already holds cases makes all of them searchable."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url,
                      "ATTACHMENT_DIR": str(tmp_path / "files"), "ENV_NAME": "test"})
    with app.app_context():
        upgrade()
        assert demo.load()
        kept = _documents()
        db.session.remove()
        downgrade(revision="0009")  # the column goes, as on a database from before 0010
        upgrade(revision="0010")
        filled = _documents()
        assert filled.keys() == kept.keys() and len(filled) > 5
        for case_id, (title, bodies, refs) in _sources().items():
            document = filled[case_id]
            assert title in document
            assert all(body in document for body in bodies)
            assert all(f"{system} {value}" in document for system, value in refs)
        db.session.remove()
        db.engine.dispose()


def _documents() -> dict[int, str]:
    return dict(db.session.execute(text("SELECT id, search_text FROM cases")).all())


def _sources() -> dict[int, tuple[str, list[str], list[tuple[str, str]]]]:
    found = {row.id: (row.title, [], []) for row in
             db.session.execute(text("SELECT id, title FROM cases"))}
    for case_id, body in db.session.execute(
            text("SELECT case_id, body FROM case_events WHERE body <> ''")):
        found[case_id][1].append(body)
    for case_id, system, value in db.session.execute(
            text("SELECT case_id, system, value FROM case_references")):
        found[case_id][2].append((system, value))
    return found
