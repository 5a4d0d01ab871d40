"""With CSRF switched on, as in production: no state change without a token."""

import pytest
from werkzeug.routing import IntegerConverter

from portal.extensions import db
from portal.models import Case
from portal.services import cases
from tests import factories

# Token-authenticated (the JSON API) and secret-authenticated (the mail webhook) routes do
# not use cookies, so CSRF does not apply; their own tests check their authentication.
EXEMPT = {"static", "mail.inbound"}
EXEMPT_PREFIXES = ("api.",)


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _unsafe_routes(app):
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"GET", "HEAD", "OPTIONS"}:
            if rule.endpoint not in EXEMPT and not rule.endpoint.startswith(EXEMPT_PREFIXES):
                yield method, rule


def test_every_unsafe_route_refuses_a_request_without_a_token(app, client, csrf_on):
    routes = list(_unsafe_routes(app))
    assert len(routes) >= 8
    for method, rule in routes:
        args = {name: 1 if isinstance(conv, IntegerConverter) else "CL-000001"
                for name, conv in rule._converters.items()}
        url = rule.build(args)[1]
        response = client.open(url, method=method, data={"body": "x"})
        assert response.status_code == 400, (method, url)


def test_a_reply_without_token_changes_nothing_even_when_signed_in(client, csrf_on):
    dana = factories.customer()
    case = factories.case(dana)
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"email": dana.email, "password": factories.PASSWORD,
                                "csrf_token": token})
    before = case.version
    response = client.post(f"/cases/{case.reference}/replies", data={"body": "forged"})
    assert response.status_code == 400
    assert db.session.get(Case, case.id).version == before
    assert "forged" not in [e.body for e in cases.timeline.public_events(case)]


def test_htmx_requests_send_the_token_in_a_header(client, csrf_on):
    dana = factories.customer()
    case = factories.case(dana)
    token = client.get("/login").text.split('"X-CSRFToken": "')[1].split('"')[0]
    client.post("/login", data={"email": dana.email, "password": factories.PASSWORD,
                                "csrf_token": token})
    # Sign-in starts a fresh session, so the page after it carries a fresh token.
    page = client.get(f"/cases/{case.reference}").text
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    response = client.post(f"/cases/{case.reference}/replies", data={"body": "via htmx"},
                           headers={"HX-Request": "true", "X-CSRFToken": token})
    assert response.status_code == 200 and "via htmx" in response.text
