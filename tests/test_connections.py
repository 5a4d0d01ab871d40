"""PostgreSQL connections (portal/connections.py): no ping round trip for a connection in
use, yet one the server ended is replaced before a request sees it; psycopg's lazy
description and no prepared-statement bookkeeping. PostgreSQL only (skipped on SQLite)."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import connections
from portal.extensions import db


@pytest.fixture
def pg_url(app) -> str:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections: SQLite has no server to lose")
    return url


@pytest.fixture
def engine(pg_url):
    """One pooled connection, set up as the app's are."""
    engine = create_engine(pg_url, pool_size=1, max_overflow=0)
    connections.configure_psycopg(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def pings(engine, monkeypatch) -> list:
    seen: list = []
    real = engine.dialect.do_ping

    def counted(dbapi_conn):
        seen.append(dbapi_conn)
        return real(dbapi_conn)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    return seen


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _terminate(url: str, pid: int) -> None:
    with psycopg.connect(_plain(url), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
        for _ in range(100):  # the backend is gone once pg_stat_activity stops listing it
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s",
                                 (pid,)).fetchone():
                return
            time.sleep(0.05)
    raise AssertionError(f"backend {pid} still there")


def test_the_apps_engine_uses_them(pg_url):
    with db.engine.connect() as conn:
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn.cursor_factory is connections.Cursor
        assert dbapi_conn.prepare_threshold is None
    assert not db.engine.pool._pre_ping  # replaced, not doubled


def test_a_connection_in_use_is_not_pinged(engine, pings):
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first
    assert _backend_pid(engine) == first
    assert pings == []


def test_a_connection_the_server_ended_is_replaced_unseen(engine, pings, pg_url):
    first = _backend_pid(engine)
    _terminate(pg_url, first)
    # The server said why and closed the socket: the checkout notices, pings, reconnects.
    assert _backend_pid(engine) != first
    assert len(pings) == 1


def test_a_quiet_connection_gets_the_real_ping(engine, pings, monkeypatch):
    _backend_pid(engine)
    monkeypatch.setattr(connections, "PING_AFTER_IDLE_SECONDS", 0.0)
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first
    assert len(pings) == 2  # a silent network drop leaves nothing to read: ask the server


def test_statements_are_not_prepared(engine):
    with engine.connect() as conn:
        for _ in range(8):  # psycopg's default prepares after five runs
            conn.execute(text("SELECT 1 + :n"), {"n": 1}).scalar_one()
        assert conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar() == 0


def test_the_description_is_psycopgs(engine):
    query = "SELECT 1 AS one, 'x'::varchar(5) AS two, now() AS three"
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        plain = psycopg.Cursor(conn.connection.dbapi_connection)
        for cur in (cursor, plain):
            cur.execute(query)
        lazy, eager = cursor.description, plain.description
        assert isinstance(cursor, connections.Cursor)
        assert [tuple(c) for c in lazy] == [tuple(c) for c in eager]
        assert [c.name for c in lazy] == ["one", "two", "three"] and len(lazy) == 3
        cursor.execute("SET LOCAL statement_timeout = 0")
        assert cursor.description is None
        cursor.execute("SELECT")
        assert cursor.description == []
        cursor.execute(query)
        held = cursor.description
        cursor.execute("SELECT 2 AS other")
        with pytest.raises(psycopg.InterfaceError):
            held[0]  # never describes a result other than the one it was read for
        conn.rollback()
