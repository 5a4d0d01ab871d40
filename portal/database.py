"""Engine tuning: SQLite gets WAL, a busy timeout and immediate write transactions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_writing: ContextVar[bool] = ContextVar("caseloop_writing", default=False)


@contextmanager
def writing() -> Iterator[None]:
    """Mark background work (worker, scheduler) as a writer outside any request."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def _wants_write_lock() -> bool:
    # A deferred transaction that later writes can fail at once with SQLITE_BUSY
    # (the busy handler is not used for lock upgrades), so unsafe requests and
    # marked background writers take the write lock up front and wait their turn.
    if _writing.get():
        return True
    return has_request_context() and request.method not in SAFE_METHODS


def configure_sqlite(engine: Engine) -> None:
    """Install the SQLite pragmas and BEGIN handling on this engine."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


_WROTE = "caseloop_wrote"


def _wrote(session: Session, *_args) -> None:
    session.info[_WROTE] = True


def _wrote_dml(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


def _forget_writes(session: Session, *_args) -> None:
    session.info.pop(_WROTE, None)


def _remember_commit(session: Session) -> None:
    # A commit that only ended a read snapshot saved nothing and must not count.
    if session.info.pop(_WROTE, False) and has_request_context():
        g.caseloop_committed = True


_SESSION_HOOKS = (("after_flush", _wrote), ("do_orm_execute", _wrote_dml),
                  ("after_soft_rollback", _forget_writes), ("after_commit", _remember_commit))


def committed_in_request() -> bool:
    """Whether this request already committed: a failure after that must not say "unsaved"."""
    return bool(g.get("caseloop_committed"))


def discard_session(db) -> None:
    """End the session's transaction after a database failure, dropping a dead connection."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session().invalidate()  # the connection is gone: drop it, do not reuse it


def init_engine(app: Flask, db) -> None:
    """Apply per-dialect tuning once the engine exists."""
    for name, hook in _SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)

    @app.teardown_appcontext
    def _end_transaction(_exc) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, called later):
        # a connection that died after the response was ready must not turn it into a 500.
        discard_session(db)

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
