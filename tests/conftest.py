"""Fixtures: one app per run, a clean database per test, clients that act like browsers."""

from __future__ import annotations

import os

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import MetaData

from portal import create_app
from portal.extensions import db
from tests import factories


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
        "ENV_NAME": "test",
    }
    if not os.environ.get("DATABASE_URL"):  # else the app reads it, as in production
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp / 'test.db'}"
    app = create_app(config)
    with app.app_context():
        _drop_everything()
        upgrade()  # the real migrations build the test schema, so they run every time
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
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


class BrowserLikeClient(FlaskClient):
    """Each request gets its own app context (own session, own `g`), like a real server.

    The test's own transaction is committed first, so the request sees the test's data
    and SQLite's write lock is free.
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if outer is not None:
            db.session.commit()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if outer is not None:
                db.session.expire_all()


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
        response = client.post(url, data={"email": user.email,
                                          "password": factories.PASSWORD})
        assert response.status_code == 302, response.text
        return response

    return _login
