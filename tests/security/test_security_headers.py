"""Security headers on every kind of answer, errors included."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.services import cases, timeline
from tests.security.catalogue import PNG, attach, sign_in_link_for

# --- 15. Security headers on every kind of answer ----------------------------------------

def _assert_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src" in csp or csp.startswith("sandbox"), csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    if not csp.startswith("sandbox"):
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


PAGE_KINDS = {
    "html page": ("GET", "/login", None, 200),
    "htmx fragment": ("GET", "/cases", {"HX-Request": "true"}, 200),
    "redirect": ("GET", "/", None, 302),
    "json": ("GET", "/api/v1/openapi.json", None, 200),
    "json problem": ("GET", "/api/v1/cases", None, 401),
    "health": ("GET", "/healthz", None, 200),
    "static file": ("GET", "/static/css/app.css", None, 200),
    "404 page": ("GET", "/no-such-page", None, 404),
    "404 fragment": ("GET", "/no-such-page", {"HX-Request": "true"}, 404),
    "405 page": ("GET", "/logout", None, 405),
    "400 page": ("GET", "/admin/cases?sort=evil", None, 400),
    "event stream": ("GET", "/cases/stream", None, 200),
    "attachment": ("GET", "/attachments/{file}/x", None, 200),
}


@pytest.mark.parametrize("method,url,headers,status", PAGE_KINDS.values(), ids=PAGE_KINDS.keys())
def test_security_headers_on_every_kind_of_answer(client, login, world, method, url, headers,
                                                  status):
    stored = world.eve_reply.attachments[0]
    stored.event = timeline.public_events(world.mine)[-1]
    db.session.commit()
    login(client, world.agent if "sort" in url else world.dana)
    with client.open(url.format(file=stored.id), method=method, headers=headers,
                     buffered=False) as response:
        assert response.status_code == status
        _assert_headers(response)


def test_security_headers_on_a_500_page(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)

    def broken(_customer):
        raise RuntimeError("boom")

    monkeypatch.setattr(cases, "cases_for", broken)
    login(client, world.dana)
    response = client.get("/cases")
    assert response.status_code == 500 and "Nothing you sent was lost" in response.text
    assert "boom" not in response.text and "Traceback" not in response.text
    _assert_headers(response)


def test_a_413_page_has_headers_and_a_message(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    login(client, world.dana)
    response = attach(client, world.mine, "big.png", PNG + bytes(4096), "image/png")
    assert response.status_code == 413 and "Nothing was saved" in response.text
    _assert_headers(response)


def test_a_sign_in_link_page_leaks_neither_referrer_nor_address(client, world):
    link = sign_in_link_for(client, world.dana.email)
    page = client.get(link)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert world.dana.email not in page.text
