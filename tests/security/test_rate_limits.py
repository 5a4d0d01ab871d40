"""Brute force: sign-in, emailed links, the code step and the API are rate limited (429).

These run on an app of their own with the limiter switched on and small limits; the rest of
the suite runs with RATELIMIT_ENABLED off (tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import uuid

import pyotp
import pytest

from portal import create_app
from portal.config import rate_limit_settings
from portal.extensions import db, limiter
from portal.models import Role
from portal.services import accounts, participants
from portal.services import api_tokens as tokens
from tests import factories
from tests.conftest import BrowserLikeClient
from tests.helpers import last_link, mails_to, redis_up, require

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13")
SMALL_LIMITS = {
    "RATELIMIT_SIGN_IN_ACCOUNT": "3 per 15 minutes",
    "RATELIMIT_SIGN_IN_IP": "6 per 15 minutes",
    "RATELIMIT_TWO_FACTOR_ACCOUNT": "3 per 15 minutes",
    "RATELIMIT_EMAIL_LINK_ACCOUNT": "2 per 15 minutes",
    "RATELIMIT_EMAIL_LINK_IP": "5 per hour",
    "RATELIMIT_API_TOKEN": "3 per minute",
    "RATELIMIT_API_IP": "100 per minute",
    "RATELIMIT_INVITE_ACCOUNT": "2 per hour",
}
WRONG = "not the password at all"


def _limited_app(app, **extra):
    """An app like the suite's (same database) with the limiter on."""
    keep = ("TESTING", "WTF_CSRF_ENABLED", "ATTACHMENT_DIR", "ENV_NAME", "SECRET_KEY",
            "SQLALCHEMY_DATABASE_URI")
    made = create_app({key: app.config[key] for key in keep} | SMALL_LIMITS | {
        "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"} | extra)
    made.test_client_class = BrowserLikeClient
    return made


@pytest.fixture(scope="module")
def limited(app):
    made = _limited_app(app)
    yield made
    with made.app_context():
        db.engine.dispose()


@pytest.fixture
def browser(limited):
    limiter.storage.reset()  # every test starts with no attempts counted
    return limited.test_client()


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _sign_in(browser, email, password=WRONG, address="198.51.100.1", url="/login"):
    return browser.post(url, data={"email": email, "password": password}, **_from(address))


def _same_page(one, other, *typed: str) -> bool:
    """Equal bodies once the CSRF token and what the person typed are blanked out."""
    def plain(response, word):
        text = re.sub(r'"X-CSRFToken": "[^"]*"', "", response.get_data(as_text=True))
        return text.replace(word, "EMAIL")
    return plain(one, typed[0]) == plain(other, typed[1])


def _assert_429_page(response):
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 15 * 60
    text = response.get_data(as_text=True)
    assert "Too many attempts" in text and "minutes and try again" in text
    assert '<main id="main"' in text and "Traceback" not in text  # the site's own page
    assert response.content_type.startswith("text/html")


def test_failed_customer_sign_ins_hit_a_limit_with_a_clear_page(browser):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    for _ in range(3):
        assert _sign_in(browser, dana.email).status_code == 422
    limited = _sign_in(browser, dana.email)
    _assert_429_page(limited)
    # Locked: even the right password waits (that is what stops guessing).
    _assert_429_page(_sign_in(browser, dana.email, factories.PASSWORD))


def test_known_and_unknown_emails_get_the_same_answers(browser):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    for attempt in range(4):
        known = _sign_in(browser, dana.email, address="198.51.100.1")
        unknown = _sign_in(browser, "ghost@example.com", address="198.51.100.2")
        assert known.status_code == unknown.status_code == (422 if attempt < 3 else 429)
        assert _same_page(known, unknown, dana.email, "ghost@example.com")
        assert known.headers.get("Retry-After") == unknown.headers.get("Retry-After") or \
            abs(int(known.headers["Retry-After"]) - int(unknown.headers["Retry-After"])) <= 1


def test_a_successful_sign_in_is_not_counted(browser):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    for _ in range(5):
        assert _sign_in(browser, dana.email, factories.PASSWORD).status_code == 302
        browser.post("/logout", **_from("198.51.100.1"))
    assert _sign_in(browser, dana.email).status_code == 422


def test_the_lockout_follows_the_account_across_addresses(browser):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    spellings = ["dana@example.com", "Dana@Example.com", "DANA@example.COM"]
    for n, spelling in enumerate(spellings):
        assert _sign_in(browser, spelling, address=f"203.0.113.{n + 1}").status_code == 422
    _assert_429_page(_sign_in(browser, dana.email, address="203.0.113.99"))
    # The address itself is not blocked: someone else signs in from it.
    ravi = factories.customer("Ravi Menon", "ravi@example.com")
    assert _sign_in(browser, ravi.email, factories.PASSWORD,
                    address="203.0.113.99").status_code == 302


