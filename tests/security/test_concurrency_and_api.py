"""Concurrency and API: scoped and revoked tokens, cookies refused, double submission."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
)
from portal.services import api_tokens as tokens
from tests.helpers import mails_to
from tests.security.catalogue import (
    SECRET,
    assert_nothing_stored,
    bearer,
    row_counts,
    session_cookie,
)

# --- 4. The API: tokens are scoped; cookies are not credentials there ---------------------

API_READS = ["/cases/{ref}", "/cases/{ref}/events", "/cases/{ref}/promises",
             "/cases/{ref}/feedback", "/customers/{customer}"]


@pytest.mark.parametrize("path", API_READS)
def test_a_department_token_cannot_read_another_departments_case(client, world, path):
    _, secret = tokens.create(world.admin, "Finance system", "read", [world.finance.id])
    response = client.get("/api/v1" + path.format(ref=world.theirs.reference,
                                                  customer=world.eve.id),
                          headers=bearer(secret))
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")
    assert SECRET not in response.text and "Eve" not in response.text


def test_a_department_token_listing_by_another_department_gets_nothing(client, world):
    _, secret = tokens.create(world.admin, "Finance system", "read", [world.finance.id])
    listed = client.get(f"/api/v1/cases?department={world.service.id}", headers=bearer(secret))
    assert listed.status_code == 200 and listed.json["items"] == []


API_WRITES = {
    "open case": ("/cases", {"customer_email": "x@example.com", "title": "t", "body": "b",
                             "category": "Recalls"}),
    "customer": ("/customers", {"email": "x@example.com"}),
    "status": ("/cases/{ref}/status", {"status": "closed"}),
    "contact": ("/cases/{ref}/events", {"channel": "phone", "body": "b", "public": True}),
    "promise": ("/cases/{ref}/promises", {"what": "w", "owner_email": "a@example.com",
                                          "due_at": "2099-01-01T10:00:00Z"}),
}


@pytest.mark.parametrize("path,body", API_WRITES.values(), ids=API_WRITES.keys())
def test_a_read_token_writing_gets_403_and_nothing_changes(client, world, path, body):
    _, secret = tokens.create(world.admin, "Reporting", "read", [])
    before = row_counts()
    response = client.post("/api/v1" + path.format(ref=world.mine.reference), json=body,
                           headers=bearer(secret))
    assert response.status_code == 403 and "only read" in response.json["detail"]
    assert_nothing_stored(before)


CASE_WRITES = {name: spec for name, spec in API_WRITES.items() if "{ref}" in spec[0]}


@pytest.mark.parametrize("path,body", CASE_WRITES.values(), ids=CASE_WRITES.keys())
def test_a_department_token_cannot_write_to_another_departments_case(client, world, path, body):
    _, secret = tokens.create(world.admin, "Finance system", "write", [world.finance.id])
    before = row_counts()
    response = client.post("/api/v1" + path.format(ref=world.theirs.reference), json=body,
                           headers=bearer(secret))
    assert response.status_code == 404
    assert_nothing_stored(before)


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi":
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule


def test_the_api_never_accepts_a_signed_in_browser_cookie(app, client, login, world):
    """An admin's cookie is no credential for /api: a cross-site form gets 401, not data."""
    login(client, world.admin)
    before = row_counts()
    routes = list(_api_routes(app))
    assert len(routes) >= 8
    for method, rule in routes:
        url = rule.build({name: world.mine.reference if name == "reference" else
                          str(world.dana.id) for name in rule.arguments})[1]
        response = client.open(url, method=method, json={"title": "forged"},
                               headers={"HX-Request": "true"})
        assert response.status_code == 401, (method, url)
        assert world.mine.title not in response.text
    assert_nothing_stored(before)


def test_a_revoked_token_is_refused_for_reads_and_writes(client, world):
    token, secret = tokens.create(world.admin, "Old system", "write", [])
    tokens.revoke(world.admin, token)
    before = row_counts()
    assert client.get(f"/api/v1/cases/{world.mine.reference}",
                      headers=bearer(secret)).status_code == 401
    assert client.post("/api/v1/customers", json={"email": "x@example.com"},
                       headers=bearer(secret)).status_code == 401
    assert_nothing_stored(before)


