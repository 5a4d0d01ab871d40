"""Test data built once per run, then copied into each later test's empty tables.

Building a world through the services costs a second or more (every commit runs its side
effects; the demo takes seconds); inserting the rows it left takes milliseconds. Each test
still gets its own copy in empty tables, and still cleans up after itself (tests/conftest.py):
the copy's timestamps are moved on by the time since the build, so it looks just built
(a build under a stopped clock is copied exactly), and its attachment files are put back.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Table, inspect, text

from portal.extensions import db
from portal.models import utcnow

T = TypeVar("T")


@dataclasses.dataclass
class Snapshot:
    rows: list[tuple[Table, list[dict[str, Any]]]]
    taken_at: datetime
    files: Path
    handle: Any  # what the builder returned, with each row object as (class, primary key)


_taken: dict[Any, Snapshot] = {}


def reuse(key: Any, build: Callable[[], T]) -> T:
    """What `build()` returns; it runs once per test run and `key`, later tests get a copy.

    Call it in empty tables (at the start of a fixture). The result's row objects (also
    inside tuples, lists, dicts and dataclasses) are loaded afresh from the copy.
    """
    key = (str(db.engine.url), key)  # an app of a test's own has a database of its own
    snapshot = _taken.get(key)
    if snapshot is None:
        result = build()
        _taken[key] = _take(result)
        return result
    _restore(snapshot)
    return _attach(snapshot.handle)


def _take(result: Any) -> Snapshot:
    db.session.commit()
    attachments = Path(current_app.config["ATTACHMENT_DIR"])
    files = attachments.parent / "snapshots" / str(len(_taken))
    if attachments.exists():
        shutil.copytree(attachments, files, dirs_exist_ok=True)
    with db.engine.connect() as conn:
        rows = [(t, [dict(r._mapping) for r in conn.execute(t.select().order_by(*t.primary_key))])
                for t in db.metadata.sorted_tables]
    return Snapshot([(t, r) for t, r in rows if r], utcnow(), files, _detach(result))


def _restore(snapshot: Snapshot) -> None:
    later = utcnow() - snapshot.taken_at
    with db.engine.begin() as conn:
        for table, rows in snapshot.rows:
            conn.execute(table.insert(), [
                {k: v + later if isinstance(v, datetime) else v for k, v in row.items()}
                for row in rows])
            if conn.dialect.name == "postgresql" and "id" in table.c:
                _keep_sequence_ahead(conn, table, max(row["id"] for row in rows))
    if snapshot.files.exists():  # a test may have erased a customer, and their files with them
        shutil.copytree(snapshot.files, current_app.config["ATTACHMENT_DIR"], dirs_exist_ok=True)


def _keep_sequence_ahead(conn, table: Table, top: int) -> None:
    """Rows went in with their ids: the next id the sequence gives must be a new one (a
    sequence never goes back, but one made again after the snapshot would start at 1)."""
    conn.execute(text("SELECT setval(s, GREATEST(:top, nextval(s))) "
                      "FROM (SELECT pg_get_serial_sequence(:table, 'id') AS s) AS q"),
                 {"top": top, "table": table.name})


def _detach(value: Any) -> Any:
    if isinstance(value, db.Model):
        return _Row(type(value), inspect(value).identity)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _Fields(type(value), {f.name: _detach(getattr(value, f.name))
                                     for f in dataclasses.fields(value)})
    if isinstance(value, (list, tuple)):
        return type(value)(_detach(v) for v in value)
    if isinstance(value, dict):
        return {k: _detach(v) for k, v in value.items()}
    return value


def _attach(value: Any) -> Any:
    if isinstance(value, _Row):
        return db.session.get(value.model, value.identity)
    if isinstance(value, _Fields):
        return value.cls(**{name: _attach(v) for name, v in value.fields.items()})
    if isinstance(value, (list, tuple)):
        return type(value)(_attach(v) for v in value)
    if isinstance(value, dict):
        return {k: _attach(v) for k, v in value.items()}
    return value


@dataclasses.dataclass(frozen=True)
class _Row:
    model: type
    identity: tuple


@dataclasses.dataclass(frozen=True)
class _Fields:
    cls: type
    fields: dict[str, Any]
