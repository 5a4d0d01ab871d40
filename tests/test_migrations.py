"""Every migration upgrades and downgrades cleanly on a database that holds data."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal import demo
from portal.extensions import db


def test_upgrade_and_downgrade_every_revision_with_data(scratch_app):
    config = scratch_app.extensions["migrate"].migrate.get_config()
    revisions = [r.revision for r in reversed(list(ScriptDirectory.from_config(config)
                                                   .walk_revisions()))]
    for revision in revisions:
        upgrade(revision=revision)
    assert demo.load()  # a populated database, as in real life
    db.session.remove()
    for _ in revisions:
        downgrade(revision="-1")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert demo.load()


def test_0010_fills_every_existing_cases_search_document(scratch_app):
    """Upgrading a database that already holds cases makes all of them searchable."""
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


def test_0014_gives_existing_departments_the_office_week_in_the_site_zone(scratch_app):
    """Departments from before working hours get Monday to Friday, 09:00 to 17:00."""
    upgrade(revision="0013")
    db.session.execute(text("INSERT INTO departments (name) VALUES ('Old desk')"))
    db.session.commit()
    upgrade(revision="0014")
    hours, zone = db.session.execute(text(
        "SELECT opening_hours, timezone FROM departments WHERE name = 'Old desk'")).one()
    assert hours.startswith("09:00-17:00,") and hours.endswith(",-,-") and zone is None
