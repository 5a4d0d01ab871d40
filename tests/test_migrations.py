"""Every migration upgrades and downgrades cleanly on a database that holds data."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

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
