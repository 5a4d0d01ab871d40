"""CSRF and methods: every unsafe route needs a token; GET never changes state."""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter

from portal import create_app
from portal.services import customers
from tests.security.catalogue import (
    World,
    assert_nothing_stored,
    csrf_token_from,
    fill_in,
    row_counts,
)

# --- 5. CSRF on every unsafe route; htmx headers are no way around it ----------------------

# Token-authenticated (api.*) and secret-authenticated (mail.inbound) routes are exempt:
# the two tests after this one check they refuse what a browser could send. So is the
# RFC 8058 one-click unsubscribe, authorised by its signed link alone (test below).
CSRF_EXEMPT_PREFIXES = ("api.", "mail.inbound", "static", "customer.one_click_unsubscribe")


def _unsafe_routes():
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"GET", "HEAD", "OPTIONS"}):
            if not rule.endpoint.startswith(CSRF_EXEMPT_PREFIXES):
                routes.append(pytest.param(method, rule.rule, id=f"{method} {rule.rule}"))
    return routes


def _url_values(world: World, rule_text: str, app) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.rule == rule_text)
    fact = customers.set_fact(world.dana, world.dana, "vin", "VIN-1")
    known = {"reference": world.mine.reference, "event_id": world.eve_reply.id,
             "fact_id": fact.id, "user_id": world.agent.id, "customer_id": world.dana.id,
             "department_id": world.service.id, "category_id": world.mine.category_id,
             "attachment_id": world.note.attachments[0].id, "filename": "internal.png",
             "token": "a" * 43}
    values = {}
    for name, converter in rule._converters.items():
        values[name] = known.get(name, 1 if isinstance(converter, IntegerConverter) else "x")
    return rule.build(values)[1]


FORGED = {"body": "forged", "title": "forged", "name": "Forged", "email": "f@example.com",
          "password": "forged-password", "confirm": "forged-password", "kind": "public",
          "status": "closed", "note": "forged", "value": "forged", "solved": "no",
          "helpful": "no", "role": "admin", "active": "0", "what_was_done": "x",
          "told_customer": "y", "state": "kept"}


@pytest.mark.parametrize("method,rule_text", _unsafe_routes())
def test_every_unsafe_route_refuses_a_request_without_a_csrf_token(app, client, login, world,
                                                                   monkeypatch, method,
                                                                   rule_text):
    url = _url_values(world, rule_text, app)
    login(client, world.admin if rule_text.startswith("/admin") else world.dana)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = row_counts()
    attempts = [{}, {"HX-Request": "true"}, {"HX-Request": "true", "X-CSRFToken": "forged"},
                {"HX-Request": "true", "HX-Boosted": "true", "Origin": "http://localhost"}]
    for headers in attempts:
        response = client.open(url, method=method, data=FORGED, headers=headers)
        assert response.status_code == 400, (headers, response.status_code)
        assert "CSRF" in response.text or "token" in response.text.lower()
    assert_nothing_stored(before)


def test_a_csrf_token_from_another_session_is_refused(app, client, login, world, monkeypatch):
    eve_client = app.test_client()
    login(client, world.dana)
    login(eve_client, world.eve)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    ref = world.mine.reference
    stolen = csrf_token_from(eve_client.get(f"/cases/{world.theirs.reference}").text)
    before = row_counts()
    response = client.post(f"/cases/{ref}/replies", data={"body": "forged", "csrf_token": stolen})
    assert response.status_code == 400
    assert_nothing_stored(before)
    own = csrf_token_from(client.get(f"/cases/{ref}").text)
    assert client.post(f"/cases/{ref}/replies",
                       data={"body": "mine", "csrf_token": own}).status_code == 302


def test_the_mail_webhook_ignores_a_signed_in_cookie(app, client, login, world, monkeypatch):
    login(client, world.admin)
    raw = b"From: dana@example.com\r\nSubject: hi\r\n\r\nforged\r\n"
    before = row_counts()
    assert client.post("/mail/inbound", data=raw).status_code == 404  # switched off
    monkeypatch.setitem(app.config, "MAIL_INBOUND_SECRET", "s3cret-shared-with-the-mta")
    for headers in ({}, {"X-Caseloop-Secret": "guess"}, {"X-CSRFToken": "x"}):
        assert client.post("/mail/inbound", data=raw, headers=headers).status_code == 403
    assert_nothing_stored(before)


def test_one_click_unsubscribe_needs_its_signed_link_not_a_cookie(app, client, login, world,
                                                                  monkeypatch):
    login(client, world.dana)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = row_counts()
    one_click = {"List-Unsubscribe": "One-Click"}
    assert client.post(f"/notifications/{'a' * 43}/one-click", data=one_click).status_code == 404
    assert client.post(f"/notifications/{'a' * 43}/one-click", data=FORGED).status_code == 400
    assert_nothing_stored(before)


STATE_CHANGES_BY_GET = ["/logout", "/admin/logout", "/cases/{mine}/solved",
                        "/cases/{mine}/feedback", "/cases/{mine}/replies",
                        "/admin/cases/{mine}/take", "/profile/confirm"]


@pytest.mark.parametrize("url", STATE_CHANGES_BY_GET)
def test_get_never_changes_state(client, login, world, url):
    login(client, world.dana)
    before = row_counts()
    assert client.get(fill_in(url, world)).status_code in (404, 405)
    assert_nothing_stored(before)
    assert client.get("/cases").status_code == 200  # still signed in
