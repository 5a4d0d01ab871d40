"""`caseloop backup` then `caseloop restore`: every row and every attachment comes back."""

from __future__ import annotations

import io

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData

from portal import demo
from portal.backup import BackupError, row_counts
from portal.extensions import db
from portal.models import Attachment
from portal.services import attachments, cases

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 128


@pytest.fixture
def migrated_app(scratch_app):
    upgrade()
    return scratch_app


def _with_an_attachment():
    demo.load()
    case = db.session.scalars(db.select(cases.Case)).first()
    from werkzeug.datastructures import FileStorage

    checked = attachments.check_uploads([FileStorage(io.BytesIO(PNG), "photo.png")])
    cases.add_customer_message(case, case.customer, "A photo of the letter", files=checked)


def test_round_trip_brings_back_every_row_and_file(migrated_app, tmp_path):
    _with_an_attachment()
    before = row_counts()
    runner = migrated_app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "1 attachments" in result.output

    # Disaster: the data and the files are gone.
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.begin() as conn:
        for table in reversed(meta.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())
    db.session.remove()
    assert db.session.scalars(db.select(Attachment)).all() == []
    for path in (tmp_path / "files").rglob("*"):
        if path.is_file():
            path.unlink()

    restored = runner.invoke(args=["restore", str(tmp_path / "backup"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert row_counts() == before
    [attachment] = db.session.scalars(db.select(Attachment)).all()
    assert attachments.storage_path(attachment.storage_key).read_bytes() == PNG


def test_a_damaged_backup_is_refused_before_anything_is_touched(migrated_app, tmp_path):
    _with_an_attachment()
    runner = migrated_app.test_cli_runner()
    runner.invoke(args=["backup", str(tmp_path / "backup")])
    [copy] = [p for p in (tmp_path / "backup" / "attachments").rglob("*") if p.is_file()]
    copy.write_bytes(b"tampered")
    before = row_counts()
    result = runner.invoke(args=["restore", str(tmp_path / "backup"), "--yes"])
    assert result.exit_code != 0 and "missing or damaged" in result.output
    assert row_counts() == before


def test_backup_never_overwrites(migrated_app, tmp_path):
    (tmp_path / "exists").mkdir()
    with pytest.raises(BackupError, match="already exists"):
        from portal.backup import backup

        backup(tmp_path / "exists")
