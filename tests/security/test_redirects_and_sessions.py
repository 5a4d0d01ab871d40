"""Redirects and sessions: next= stays on site; sessions are fresh and really end."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from portal import create_app
from portal.config import ConfigError
from portal.extensions import db
from tests import factories, helpers
from tests.helpers import last_link
from tests.security.catalogue import (
    assert_nothing_stored,
    csrf_token_from,
    row_counts,
    session_cookie,
)

# --- 7. Open redirects through next= on every sign-in flow -------------------------------

EVIL_NEXT = ["//evil.com", "/\\evil.com", "\\\\evil.com", "https:evil.com",
             "https://evil.com", "javascript:alert(1)", "%2F%2Fevil.com", "%5C%5Cevil.com",
             "/%5Cevil.com", "%09//evil.com", "/%09/evil.com", "https://portal@evil.com",
             "///evil.com", "http:/evil.com", "evil.com", "%252F%252Fevil.com",
             "java%0Ascript:alert(1)", "/%0D%0ASet-Cookie:x=1"]


def assert_stays_here(response) -> None:
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location and "\\" not in location and "\n" not in location


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_customer_password_sign_in_never_redirects_off_site(client, world, target):
    response = client.post(f"/login?next={target}",
                           data={"email": world.dana.email, "password": factories.PASSWORD})
    assert_stays_here(response)


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_staff_sign_in_never_redirects_off_site(client, world, target):
    """Through both steps: the password, then the two-factor code that admins must give."""
    factories.enrol_two_factor(world.admin)
    response = client.post(f"/admin/login?next={target}",
                           data={"email": world.admin.email, "password": factories.PASSWORD})
    assert_stays_here(response)
    code = client.post(response.headers["Location"],
                       data={"code": helpers.two_factor_code(world.admin)})
    assert_stays_here(code)
    assert client.get(code.headers["Location"]).status_code == 200  # signed in, and here


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_emailed_sign_in_link_never_redirects_off_site(client, world, target):
    client.post(f"/login/link?next={target}", data={"link-email": world.dana.email})
    response = client.post(last_link(world.dana.email))
    assert_stays_here(response)


# --- 8. Sessions: fresh at sign-in, dead after sign-out and password change ---------------

def test_sign_in_starts_a_new_session_and_drops_what_was_planted(app, client, world,
                                                                 monkeypatch):
    planted = csrf_token_from(client.get("/login").text)
    cookie_before = session_cookie(client)
    client.post("/login", data={"email": world.dana.email, "password": factories.PASSWORD})
    assert session_cookie(client) != cookie_before
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = row_counts()
    response = client.post(f"/cases/{world.mine.reference}/replies",
                           data={"body": "x", "csrf_token": planted})
    assert response.status_code == 400  # the pre-sign-in token died with its session
    assert_nothing_stored(before)


@pytest.mark.parametrize("who,home,logout,door", [
    ("dana", "/cases", "/logout", "/login"),
    ("admin", "/admin/cases", "/admin/logout", "/admin/login"),
])
def test_a_cookie_copied_before_sign_out_is_dead_after_it(app, client, login, world, who,
                                                          home, logout, door):
    login(client, getattr(world, who))
    stolen = session_cookie(client)
    client.post(logout)
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get(home)
    assert response.status_code == 302 and response.headers["Location"].startswith(door)


def test_a_password_reset_ends_every_other_session(app, client, login, world):
    login(client, world.dana)
    other = app.test_client()
    other.post("/reset", data={"email": world.dana.email})
    link = last_link(world.dana.email)
    other.post(link, data={"password": "brand new password", "confirm": "brand new password"})
    response = client.get("/cases")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_tampered_session_cookie_is_just_signed_out(client, login, world):
    login(client, world.dana)
    cookie = session_cookie(client)
    client.set_cookie("session", cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    response = client.get("/cases")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_session_cookie_flags(client, login, world):
    response = login(client, world.dana)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_hsts_is_sent(monkeypatch, tmp_path):
    monkeypatch.setenv("CASELOOP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment-0123456789")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    prod = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    assert prod.config["SESSION_COOKIE_SECURE"] and prod.config["REMEMBER_COOKIE_SECURE"]
    assert prod.config["SESSION_COOKIE_HTTPONLY"] and prod.config["SESSION_COOKIE_SAMESITE"]
    with prod.test_client() as browser:
        page = browser.get("/login", base_url="https://portal.example")
        assert "Strict-Transport-Security" in page.headers
        assert "Secure" in page.headers["Set-Cookie"]
    with prod.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("secret", [None, ""])
def test_production_refuses_to_start_without_a_secret_key(monkeypatch, secret):
    monkeypatch.setenv("CASELOOP_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


# --- Idle expiry: page loads slide it, the cookie is re-signed at most once a minute -------

def _signed_in_at(client) -> bool:
    return client.get("/cases").status_code == 200


@contextmanager
def _signed_in_with_the_clock_stopped(client, login, world) -> Iterator:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as clock:
        login(client, world.dana)
        client.get("/cases")  # the first page stores a CSRF token: the session changed
        yield clock


def test_page_loads_keep_a_sign_in_alive_and_twelve_idle_hours_end_it(client, login, world):
    with _signed_in_with_the_clock_stopped(client, login, world) as clock:
        signed = session_cookie(client)
        clock.shift(timedelta(seconds=30))
        soon = client.get("/cases")
        assert soon.status_code == 200 and "session=" not in soon.headers.get("Set-Cookie", "")
        assert session_cookie(client) == signed  # a reload seconds later re-signs nothing
        clock.shift(timedelta(seconds=31))
        later = client.get("/cases")
        assert "session=" in later.headers.get("Set-Cookie", "")  # a minute on: slid forward
        clock.shift(timedelta(hours=12, seconds=-1))
        assert _signed_in_at(client)  # twelve hours after the last slide, not the sign-in
        clock.shift(timedelta(hours=12, seconds=1))
        assert not _signed_in_at(client)


def test_a_cookie_not_re_signed_still_ends_twelve_hours_after_its_signature(app, client, login,
                                                                           world):
    with _signed_in_with_the_clock_stopped(client, login, world) as clock:
        copied = session_cookie(client)
        clock.shift(timedelta(seconds=59))
        assert _signed_in_at(client)  # used, but not re-signed: the copy's clock runs on
        clock.shift(timedelta(hours=12, seconds=-58))
        other = app.test_client()
        other.set_cookie("session", copied)
        assert not _signed_in_at(other)


def test_a_cookie_read_again_is_a_fresh_session_each_time(app, client, login, world):
    """Cookies already checked are decoded once per process (portal/web/sessions.py): what
    one request changes in its session never reaches another sending the same cookie."""
    login(client, world.dana)
    client.get("/cases")
    cookie = session_cookie(client)
    interface = app.session_interface
    with app.test_request_context("/cases", headers={"Cookie": f"session={cookie}"}) as ctx:
        first = interface.open_session(app, ctx.request)
        first.setdefault("_flashes", []).append(("info", "Only this request's."))
        first["planted"] = True
        second = interface.open_session(app, ctx.request)
    assert "planted" not in second and ("info", "Only this request's.") not in second.get(
        "_flashes", [])
    assert second["_user_id"] == first["_user_id"] and second.signed_at == first.signed_at
    with app.test_request_context("/cases", headers={"Cookie": f"session={cookie}x"}) as ctx:
        assert "_user_id" not in interface.open_session(app, ctx.request)  # tampered
