"""SQLite's single write lock is held only by a view's short transaction, never while waiting.

These are about SQLite (PostgreSQL has row locks and no single writer), so they skip there.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import User
from tests import factories

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def sqlite_path(app) -> Path:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's write lock: PostgreSQL has none of its kind")
    return Path(url.removeprefix("sqlite:///"))


def _write_lock_free(path: Path) -> bool:
    """Whether another connection could start writing right now (without waiting)."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        other.close()


def _turn_free(path: Path) -> bool:
    """Whether a writer of another process could take its turn (the lock file) right now."""
    try:
        fd = os.open(f"{path}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    except IsADirectoryError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _probed_app(app: Flask, path: Path, seen: dict) -> Flask:
    """An app whose first before- and last after-request hooks read the database, as the
    rate limiter and session checks do, and note whether the write lock was free."""
    keep = ("TESTING", "WTF_CSRF_ENABLED", "ATTACHMENT_DIR", "ENV_NAME", "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI", "RATELIMIT_ENABLED")
    probed = create_app({key: app.config[key] for key in keep})

    def read_and_look(moment: str) -> None:
        db.session.scalars(select(User)).all()
        seen[moment] = _write_lock_free(path)
        seen[f"{moment}, other processes' turn"] = _turn_free(path)

    def view():
        read_and_look("view")
        return "refused", 422

    def failing_view():
        read_and_look("view")
        raise RuntimeError("a bug after the write began")

    probed.add_url_rule("/probe", "probe", view, methods=["POST"])
    probed.add_url_rule("/probe/fails", "probe_fails", failing_view, methods=["POST"])
    probed.before_request_funcs.setdefault(None, []).insert(0, lambda: read_and_look("before"))

    def after(response):
        read_and_look("after")
        return response

    probed.after_request_funcs.setdefault(None, []).insert(0, after)  # runs last
    return probed


def test_an_unsafe_request_holds_the_write_lock_only_inside_its_view(app, sqlite_path):
    factories.customer()
    db.session.commit()
    seen: dict[str, bool] = {}
    probed = _probed_app(app, sqlite_path, seen)
    assert probed.test_client().post("/probe").status_code == 422
    # Before the view (rate limits, session checks) and after it (the limiter counting a
    # failure in Redis) nothing blocks other writers; the view itself writes safely.
    assert seen == {"before": True, "view": False, "after": True,
                    "before, other processes' turn": True, "view, other processes' turn": False,
                    "after, other processes' turn": True}


def test_a_view_that_fails_mid_write_lets_the_next_writer_of_any_process_in(app, sqlite_path):
    """The turn at the lock file ends with the transaction however it ends: a view that
    raises must not leave every other worker's writers waiting 15 s, then refused."""
    seen: dict[str, bool] = {}
    probed = _probed_app(app, sqlite_path, seen)
    probed.config["PROPAGATE_EXCEPTIONS"] = False
    assert probed.test_client().post("/probe/fails").status_code == 500
    assert seen["view, other processes' turn"] is False
    assert _turn_free(sqlite_path) and _write_lock_free(sqlite_path)


GEVENT_SCRIPT = textwrap.dedent('''
    from gevent import monkey
    monkey.patch_all()
    import sys, time
    import gevent
    from portal import create_app
    from portal.database import writing
    from portal.extensions import db
    from sqlalchemy import text

    app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "TESTING": True})

    def writer(pause):
        with app.app_context(), writing():
            db.session.execute(text("SELECT count(*) FROM users"))  # takes the write lock
            gevent.sleep(pause)  # waits on the network, as a call to Redis would
            db.session.commit()

    started = time.monotonic()
    gevent.joinall([gevent.spawn(writer, 0.5), gevent.spawn(writer, 0)], raise_error=True)
    print(round(time.monotonic() - started, 2))
''')


def test_gevent_writers_of_one_worker_wait_for_each_other_without_freezing(sqlite_path):
    """A second greenlet waiting in SQLite's own busy wait blocked the whole worker, so the
    first could never commit: 15 s, then 'database is locked'. They queue cooperatively."""
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, "-c", GEVENT_SCRIPT, f"sqlite:///{sqlite_path}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.strip().splitlines()[-1]) < 3



def test_a_connection_dying_after_the_answer_is_ready_does_not_fail_it(app, client, monkeypatch):
    """The request's session is closed in teardown (database.close_session): a connection
    whose rollback fails then is dropped, the answer stands and the next request gets another."""
    dialect = db.engine.dialect
    real_rollback, failed = dialect.do_rollback, []

    def rollback_failing_once(dbapi_connection):
        if not failed:
            failed.append(True)
            raise dialect.loaded_dbapi.OperationalError("server closed the connection")
        return real_rollback(dbapi_connection)

    monkeypatch.setattr(dialect, "do_rollback", rollback_failing_once)
    assert client.get("/help").status_code == 200
    assert failed and client.get("/help").status_code == 200


def test_an_unusable_lock_file_leaves_writers_to_sqlite_instead_of_failing(app, sqlite_path):
    """Another user's lock file, or a folder in its place: a reply is still saved (writers
    then queue in SQLite's busy handler), never refused."""
    lock_file = Path(f"{sqlite_path}.writer-lock")
    lock_file.unlink(missing_ok=True)  # left by earlier tests on the same database
    lock_file.mkdir()
    try:
        seen: dict[str, bool] = {}
        probed = _probed_app(app, sqlite_path, seen)  # a new engine: it opens the lock file
        assert probed.test_client().post("/probe").status_code == 422
        assert seen["view"] is False  # the view still held SQLite's write lock
    finally:
        lock_file.rmdir()