def test_one_address_trying_many_accounts_is_limited(browser):
    for n in range(6):
        assert _sign_in(browser, f"person{n}@example.com").status_code == 422
    _assert_429_page(_sign_in(browser, "someone.else@example.com"))
    assert _sign_in(browser, "someone.else@example.com",
                    address="198.51.100.77").status_code == 422


def test_a_forged_x_forwarded_for_does_not_change_the_counted_address(browser):
    for n in range(6):
        response = browser.post("/login", data={"email": f"p{n}@example.com", "password": WRONG},
                                headers={"X-Forwarded-For": f"192.0.2.{n}"},
                                **_from("198.51.100.5"))
        assert response.status_code == 422
    _assert_429_page(browser.post("/login", data={"email": "x@example.com", "password": WRONG},
                                  headers={"X-Forwarded-For": "192.0.2.200"},
                                  **_from("198.51.100.5")))


def test_behind_a_trusted_proxy_each_client_address_counts_apart(app):
    proxied = _limited_app(app, TRUSTED_PROXIES=1)
    try:
        browser = proxied.test_client()
        limiter.storage.reset()
        proxy = _from("10.0.0.10")
        for n in range(6):
            response = browser.post("/login", data={"email": f"p{n}@example.com",
                                                    "password": WRONG},
                                    headers={"X-Forwarded-For": "192.0.2.1"}, **proxy)
            assert response.status_code == 422
        first = browser.post("/login", data={"email": "q@example.com", "password": WRONG},
                             headers={"X-Forwarded-For": "192.0.2.1"}, **proxy)
        second = browser.post("/login", data={"email": "q@example.com", "password": WRONG},
                              headers={"X-Forwarded-For": "192.0.2.2"}, **proxy)
        assert (first.status_code, second.status_code) == (429, 422)
    finally:
        with proxied.app_context():
            db.engine.dispose()


def test_staff_sign_in_is_limited_the_same_way(browser):
    agent = factories.staff(Role.AGENT, email="tom@staff.example.com")
    for n in range(3):
        answer = _sign_in(browser, agent.email, url="/admin/login", address=f"203.0.113.{n}")
        assert answer.status_code == 422
    _assert_429_page(_sign_in(browser, agent.email, factories.PASSWORD, url="/admin/login"))
    for n in range(3):  # an address with no account is locked after as many tries
        answer = _sign_in(browser, "nobody@staff.example.com", url="/admin/login",
                          address=f"203.0.113.{n + 10}")
        assert answer.status_code == 422
    _assert_429_page(_sign_in(browser, "nobody@staff.example.com", url="/admin/login"))


@pytest.mark.parametrize("url, field", [("/login/link", "link-email"), ("/reset", "email")])
def test_emailed_link_requests_are_limited_alike_for_known_and_unknown(browser, url, field):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    answers = []
    for email in (dana.email, "ghost@example.com"):
        answers.append([browser.post(url, data={field: email},
                                     **_from(f"198.51.100.{len(answers) + 1}"))
                        for _ in range(3)])
    for known, unknown in zip(*answers, strict=True):
        assert known.status_code == unknown.status_code
        assert _same_page(known, unknown, dana.email, "ghost@example.com")
    assert [a.status_code for a in answers[0]] == [200, 200, 429]
    _assert_429_page(answers[0][2])


def test_asking_for_a_new_link_is_limited_alike_for_real_and_made_up_links(browser):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    accounts.request_sign_in_link(dana.email)
    real = last_link(dana.email).rsplit("/", 1)[1]
    made_up = "x" * len(real)
    answers = {}
    for n, token in enumerate((real, made_up)):
        answers[token] = [browser.post(f"/login/link/{token}/renew", **_from(f"198.51.100.{n}"))
                          for _ in range(3)]
    assert [a.status_code for a in answers[real]] == [200, 200, 429]
    for ours, theirs in zip(answers[real], answers[made_up], strict=True):
        assert ours.status_code == theirs.status_code
        assert _same_page(ours, theirs, real, made_up)
    _assert_429_page(answers[real][2])
    # The owner's budget is shared with asking by address: no more mail for Dana for now.
    _assert_429_page(browser.post("/login/link", data={"link-email": dana.email},
                                  **_from("198.51.100.50")))


def test_sign_up_is_limited_per_address_and_per_email(browser):
    for n in range(2):
        answer = browser.post("/signup", data={"name": "Mallory", "email": "dana@example.com",
                                               "password": "long enough password",
                                               "confirm": "long enough password"},
                              **_from(f"203.0.113.{n}"))
        assert answer.status_code == 200
    again = browser.post("/signup", data={"name": "Mallory", "email": "dana@example.com",
                                          "password": "long enough password",
                                          "confirm": "long enough password"},
                         **_from("203.0.113.9"))
    _assert_429_page(again)


