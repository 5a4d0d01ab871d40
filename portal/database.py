"""Engine tuning: SQLite gets WAL, a busy timeout and short, immediate write transactions.

SQLite has one writer at a time. Two rules keep that from freezing a server:
- A request writes only inside its view: what runs before it (session checks, rate limits
  that talk to Redis) reads, and the view's transaction ends before the response leaves
  (after_request), so no write lock is held while anything waits on Redis or the network.
- Inside one process, writers queue on a Python lock before they ask SQLite. Under gevent,
  SQLite's own busy wait blocks the whole worker: a greenlet waiting there would stop the
  greenlet holding the lock from ever finishing. The Python lock is cooperative.
- Across processes, writers then take turns at a lock file (`sqlite_writers`), which passes
  the lock on at once where SQLite's busy handler would sleep ever longer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from . import connections
from .sqlite_writers import WriterTurns, turns_for

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
BUSY_TIMEOUT_SECONDS = 15
_writing: ContextVar[bool] = ContextVar("caseloop_writing", default=False)
_WRITE_PHASE = "caseloop_write_phase"
_HOLDS_LOCK = "caseloop_holds_write_lock"
# One SQLite writer per process at a time; gevent's monkey-patching makes it cooperative.
_process_writer = threading.Lock()


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
    # (the busy handler is not used for lock upgrades), so the views of unsafe requests
    # and marked background writers take the write lock up front and wait their turn.
    if _writing.get():
        return True
    return has_request_context() and bool(g.get(_WRITE_PHASE))


def _locked() -> OperationalError:
    return OperationalError("BEGIN IMMEDIATE", None,
                            Exception("database is locked (waited for another writer)"))


def _take_process_lock(conn, turns: WriterTurns | None) -> None:
    if not _process_writer.acquire(timeout=BUSY_TIMEOUT_SECONDS):
        raise _locked()
    if turns is not None and not turns.acquire(BUSY_TIMEOUT_SECONDS):
        _process_writer.release()
        raise _locked()
    conn.info[_HOLDS_LOCK] = turns or True


def _release_process_lock(info: dict) -> None:
    held = info.pop(_HOLDS_LOCK, None)
    if held is None:
        return
    if isinstance(held, WriterTurns):
        held.release()
    _process_writer.release()


def configure_sqlite(engine: Engine) -> None:
    """Install the SQLite pragmas and BEGIN handling on this engine."""
    turns = turns_for(engine.url.database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if not _wants_write_lock():
            _begin_reading(conn)
            return
        _take_process_lock(conn, turns)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release_process_lock(conn.info)
            raise

    # The write transaction ends with its commit or rollback; a connection dropped or
    # reset by the pool releases it too, so an error can never leave the lock taken.
    for name in ("commit", "rollback"):
        event.listen(engine, name, _ended)
    event.listen(engine.pool, "reset", _reset)
    event.listen(engine.pool, "invalidate", _invalidated)
    event.listen(engine.pool, "close", _closed)


def _begin_reading(conn) -> None:
    # Every request's first statement: straight to the driver, not through SQLAlchemy's
    # statement machinery (a third of opening a connection). Errors are wrapped as before.
    try:
        conn.connection.driver_connection.execute("BEGIN")
    except sqlite3.Error as exc:
        raise OperationalError("BEGIN", None, exc) from exc


def _ended(conn) -> None:
    _release_process_lock(conn.info)


def _reset(_dbapi_connection, connection_record, _reset_state) -> None:
    _release_process_lock(connection_record.info)


def _invalidated(_dbapi_connection, connection_record, _exception) -> None:
    _release_process_lock(connection_record.info)


def _closed(_dbapi_connection, connection_record) -> None:
    _release_process_lock(connection_record.info)


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


def close_session(db) -> None:
    """Close the request's session (its connection back to the pool, rolled back), if it
    has one: a rollback first would expire every loaded object only to drop them."""
    if not db.session.registry.has():
        return  # the request never used the database: nothing to end
    try:
        db.session.remove()
    except SQLAlchemyError:
        db.session().invalidate()  # the connection is gone: drop it, do not reuse it
        db.session.remove()


def init_request_phases(app: Flask, db) -> None:
    """Unsafe requests write in their view only; call after every extension's hooks."""

    @app.before_request
    def _enter_view() -> None:
        # Registered last, so it runs just before the view: what ran so far only read.
        if request.method in SAFE_METHODS:
            return
        if db.session().in_transaction():
            db.session.commit()  # ends the read snapshot; nothing was written
        g.setdefault(_WRITE_PHASE, True)

    @app.after_request
    def _leave_view(response: Response) -> Response:
        # Runs first of the after-request hooks (registered last): the view's transaction
        # ends here, before the rate limiter or anything else talks to the network.
        if g.pop(_WRITE_PHASE, False):
            discard_session(db)
        return response


def init_engine(app: Flask, db) -> None:
    """Apply per-dialect tuning once the engine exists."""
    for name, hook in _SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)

    @app.teardown_appcontext
    def _end_transaction(_exc) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, called later):
        # a connection that died after the response was ready must not turn it into a 500.
        close_session(db)

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)  # a file: no server to restart, nothing to ping
        elif engine.dialect.driver == "psycopg":
            connections.configure_psycopg(engine)
        else:
            connections.check_on_checkout(engine)  # the real ping every time
