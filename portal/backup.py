"""`caseloop backup` / `caseloop restore`: the database and the attachments, with a manifest.

SQLite is copied with `VACUUM INTO` (a consistent copy even while the app runs; never copy a
live WAL file), PostgreSQL with `pg_dump -Fc` / `pg_restore`. Every attachment is listed with
its sha256 in `manifest.json`, and row counts per table are recorded, so a restore can prove
it brought back exactly what was saved.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess  # runs pg_dump/pg_restore with fixed argument lists  # nosec B404
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .extensions import db

FORMAT = 1


class BackupError(RuntimeError):
    """The backup or restore could not be completed; nothing half-done is kept."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def row_counts() -> dict[str, int]:
    return {table.name: db.session.scalar(select(func.count()).select_from(table))
            for table in db.metadata.sorted_tables}


def _pg_url() -> str:
    """The database URL in the form the PostgreSQL tools understand."""
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def backup(target: Path) -> dict:
    """Write a backup folder at `target` (which must not exist) and return its manifest."""
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new folder.")
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    (work / "attachments").mkdir(parents=True)
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        db.session.remove()
        # VACUUM cannot run inside a transaction: go to the driver, which is in autocommit.
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM INTO ?", (str(work / "database.sqlite"),))
        finally:
            raw.close()
    elif dialect == "postgresql":
        _run(["pg_dump", "-Fc", "--no-owner", "-f", str(work / "database.dump"), _pg_url()])
    else:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    files = _copy_tree(Path(current_app.config["ATTACHMENT_DIR"]), work / "attachments")
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                "dialect": dialect, "rows": row_counts(), "attachments": files}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    work.rename(target)
    return manifest


def restore(source: Path) -> dict:
    """Put a backup back (the app should be stopped) and verify counts and hashes."""
    manifest = json.loads((source / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError("Unknown backup format.")
    _check_files(source / "attachments", manifest["attachments"])
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"This backup is of {manifest['dialect']}, not {dialect}.")
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        _restore_sqlite(source / "database.sqlite")
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "-d", _pg_url(), str(source / "database.dump")])
    attachments = Path(current_app.config["ATTACHMENT_DIR"])
    _copy_tree(source / "attachments", attachments)
    _check_files(attachments, manifest["attachments"])
    if row_counts() != manifest["rows"]:
        raise BackupError("Row counts after restore differ from the backup's manifest.")
    return manifest


def _restore_sqlite(copy: Path) -> None:
    live = Path(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database or "")
    for suffix in ("-wal", "-shm"):
        Path(str(live) + suffix).unlink(missing_ok=True)
    shutil.copyfile(copy, live)


def _copy_tree(source: Path, target: Path) -> dict[str, str]:
    """Copy every file under source to target; return {relative path: sha256}."""
    files = {}
    if source.exists():
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            relative = path.relative_to(source)
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if destination.resolve() != path.resolve():
                shutil.copy2(path, destination)
            files[relative.as_posix()] = _sha256(destination)
    return files


def _check_files(folder: Path, expected: dict[str, str]) -> None:
    for relative, digest in expected.items():
        path = folder / relative
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"Attachment {relative} is missing or damaged.")


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  # no shell  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")