def test_wrong_two_factor_codes_are_limited(browser):
    manager = factories.staff(Role.MANAGER, email="priya@staff.example.com")
    secret = factories.enrol_two_factor(manager)
    assert _sign_in(browser, manager.email, factories.PASSWORD,
                    url="/admin/login").status_code == 302
    for _ in range(3):
        assert browser.post("/admin/login/code", data={"code": "000000"},
                            **_from("198.51.100.1")).status_code == 422
    locked = browser.post("/admin/login/code", data={"code": pyotp.TOTP(secret).now()},
                          **_from("198.51.100.1"))
    _assert_429_page(locked)


def test_the_api_is_limited_per_token_with_problem_json(browser):
    admin = factories.staff(Role.ADMIN)
    _, first = tokens.create(admin, "Recall system", "read", [])
    _, second = tokens.create(admin, "Billing system", "read", [])
    for _ in range(3):
        ok = browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {first}"})
        assert ok.status_code == 200
    limited = browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {first}"})
    assert limited.status_code == 429
    assert limited.content_type == "application/problem+json"
    assert limited.json["status"] == 429 and "Retry after" in limited.json["detail"]
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    other = browser.get("/api/v1/cases", headers={"Authorization": f"Bearer {second}"})
    assert other.status_code == 200


def test_a_customer_adding_colleagues_is_capped_and_keeps_what_they_typed(browser):
    """Each colleague added is emailed: past the cap the form says so next to the address,
    keeps it, adds nobody and sends nothing."""
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    case = factories.case(johnson)
    browser.post("/login", data={"email": johnson.email, "password": factories.PASSWORD})
    for name in ("amy", "ben"):
        added = browser.post(f"/cases/{case.reference}/participants",
                             data={"email": f"{name}@example.com"})
        assert added.status_code == 302
    over = browser.post(f"/cases/{case.reference}/participants",
                        data={"email": "carl@example.com", "name": "Carl Clerk"})
    assert over.status_code == 422 and "added many colleagues in the last hour" in over.text
    assert 'value="carl@example.com"' in over.text and 'value="Carl Clerk"' in over.text
    assert sorted(p.user.email for p in participants.of_case(case)) == ["amy@example.com",
                                                                        "ben@example.com"]
    assert mails_to("carl@example.com") == []


def test_with_redis_the_counts_are_shared_by_every_worker(app):
    require(redis_up(REDIS_URL), f"Redis is not reachable at {REDIS_URL}")
    email = f"dana-{uuid.uuid4().hex[:12]}@example.com"  # counts of earlier runs stay apart
    first_worker = _limited_app(app, RATELIMIT_STORAGE_URI=REDIS_URL)
    try:
        limiter.storage.reset()
        browser = first_worker.test_client()
        for n in range(3):
            assert _sign_in(browser, email, address=f"203.0.113.{n}").status_code == 422
        # A second worker (a new app and a new storage object) sees the same counts.
        second_worker = _limited_app(app, RATELIMIT_STORAGE_URI=REDIS_URL)
        _assert_429_page(_sign_in(second_worker.test_client(), email, address="203.0.113.9"))
    finally:
        limiter.storage.reset()  # only this app's keys (its prefix) in this Redis database
        with first_worker.app_context():
            db.engine.dispose()


def test_redis_url_is_the_default_store_and_memory_without_it(monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/2")
    assert rate_limit_settings()["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/2"
    monkeypatch.delenv("REDIS_URL")
    assert rate_limit_settings()["RATELIMIT_STORAGE_URI"] == "memory://"


def test_with_the_limit_store_down_a_colleague_is_still_added(app):
    """Redis gone: the cap cannot be counted, so the customer's change goes ahead (logged)
    rather than failing."""
    down = _limited_app(app, RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0",
                        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=False)
    try:
        johnson = factories.customer("Mr Johnson", "johnson@example.com")
        case = factories.case(johnson)
        browser = down.test_client()
        browser.post("/login", data={"email": johnson.email, "password": factories.PASSWORD})
        added = browser.post(f"/cases/{case.reference}/participants",
                             data={"email": "amy@example.com"})
        assert added.status_code == 302
        assert [p.user.email for p in participants.of_case(case)] == ["amy@example.com"]
    finally:
        with down.app_context():
            db.engine.dispose()
        _limited_app(app)  # the limiter is one object: give it a live store again
        # (Last in this module: the limiter remembers a dead store for a while.)
