import os
import time

from flask import url_for
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import Case, User
from tests import factories


def test_healthz_is_200_with_the_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json["database"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                         f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setenv("CASELOOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_every_page_has_a_strict_content_security_policy(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"


def test_cli_creates_users_with_roles_and_departments(runner):
    factories.department("Finance")
    result = runner.invoke(args=["users", "create", "fatima@example.com", "--role", "agent",
                                 "--name", "Fatima Noor", "--department", "Finance",
                                 "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "fatima@example.com"))
    assert user.is_staff and [d.name for d in user.departments] == ["Finance"]
    duplicate = runner.invoke(args=["users", "create", "fatima@example.com", "--password",
                                    "a long password"])
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_cli_demo_data_loads_the_stories_once(runner):
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "dana@example.com" in first.output
    titles = [c.title for c in db.session.scalars(select(Case))]
    assert any("RC-42" in t for t in titles) and any("grocery" in t for t in titles)
    assert "Customers at http://127.0.0.1:5000/login" in first.output
    second = runner.invoke(args=["demo-data", "--url", "http://127.0.0.1:5091/"])
    assert "already present" in second.output
    assert db.session.query(Case).count() == len(titles)
    # `make run` on another port (PORT=5091) prints the addresses it serves
    assert "Staff at http://127.0.0.1:5091/admin/login" in second.output


def test_static_urls_name_the_files_content_and_follow_edits_while_debugging(
        app, monkeypatch, tmp_path):
    style = tmp_path / "edited.css"
    style.write_text("p { color: black }")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    with app.test_request_context("/"):
        first = url_for("static", filename="edited.css")
        assert first.startswith("/static/edited.css?v=")
        assert url_for("static", filename="missing.css") == "/static/missing.css"
        style.write_text("p { color: navy }")
        os.utime(style, (time.time() + 5, time.time() + 5))
        # Served by workers a deploy restarts: the name holds for the process.
        assert url_for("static", filename="edited.css") == first
        monkeypatch.setattr(app, "debug", True)  # the dev server: edits show on the next page
        edited = url_for("static", filename="edited.css")
        assert edited.startswith("/static/edited.css?v=") and edited != first
