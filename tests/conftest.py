"""Fixtures: one app per run, a clean database per test, clients that act like browsers."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, text

from portal import create_app
from portal.extensions import cache, db
from portal.models import Role
from portal.services import two_factor
from tests import demo_world, factories, helpers, snapshots
from tests.pseudo_locale import catalogue, pseudo_german  # noqa: F401 - fixtures


def _drop_everything() -> None:
    """Start from an empty schema, whatever an earlier run left in a shared database."""
    meta = MetaData()
    meta.reflect(db.engine)
    meta.drop_all(db.engine)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("caseloop")
    config = {
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "ATTACHMENT_DIR": str(tmp / "attachments"),
        "EXPORT_DIR": str(tmp / "exports"),
        "DATA_EXPORT_AT_ONCE": False,  # tests run the export job themselves
        "ENV_NAME": "test",
        # Limits are tested by tests/security/test_rate_limits.py on an app of its own.
        "RATELIMIT_ENABLED": False,
        # Hashing cost is not under test: users are made and sign in thousands of times.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if not os.environ.get("DATABASE_URL"):  # else the app reads it, as in production
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'test.db'}"
    app = create_app(config)
    with app.app_context():
        _drop_everything()
        upgrade()  # the real migrations build the test schema, so they run every time
        _empty_tables()  # a fresh install's first category (0013): each test makes its own
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture(autouse=True)
def _app_context(app):
    """Each test runs in an app context and leaves every table empty behind it."""
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        _empty_tables()
        cache.clear()  # ids and versions start again in the next test's empty tables


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@contextmanager
def outside_app_context():
    """Run like a separate server thread would: without the test's own app context."""
    outer = _cv_app.get(None)
    if outer is not None:
        db.session.commit()
    token = _cv_app.set(None)
    try:
        yield
    finally:
        _cv_app.reset(token)
        if outer is not None:
            db.session.expire_all()


class BrowserLikeClient(FlaskClient):
    """Each request gets its own app context (own session, own `g`), like a real server.

    The test's own transaction is committed first, so the request sees the test's data
    and SQLite's write lock is free.
    """

    def open(self, *args, **kwargs):
        with outside_app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = BrowserLikeClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login():
    """Sign a client in through the real sign-in form."""

    def _login(client, user, staff: bool | None = None):
        staff = user.is_staff if staff is None else staff
        url = "/admin/login" if staff else "/login"
        if staff and two_factor.required_for(user) and not two_factor.is_enrolled(user):
            factories.enrol_two_factor(user)
        response = client.post(url, data={"email": user.email,
                                          "password": factories.PASSWORD})
        assert response.status_code == 302, response.text
        if response.headers["Location"] == "/admin/login/code":
            # The second step, as a person types the code their app shows.
            response = client.post("/admin/login/code",
                                   data={"code": helpers.two_factor_code(user)})
            assert response.status_code == 302, response.text
        return response

    return _login


SCRATCH_DB = "caseloop_scratch"


@pytest.fixture
def scratch_url(app, tmp_path):
    """An empty database of the same kind as the suite's, apart from it."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {SCRATCH_DB}"))
    yield url.rsplit("/", 1)[0] + "/" + SCRATCH_DB
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {SCRATCH_DB} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def scratch_app(scratch_url, tmp_path, monkeypatch):
    """An app on the scratch database, inside its app context; nothing migrated yet."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": scratch_url,
                      "ATTACHMENT_DIR": str(tmp_path / "files"), "ENV_NAME": "test"})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def north():
    """Northside, the department the new-case tests open cases in (a module may override)."""
    return factories.department("Northside Service Centre")


@pytest.fixture
def category(north):
    return factories.category(north, "Vehicle service and recalls")


@pytest.fixture
def agent(north):
    return factories.staff(Role.AGENT, [north], name="Tom Berger")


@pytest.fixture
def deliveries():
    """Deliveries, the category the help-article tests write in (its department is new)."""
    return factories.category(name="Deliveries")


@pytest.fixture
def two_departments():
    """North (a token's or a manager's) and South, with one case each."""
    north, south = factories.department("North"), factories.department("South")
    ours = factories.case(cat=factories.category(north))
    theirs = factories.case(cat=factories.category(south))
    return north, ours, theirs


@pytest.fixture
def world():
    """The demo stories with every kind of page filled (tests/demo_world.py); built once a
    run, copied into each test's empty tables after that (tests/snapshots.py)."""
    snapshots.reuse("demo world", demo_world.build)