# --- 14. Double submission: one reply, and nothing the customer wrote is lost -------------

def hidden_fields(html: str, marker: str) -> dict[str, str]:
    """The hidden inputs of the form that follows `marker`, exactly as the page rendered them."""
    form = html.split(marker, 1)[1].split("</form>", 1)[0]
    return dict(re.findall(r'name="([^"]+)" type="hidden" value="([^"]*)"', form))


def _reply_form(client, case) -> dict[str, str]:
    return hidden_fields(client.get(f"/cases/{case.reference}").text, 'id="reply-form"')


def _customer_messages(case, body: str) -> int:
    return db.session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.body == body))


@pytest.mark.parametrize("htmx", [False, True], ids=["plain form", "htmx"])
def test_the_same_reply_posted_twice_is_stored_once(client, login, world, htmx):
    login(client, world.dana)
    hidden = _reply_form(client, world.mine)
    headers = {"HX-Request": "true"} if htmx else {}
    first = client.post(f"/cases/{world.mine.reference}/replies",
                        data=hidden | {"body": "Is it booked?"}, headers=headers)
    second = client.post(f"/cases/{world.mine.reference}/replies",
                         data=hidden | {"body": "Is it booked?"}, headers=headers)
    assert first.status_code == second.status_code and second.status_code in (200, 302)
    assert _customer_messages(world.mine, "Is it booked?") == 1


def test_a_changed_text_sent_with_the_same_form_is_kept_too(client, login, world):
    """Back button, edit, send again: that is a new message, never dropped."""
    login(client, world.dana)
    hidden = _reply_form(client, world.mine)
    client.post(f"/cases/{world.mine.reference}/replies", data=hidden | {"body": "First"})
    client.post(f"/cases/{world.mine.reference}/replies", data=hidden | {"body": "Second"})
    assert _customer_messages(world.mine, "First") == 1
    assert _customer_messages(world.mine, "Second") == 1


def test_the_same_new_case_posted_twice_opens_one_case(client, login, world):
    login(client, world.dana)
    hidden = hidden_fields(client.get("/cases/new").text, 'enctype="multipart/form-data"')
    data = hidden | {"category": world.mine.category_id, "title": "Windscreen chip",
                     "body": "A stone hit it."}
    first, second = client.post("/cases/new", data=data), client.post("/cases/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Case).where(
        Case.title == "Windscreen chip")) == 1


def test_a_staff_reply_sent_twice_reaches_the_customer_once(client, login, world):
    login(client, world.agent)
    hidden = hidden_fields(client.get(f"/admin/cases/{world.mine.reference}").text,
                           f'action="/admin/cases/{world.mine.reference}/replies"')
    mails = len(mails_to(world.dana.email))
    data = hidden | {"kind": "public", "body": "Your car is ready."}
    for _ in range(2):
        assert client.post(f"/admin/cases/{world.mine.reference}/replies",
                           data=data).status_code == 302
    assert _customer_messages(world.mine, "Your car is ready.") == 1
    assert len(mails_to(world.dana.email)) == mails + 1


def test_two_simultaneous_copies_of_one_reply_store_it_once(app, client, login, world):
    """A double click races two requests; a barrier makes them really overlap."""
    clients = [app.test_client(), app.test_client()]
    login(clients[0], world.dana)
    clients[1].set_cookie("session", session_cookie(clients[0]))
    hidden = _reply_form(clients[0], world.mine)
    url = f"/cases/{world.mine.reference}/replies"
    barrier, codes = threading.Barrier(2), []

    def send(browser):
        barrier.wait(timeout=10)
        codes.append(browser.post(url, data=hidden | {"body": "Race me"}).status_code)

    db.session.commit()
    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(codes) == [302, 302]
    assert _customer_messages(world.mine, "Race me") == 1
