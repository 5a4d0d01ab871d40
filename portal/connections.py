"""Server database connections: checked at checkout; psycopg's per-statement extras trimmed.

Measured on the 1M-case database (benchmarks/README.md, "PostgreSQL's own overhead"):
- `pool_pre_ping` cost a round trip on every checkout. A server that restarts, or ends a
  session (pg_terminate_backend, idle timeouts, a crashed backend), closes the socket and
  says why first, so a pooled connection with anything to read is the suspect one: only
  those, and connections idle long enough for a silent network drop, get the real ping.
- psycopg counts every statement to prepare it after five runs, but clears the count and
  every prepared statement at each ROLLBACK, which ends every read-only request here: the
  bookkeeping never pays off.
- psycopg builds a Column object per column each time `cursor.description` is read, and
  SQLAlchemy reads it after every statement, using more than `is None` only the first time
  it sees a statement. Here it is built when first used.
"""

from __future__ import annotations

import select
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidatePoolError

# A connection quiet for longer than this gets the real ping: a NAT or firewall that drops
# idle connections silently leaves nothing to read on the socket.
PING_AFTER_IDLE_SECONDS = 30.0
_QUIET_SINCE = "caseloop_quiet_since"


class _Description(Sequence):
    """A cursor's description, built on first use for the result the cursor then held."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor, result: Any) -> None:
        self._cursor, self._result, self._columns = cursor, result, None

    def _built(self) -> list:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                # Never the case in SQLAlchemy; better to refuse than describe another result.
                raise psycopg.InterfaceError("description read after the cursor moved on")
            self._columns = psycopg.Cursor.description.fget(self._cursor)
        return self._columns

    def __getitem__(self, index):
        return self._built()[index]

    def __len__(self) -> int:
        return len(self._built())

    def __iter__(self):
        return iter(self._built())


class Cursor(psycopg.Cursor):
    """psycopg's cursor with a lazily built `description` (same columns, same None)."""

    @property
    def description(self):
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # None, or psycopg's empty list: nothing to save
        return _Description(self, result)


def _has_input(dbapi_conn) -> bool:
    """Whether the server sent anything to this idle connection (or closed it)."""
    try:
        readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    except (ValueError, OSError, psycopg.Error):
        return True  # closed, or a descriptor select() cannot watch: ping to be sure
    return bool(readable)


def _connected(dbapi_conn, record) -> None:
    dbapi_conn.prepare_threshold = None
    dbapi_conn.cursor_factory = Cursor
    record.info[_QUIET_SINCE] = time.monotonic()


def _returned(_dbapi_conn, record) -> None:
    record.info[_QUIET_SINCE] = time.monotonic()


def check_on_checkout(engine: Engine, quiet_and_live=None) -> None:
    """Replace `pool_pre_ping`: ping on checkout unless `quiet_and_live` vouches for the
    connection (then no round trip); a dead one is replaced, as pre-ping does."""
    dialect = engine.dialect

    def checked_out(dbapi_conn, record, _proxy) -> None:
        if quiet_and_live is not None and quiet_and_live(dbapi_conn, record):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except dialect.loaded_dbapi.Error as err:
            if not dialect.is_disconnect(err, dbapi_conn, None):
                raise
            # As pool_pre_ping does: every connection older than this one goes too.
            raise InvalidatePoolError() from err

    event.listen(engine, "checkout", checked_out)


def _recent_and_silent(dbapi_conn, record) -> bool:
    quiet = time.monotonic() - record.info.get(_QUIET_SINCE, float("-inf"))
    return quiet < PING_AFTER_IDLE_SECONDS and not _has_input(dbapi_conn)


def configure_psycopg(engine: Engine) -> None:
    """Install the connection setup and the cheap checkout check on a psycopg engine."""
    event.listen(engine, "connect", _connected)
    event.listen(engine, "checkin", _returned)
    check_on_checkout(engine, _recent_and_silent)
