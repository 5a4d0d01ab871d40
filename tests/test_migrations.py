"""Every migration upgrades and downgrades cleanly on a database that holds data."""

from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from portal import create_app, demo
from portal.extensions import db

MIGRATIONS_DB = "caseloop_migrations"


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database of the same kind as the suite's, apart from it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {MIGRATIONS_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {MIGRATIONS_DB}"))
    yield url.rsplit("/", 1)[0] + "/" + MIGRATIONS_DB
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {MIGRATIONS_DB} WITH (FORCE)"))
    admin.dispose()


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
