"""The security catalogue: one attack or bad input per test, each with its outcome asserted.

`shared/SECURITY.md` lists what must hold. Every test here names the attack in its id and
asserts what the person on the other side would notice: an error status with a clear
message, nothing stored (row counts of every table unchanged), nothing of anyone else's
leaked. Neighbours that this file does not repeat: tests/test_csrf.py (CSRF on, with a
token), tests/admin/test_authorization.py (the role x case-action matrix), tests/api/*
(token basics, validation), tests/mail/* (inbound parsing, triage, outbound headers),
tests/security/test_rate_limits.py and test_two_factor.py.
"""

from __future__ import annotations

import base64
import io
import re
import threading
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
import time_machine
from flask import current_app
from sqlalchemy import func, select
from werkzeug.routing import IntegerConverter
from werkzeug.security import generate_password_hash

from portal import create_app
from portal.api import tokens
from portal.config import ConfigError
from portal.extensions import db
from portal.mail import compose
from portal.mail.inbound import ingest
from portal.models import (
    Attachment,
    Case,
    CaseEvent,
    EventKind,
    Feedback,
    Role,
    Solved,
    Status,
    User,
    utcnow,
)
from portal.services import (
    accounts,
    cases,
    customers,
    feedback,
    feedback_rules,
    follow_ups,
    promises,
    timeline,
)
from portal.services.attachments import CheckedFile, storage_path
from portal.services.mail_addresses import SALT, _Base32Signer, reply_address
from tests import factories, helpers
from tests.helpers import last_link, mails_to

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)
SECRET = "Eve's loan account 99-SECRET-7731"  # must never reach Dana or an outsider
# Short enough for a name (120) or a file name; every vector a browser would run.
XSS = '<img src=x onerror=alert(1)><svg onload=alert(2)>'
XSS_LONG = (XSS + '<script>alert(3)</script><a href="javascript:alert(4)" '
            'hx-get="/admin" hx-trigger="load">x</a>')
XSS_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&lt;svg onload=alert(2)&gt;"
LIVE_MARKUP = ("<img src=x", "<svg onload", "<script>alert", '<a href="javascript',
               'hx-trigger="load"')


# --- the world every attack is tried against ----------------------------------------------

@dataclass
class World:
    service: object
    finance: object
    dana: User
    eve: User
    agent: User
    outsider: User
    admin: User
    mine: Case
    theirs: Case
    elsewhere: Case
    eve_reply: CaseEvent
    note: CaseEvent


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch):
    """Hashing cost is not under test here, and 300 attacks at 7 scrypt hashes each are slow."""
    monkeypatch.setattr(accounts, "generate_password_hash",
                        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"))


def _staff_reply(case: Case) -> CaseEvent:
    return [e for e in timeline.public_events(case) if e.kind == EventKind.STAFF_REPLY][-1]


def _file(name: str, data: bytes = PNG, kind: str = "image/png") -> CheckedFile:
    return CheckedFile(name, kind, data)


@pytest.fixture
def world() -> World:
    """Dana and Eve (customers of Service), staff of Service and Finance, and an admin."""
    service, finance = factories.department("Service"), factories.department("Finance")
    cat = factories.category(service, "Recalls")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    eve = factories.customer("Eve Other", "eve@example.com")
    agent = factories.staff(Role.AGENT, [service], name="Tom Berger")
    outsider = factories.staff(Role.AGENT, [finance], name="Olga Outsider")
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    mine = factories.case(dana, "Recall booking", "The garage cannot see my recall.", cat=cat)
    theirs = factories.case(eve, "Private loan question", SECRET, cat=cat)
    elsewhere = factories.case(dana, "Invoice query", "Finance, please.",
                               cat=factories.category(finance, "Invoices"))
    cases.add_staff_reply(theirs, agent, "Answer for Eve only", files=[_file("eve.png")])
    cases.add_staff_reply(mine, agent, "Customer is litigious: careful", internal=True,
                          files=[_file("internal.png")])
    cases.add_staff_reply(mine, agent, "We booked your recall.")
    events = {e.body: e for e in timeline.all_events(theirs) + timeline.all_events(mine)}
    return World(service, finance, dana, eve, agent, outsider, admin, mine, theirs, elsewhere,
                 events["Answer for Eve only"], events["Customer is litigious: careful"])


def row_counts() -> dict[str, int]:
    """Rows in every table, read in a fresh transaction."""
    db.session.commit()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def assert_nothing_stored(before: dict[str, int]) -> None:
    after = row_counts()
    assert after == before, {k: (before[k], after[k]) for k in after if after[k] != before[k]}


def assert_inert(html: str) -> None:
    """The payload is shown as text: escaped, never as markup a browser or htmx would run."""
    for markup in LIVE_MARKUP:
        assert markup not in html, markup
    assert XSS_ESCAPED in html


def csrf_token_from(html: str) -> str:
    """The token a page gives its forms and htmx requests (base.html's hx-headers)."""
    return re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)


def resolved_with_feedback(world: World, comment: str = "It still rattles") -> Feedback:
    """Eve's case resolved and answered “No, 2/10”: a follow-up is opened for it."""
    cases.change_status(world.theirs, world.agent, Status.RESOLVED, "Fixed, we think.")
    return feedback.answer(world.theirs, world.eve, Solved.NO, 2, comment)


# --- 1. Access control: another customer's things are 404 and say nothing ----------------

EVE_THINGS = {
    "case page": ("GET", "/cases/{theirs}", None),
    "live fragment": ("GET", "/cases/{theirs}/live", None),
    "live stream": ("GET", "/cases/{theirs}/stream", None),
    "reply": ("POST", "/cases/{theirs}/replies", {"body": "hijack"}),
    "feedback": ("POST", "/cases/{theirs}/feedback", {"solved": "yes", "rating": "10"}),
    "confirm solved": ("POST", "/cases/{theirs}/solved", {}),
    "reaction via her case": ("POST", "/cases/{theirs}/replies/{eve_reply}/reaction",
                              {"helpful": "no", "reason": "spite"}),
    "reaction via my case": ("POST", "/cases/{mine}/replies/{eve_reply}/reaction",
                             {"helpful": "no", "reason": "spite"}),
    "reaction on an internal note": ("POST", "/cases/{mine}/replies/{note}/reaction",
                                     {"helpful": "yes"}),
    "attachment": ("GET", "/attachments/{eve_file}/eve.png", None),
    "internal note's attachment": ("GET", "/attachments/{note_file}/internal.png", None),
    "guessed reference": ("GET", "/cases/CL-999999", None),
    "huge reference": ("GET", "/cases/CL-999999999999", None),
    "malformed reference": ("GET", "/cases/CL-1%27%20OR%201=1--", None),
    "huge attachment id": ("GET", "/attachments/99999999999/x.png", None),
}


def _fill(template: str, world: World, **extra: object) -> str:
    return template.format(
        theirs=world.theirs.reference, mine=world.mine.reference, eve_reply=world.eve_reply.id,
        note=world.note.id, eve_file=world.eve_reply.attachments[0].id,
        note_file=world.note.attachments[0].id, eve=world.eve.id, **extra)


@pytest.mark.parametrize("method,url,data", EVE_THINGS.values(), ids=EVE_THINGS.keys())
def test_a_customer_cannot_reach_another_customers_things(client, login, world, method, url,
                                                          data):
    login(client, world.dana)
    before = row_counts()
    response = client.open(_fill(url, world), method=method, data=data)
    assert response.status_code == 404
    assert "it is not yours to see" in response.text
    assert SECRET not in response.text and "Private loan" not in response.text
    assert_nothing_stored(before)


def test_internal_notes_never_reach_the_customer_anywhere(client, login, world):
    login(client, world.dana)
    ref = world.mine.reference
    for url in (f"/cases/{ref}", f"/cases/{ref}/live", "/cases"):
        for headers in ({}, {"HX-Request": "true"}):
            text = client.get(url, headers=headers).text
            assert "litigious" not in text and "internal.png" not in text, url
    assert "We booked your recall." in client.get(f"/cases/{ref}").text


def test_a_customer_cannot_remove_or_overwrite_another_customers_details(client, login, world):
    fact = customers.set_fact(world.eve, world.eve, "account_number", "EVE-ACCOUNT-1")
    login(client, world.dana)
    before = row_counts()
    assert client.post(f"/profile/facts/{fact.id}", data={"kind": "vin",
                                                          "value": "mine now"}).status_code == 404
    assert client.post(f"/profile/facts/{fact.id}/remove").status_code == 404
    assert "EVE-ACCOUNT-1" not in client.get("/profile").text
    assert_nothing_stored(before)
    assert customers.facts_for(world.eve)[0].value == "EVE-ACCOUNT-1"


# --- 2. Staff scoping: another department's case and everything hanging off it ------------

OTHER_DEPARTMENT = {
    "workspace": ("GET", "/admin/cases/{theirs}", None),
    "timeline fragment": ("GET", "/admin/cases/{theirs}/timeline", None),
    "case stream": ("GET", "/admin/cases/{theirs}/stream", None),
    "attachment": ("GET", "/admin/attachments/{eve_file}/eve.png", None),
    "reply": ("POST", "/admin/cases/{theirs}/replies", {"kind": "public", "body": "hi"}),
    "take": ("POST", "/admin/cases/{theirs}/take", {}),
    "customer history": ("GET", "/admin/customers/{eve}", None),
    "follow-up": ("GET", "/admin/follow-ups/{follow_up}", None),
    "complete follow-up": ("POST", "/admin/follow-ups/{follow_up}/complete",
                           {"what_was_done": "x", "told_customer": "y"}),
    "settle promise": ("POST", "/admin/promises/{promise}/settle",
                       {"state": "kept", "outcome": "done"}),
    "huge follow-up id": ("GET", "/admin/follow-ups/99999999999", None),
    "huge reference": ("GET", "/admin/cases/CL-99999999999/timeline", None),
}


@pytest.mark.parametrize("method,url,data", OTHER_DEPARTMENT.values(),
                         ids=OTHER_DEPARTMENT.keys())
def test_an_agent_cannot_reach_another_departments_case(client, login, world, method, url, data):
    answer = resolved_with_feedback(world)
    promise = promises.make(world.theirs, world.agent, "Call Eve back", world.agent,
                            utcnow() + timedelta(days=1))
    target = _fill(url, world, follow_up=follow_ups.for_feedback(answer).id,
                   promise=promise.id)
    login(client, world.outsider)
    before = row_counts()
    response = client.open(target, method=method, data=data)
    assert response.status_code == 404, target
    assert SECRET not in response.text and "Private loan" not in response.text
    assert_nothing_stored(before)


ADMIN_PAGES = ["/admin/cases", "/admin/follow-ups", "/admin/promises", "/admin/inbox",
               "/admin/outbox", "/admin/dashboard", "/admin/audit", "/admin/audit.csv",
               "/admin/settings/staff", "/admin/settings/departments",
               "/admin/settings/categories", "/admin/settings/standards",
               "/admin/settings/api-tokens", "/admin/cases/stream"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_customers_never_learn_that_staff_pages_exist(client, login, world, url):
    login(client, world.dana)
    response = client.get(url)
    assert response.status_code == 404 and "Not found" in response.text


MANAGER_PAGES = ["/admin/dashboard", "/admin/audit", "/admin/audit.csv", "/admin/outbox"]
ADMIN_ONLY_PAGES = ["/admin/settings/staff", "/admin/settings/staff/new",
                    "/admin/settings/departments", "/admin/settings/categories",
                    "/admin/settings/standards", "/admin/settings/api-tokens",
                    "/admin/settings/api-tokens/new"]


@pytest.mark.parametrize("url", MANAGER_PAGES + ADMIN_ONLY_PAGES)
def test_an_agent_gets_403_on_manager_and_admin_pages(client, login, world, url):
    login(client, world.agent)
    response = client.get(url)
    assert response.status_code == 403 and "not allowed" in response.text


ADMIN_ACTIONS = {
    "invite an admin": ("/admin/settings/staff/new",
                        {"name": "Mallory", "email": "mallory@example.com", "role": "admin"}),
    "promote myself": ("/admin/settings/staff/{me}", {"role": "admin"}),
    "new department": ("/admin/settings/departments", {"name": "Shadow"}),
    "new category": ("/admin/settings/categories", {"name": "Shadow", "department": "{dep}"}),
    "new API token": ("/admin/settings/api-tokens/new", {"name": "exfil", "scope": "write"}),
    "new standard": ("/admin/settings/standards",
                     {"category": "0", "priority": "", "first_response_minutes": "1",
                      "update_minutes": "1", "resolution_minutes": "1"}),
}


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER])
@pytest.mark.parametrize("url,data", ADMIN_ACTIONS.values(), ids=ADMIN_ACTIONS.keys())
def test_admin_actions_by_lower_roles_are_403_and_audited(client, login, world, role, url, data):
    me = factories.staff(role, [world.service], name="Pat Climber")
    login(client, me)
    url = url.format(me=me.id)
    data = {k: v.format(dep=world.service.id) for k, v in data.items()}
    before = row_counts()
    response = client.post(url, data=data)
    assert response.status_code == 403
    assert db.session.get(User, me.id).role == role
    after = row_counts()
    assert after.pop("audit_entries") == before.pop("audit_entries") + 1  # the refusal
    assert after == before


def test_a_manager_cannot_read_another_departments_audit_entries(client, login, world):
    cases.change_status(world.elsewhere, world.admin, Status.ACKNOWLEDGED)
    from portal.services import case_details

    case_details.add_reference(world.elsewhere, world.admin, "CRM", "FIN-SECRET-1")
    manager = factories.staff(Role.MANAGER, [world.service], name="Grace Lindqvist")
    login(client, manager)
    assert "FIN-SECRET-1" not in client.get("/admin/audit").text
    assert "FIN-SECRET-1" not in client.get("/admin/audit.csv").text


# --- 3. Mass assignment: extra fields are ignored; only the form's fields count -----------

def test_sign_up_posting_a_role_still_makes_a_customer(client):
    client.post("/signup", data={"name": "Mallory", "email": "mallory@example.com",
                                 "password": "x" * 12, "confirm": "x" * 12, "role": "admin",
                                 "is_staff": "1", "departments": "1", "session_version": "9"})
    mallory = accounts.find_user("mallory@example.com")
    assert mallory.role == Role.CUSTOMER and mallory.departments == []
    assert mallory.session_version == 1


def test_a_new_case_posting_department_and_priority_ignores_them(client, login, world):
    login(client, world.dana)
    client.post("/cases/new", data={"category": world.mine.category_id, "title": "Brakes",
                                    "body": "Squeak", "department_id": world.finance.id,
                                    "priority": "urgent", "customer_id": world.eve.id,
                                    "status": "closed"})
    case = db.session.scalar(select(Case).where(Case.title == "Brakes"))
    assert case.customer_id == world.dana.id and case.department_id == world.service.id
    assert case.priority.value == "normal" and case.status == Status.NEW


def test_a_profile_detail_posting_a_customer_id_lands_on_my_own_profile(client, login, world):
    login(client, world.dana)
    client.post("/profile/facts", data={"kind": "vin", "value": "VIN-123",
                                        "customer_id": world.eve.id})
    assert [f.value for f in customers.facts_for(world.dana)] == ["VIN-123"]
    assert customers.facts_for(world.eve) == []


def test_an_internal_note_cannot_be_made_public_by_an_extra_field(client, login, world):
    login(client, world.agent)
    seen = timeline.all_events(world.mine)[-1].id
    client.post(f"/admin/cases/{world.mine.reference}/replies",
                data={"kind": "internal", "body": "Staff eyes only", "seen": seen,
                      "visibility": "public", "author_id": world.admin.id})
    note = db.session.scalar(select(CaseEvent).where(CaseEvent.body == "Staff eyes only"))
    assert note.visibility.value == "internal" and note.author_id == world.agent.id
    assert mails_to(world.dana.email)[-1].body_text.count("Staff eyes only") == 0


def test_an_admin_editing_staff_cannot_change_email_or_password_by_extra_fields(client, login,
                                                                                world):
    login(client, world.admin)
    old_hash = world.agent.password_hash
    client.post(f"/admin/settings/staff/{world.agent.id}",
                data={"role": "agent", "departments": [world.service.id],
                      "email": "hijack@example.com", "password_hash": "x", "active": "0"})
    agent = db.session.get(User, world.agent.id)
    assert agent.email != "hijack@example.com" and agent.password_hash == old_hash
    assert agent.active


def test_the_api_refuses_a_role_or_id_smuggled_into_a_customer(client, world):
    _, secret = tokens.create(world.admin, "CRM", "write", [])
    before = row_counts()
    response = client.post("/api/v1/customers", headers=_bearer(secret),
                           json={"email": "mallory@example.com", "role": "admin", "id": 1})
    assert response.status_code == 422
    assert {e["field"] for e in response.json["errors"]} >= {"role", "id"}
    assert_nothing_stored(before)


def test_an_agent_cannot_hand_a_case_to_a_named_colleague(client, login, world):
    colleague = factories.staff(Role.AGENT, [world.service], name="Hana Sato")
    login(client, world.agent)
    seen = timeline.all_events(world.mine)[-1].id
    before = row_counts()
    response = client.post(f"/admin/cases/{world.mine.reference}/handoff",
                           data={"department": world.service.id, "assignee": colleague.id,
                                 "note": "yours", "seen": seen})
    assert response.status_code == 422
    assert db.session.get(Case, world.mine.id).assignee_id is None
    assert_nothing_stored(before)


# --- 4. The API: tokens are scoped; cookies are not credentials there ---------------------

def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


API_READS = ["/cases/{ref}", "/cases/{ref}/events", "/cases/{ref}/promises",
             "/cases/{ref}/feedback", "/customers/{customer}"]


@pytest.mark.parametrize("path", API_READS)
def test_a_department_token_cannot_read_another_departments_case(client, world, path):
    _, secret = tokens.create(world.admin, "Finance system", "read", [world.finance.id])
    response = client.get("/api/v1" + path.format(ref=world.theirs.reference,
                                                  customer=world.eve.id),
                          headers=_bearer(secret))
    assert response.status_code == 404
    assert response.content_type.startswith("application/problem+json")
    assert SECRET not in response.text and "Eve" not in response.text


def test_a_department_token_listing_by_another_department_gets_nothing(client, world):
    _, secret = tokens.create(world.admin, "Finance system", "read", [world.finance.id])
    listed = client.get(f"/api/v1/cases?department={world.service.id}", headers=_bearer(secret))
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
                           headers=_bearer(secret))
    assert response.status_code == 403 and "only read" in response.json["detail"]
    assert_nothing_stored(before)


CASE_WRITES = {name: spec for name, spec in API_WRITES.items() if "{ref}" in spec[0]}


@pytest.mark.parametrize("path,body", CASE_WRITES.values(), ids=CASE_WRITES.keys())
def test_a_department_token_cannot_write_to_another_departments_case(client, world, path, body):
    _, secret = tokens.create(world.admin, "Finance system", "write", [world.finance.id])
    before = row_counts()
    response = client.post("/api/v1" + path.format(ref=world.theirs.reference), json=body,
                           headers=_bearer(secret))
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
                      headers=_bearer(secret)).status_code == 401
    assert client.post("/api/v1/customers", json={"email": "x@example.com"},
                       headers=_bearer(secret)).status_code == 401
    assert_nothing_stored(before)


# --- 5. CSRF on every unsafe route; htmx headers are no way around it ----------------------

# Token-authenticated (api.*) and secret-authenticated (mail.inbound) routes are exempt:
# the two tests after this one check they refuse what a browser could send.
CSRF_EXEMPT_PREFIXES = ("api.", "mail.inbound", "static")


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


STATE_CHANGES_BY_GET = ["/logout", "/admin/logout", "/cases/{mine}/solved",
                        "/cases/{mine}/feedback", "/cases/{mine}/replies",
                        "/admin/cases/{mine}/take", "/profile/confirm"]


@pytest.mark.parametrize("url", STATE_CHANGES_BY_GET)
def test_get_never_changes_state(client, login, world, url):
    login(client, world.dana)
    before = row_counts()
    assert client.get(_fill(url, world)).status_code in (404, 405)
    assert_nothing_stored(before)
    assert client.get("/cases").status_code == 200  # still signed in


# --- 6. Stored XSS: whatever people type is text wherever it is shown ---------------------

def _xss_title(world):
    world.mine.title = XSS_LONG
    db.session.commit()


def _xss_message(world):
    cases.add_customer_message(world.mine, world.dana, XSS_LONG)


def _xss_customer_name(world):
    world.dana.name = XSS
    db.session.commit()


def _xss_staff_note(world):
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG, internal=True)


def _xss_staff_reply(world):
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG)


def _xss_file_name(world):
    cases.add_customer_message(world.mine, world.dana, "file",
                               files=[_file(XSS + ".txt", b"text", "text/plain")])


def _xss_feedback_comment(world):
    cases.change_status(world.mine, world.agent, Status.RESOLVED, "Booked.")
    feedback.answer(world.mine, world.dana, Solved.PARTLY, 5, XSS_LONG)


def _xss_reaction_reason(world):
    reply = _staff_reply(world.mine)
    feedback.react(reply.id, world.dana, False, XSS)


def _xss_fact(world):
    customers.set_fact(world.dana, world.dana, "address", XSS_LONG)


def _xss_promise(world):
    promises.make(world.mine, world.agent, XSS, world.agent, utcnow() + timedelta(days=1))


CUSTOMER_PAGE, WORKSPACE = "/cases/{mine}", "/admin/cases/{mine}"
XSS_FIELDS = {
    "case title": (_xss_title, ["/cases", CUSTOMER_PAGE], ["/admin/cases", WORKSPACE]),
    "message body": (_xss_message, [CUSTOMER_PAGE], [WORKSPACE, "/admin/customers/{dana}"]),
    "customer name": (_xss_customer_name, [], ["/admin/cases", WORKSPACE,
                                               "/admin/customers/{dana}"]),
    "staff note": (_xss_staff_note, [], [WORKSPACE, "/admin/cases/{mine}/timeline"]),
    "staff reply": (_xss_staff_reply, [CUSTOMER_PAGE, "/cases/{mine}/live"], [WORKSPACE]),
    "attachment file name": (_xss_file_name, [CUSTOMER_PAGE], [WORKSPACE]),
    "feedback comment": (_xss_feedback_comment, [CUSTOMER_PAGE],
                         [WORKSPACE, "/admin/follow-ups/{follow_up}"]),
    "reaction reason": (_xss_reaction_reason, [], [WORKSPACE]),
    "customer detail": (_xss_fact, ["/profile"], [WORKSPACE, "/admin/customers/{dana}"]),
    "promise": (_xss_promise, [CUSTOMER_PAGE], ["/admin/promises", WORKSPACE]),
}


@pytest.mark.parametrize("plant,customer_pages,staff_pages", XSS_FIELDS.values(),
                         ids=XSS_FIELDS.keys())
def test_stored_markup_is_inert_on_every_page_that_shows_it(app, client, login, world, plant,
                                                           customer_pages, staff_pages):
    plant(world)
    answer = feedback_rules.current(world.mine)
    follow_up = follow_ups.for_feedback(answer) if answer else None
    values = {"mine": world.mine.reference, "dana": world.dana.id,
              "follow_up": follow_up.id if follow_up else 0}
    staff_client = app.test_client()
    login(client, world.dana)
    login(staff_client, world.agent)
    for who, pages in ((client, customer_pages), (staff_client, staff_pages)):
        for page in pages:
            for headers in ({}, {"HX-Request": "true"}):
                response = who.get(page.format(**values), headers=headers)
                assert response.status_code == 200, page
                assert_inert(response.text)


def _mail_staff_reply(world):
    world.mine.title = XSS
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG)
    return world.dana.email


def _mail_status(world):
    cases.change_status(world.mine, world.agent, Status.WAITING_ON_CUSTOMER, XSS_LONG)
    return world.dana.email


def _mail_promise(world):
    promises.make(world.mine, world.agent, XSS, world.agent, utcnow() + timedelta(days=1))
    return world.dana.email


def _mail_text_only(world):
    reply = _staff_reply(world.mine)
    feedback.react(reply.id, world.dana, False, XSS_LONG)  # the owner's mail has no .html
    return world.agent.email


EMAILS = {"staff reply": _mail_staff_reply, "status change": _mail_status,
          "promise": _mail_promise, "text-only template": _mail_text_only}


@pytest.mark.parametrize("send", EMAILS.values(), ids=EMAILS.keys())
def test_markup_in_html_emails_is_escaped(world, send):
    world.dana.name = XSS
    db.session.commit()
    address = send(world)
    message = mails_to(address)[-1]
    assert_inert(message.body_html)
    built = compose.build(message)
    assert built.get_body(("html",)).get_content().count("<img src=x") == 0


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

def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_sign_in_starts_a_new_session_and_drops_what_was_planted(app, client, world,
                                                                 monkeypatch):
    planted = csrf_token_from(client.get("/login").text)
    cookie_before = _session_cookie(client)
    client.post("/login", data={"email": world.dana.email, "password": factories.PASSWORD})
    assert _session_cookie(client) != cookie_before
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
    stolen = _session_cookie(client)
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
    cookie = _session_cookie(client)
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


# --- 9. Sign-in links and signed links: once, briefly, untampered -------------------------

def _link_for(client, email: str) -> str:
    client.post("/login/link", data={"link-email": email})
    return last_link(email)


def test_a_sign_in_link_works_once(app, client, world):
    link = _link_for(client, world.dana.email)
    assert client.post(link).status_code == 302
    replay = app.test_client()
    response = replay.post(link)
    assert response.status_code == 404
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert replay.get("/cases").status_code == 302  # not signed in


def test_a_sign_in_link_expires_after_ten_minutes(client, world):
    link = _link_for(client, world.dana.email)
    with time_machine.travel(utcnow() + timedelta(minutes=10, seconds=5)):
        assert client.get(link).status_code == 404
        assert client.post(link).status_code == 404
    assert client.get("/cases").status_code == 302


@pytest.mark.parametrize("tamper", ["flip last", "truncate", "append", "uppercase", "nul"])
def test_a_tampered_sign_in_link_is_404(client, world, tamper):
    link = _link_for(client, world.dana.email)
    prefix, token = link.rsplit("/", 1)
    changed = {"flip last": token[:-1] + ("A" if token[-1] != "A" else "B"),
               "truncate": token[:-4], "append": token + "x", "uppercase": token.upper(),
               "nul": token + "%00"}[tamper]
    before = row_counts()
    response = client.post(f"{prefix}/{changed}")
    assert response.status_code == 404 and response.headers["Referrer-Policy"] == "no-referrer"
    assert_nothing_stored(before)
    assert client.post(link).status_code == 302  # the real one still works


def test_a_reset_link_is_no_sign_in_link_and_the_other_way_round(client, world):
    client.post("/reset", data={"email": world.dana.email})
    reset_token = last_link(world.dana.email).rsplit("/", 1)[1]
    sign_in_token = _link_for(client, world.dana.email).rsplit("/", 1)[1]
    assert client.post(f"/login/link/{reset_token}").status_code == 404
    assert client.get(f"/reset/{sign_in_token}").status_code == 404
    assert client.get("/cases").status_code == 302


def _reply_mail(to: str, sender: str = "dana@example.com", body: str = "Hijacked reply") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, "Re: your case"
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail.set_content(body)
    return bytes(mail)


def _forged_tokens(world: World) -> dict[str, str]:
    real = reply_address(world.mine.id, world.dana.id)
    local, domain = real.split("@")
    _, _, sig = local.rpartition(".")
    other_salt = _Base32Signer(current_app.config["SECRET_KEY"], salt=SALT + "-other")
    return {
        "other case, same signature": f"reply+{world.theirs.id}.{world.dana.id}.{sig}@{domain}",
        "other customer, same signature": f"reply+{world.mine.id}.{world.eve.id}.{sig}@{domain}",
        "truncated signature": f"{local[:-3]}@{domain}",
        "signed for another purpose":
            f"reply+{other_salt.sign(f'{world.mine.id}.{world.dana.id}').decode()}@{domain}",
        "no signature": f"reply+{world.mine.id}.{world.dana.id}@{domain}",
    }


@pytest.mark.parametrize("forgery", ["other case, same signature",
                                     "other customer, same signature", "truncated signature",
                                     "signed for another purpose", "no signature"])
def test_a_tampered_reply_address_sends_the_mail_to_triage(world, forgery):
    address = _forged_tokens(world)[forgery]
    before = {c.id: c.version for c in (world.mine, world.theirs)}
    mail = ingest(_reply_mail(address))
    assert mail.status == "triage"
    for case in (world.mine, world.theirs):
        assert db.session.get(Case, case.id).version == before[case.id]
    bodies = [e.body for e in timeline.all_events(world.theirs) + timeline.all_events(world.mine)]
    assert "Hijacked reply" not in bodies


@pytest.mark.parametrize("solved", ['no"><script>alert(1)</script>', "yes&solved=no", "YES",
                                    "maybe"])
def test_a_tampered_feedback_link_preselects_nothing_and_records_nothing(client, login, world,
                                                                         solved):
    cases.change_status(world.mine, world.agent, Status.RESOLVED, "Booked.")
    login(client, world.dana)
    before = row_counts()
    page = client.get(f"/cases/{world.mine.reference}", query_string={"solved": solved})
    assert page.status_code == 200 and "<script>alert(1)" not in page.text
    radios = re.findall(r'<input[^>]*name="solved"[^>]*>', page.text)
    assert radios and not any("checked" in radio for radio in radios)
    assert db.session.scalar(select(func.count()).select_from(Feedback)) == 0
    assert_nothing_stored(before)


# --- 10. SQL injection and unknown parameters in searches, filters and sorts -------------

SEARCHES = ["' OR 1=1--", "') OR ('1'='1", '"; DROP TABLE cases; --', "%", "_", "\\",
            "CL-000001' OR '1'='1", "*", "%' UNION SELECT email FROM users --"]


@pytest.mark.parametrize("q", SEARCHES)
def test_queue_search_matches_text_literally(client, login, world, q):
    login(client, world.agent)
    response = client.get("/admin/cases", query_string={"q": q})
    assert response.status_code == 200
    assert world.elsewhere.title not in response.text  # never another department's case
    assert "Private loan" not in response.text and world.mine.title not in response.text
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


def test_queue_search_for_a_percent_sign_finds_only_a_literal_percent(client, login, world):
    factories.case(world.dana, "Refund of 100% of the deposit", cat=world.mine.category)
    login(client, world.agent)
    text = client.get("/admin/cases", query_string={"q": "0%"}).text
    assert "100% of the deposit" in text and "Private loan" not in text


QUEUE_PARAMS = {"sort": "updated; DROP TABLE cases", "dir": "desc, id",
                "status": "open' OR '1'='1", "department": "1 OR 1=1", "assignee": "-1",
                "priority": "high'--", "category": "1e9", "cursor": "' OR 1=1--",
                "view": "all"}


@pytest.mark.parametrize("name,value", QUEUE_PARAMS.items(), ids=QUEUE_PARAMS.keys())
def test_queue_filters_and_sorts_outside_the_allowlist_are_400(client, login, world, name,
                                                               value):
    login(client, world.agent)
    response = client.get("/admin/cases", query_string={name: value})
    assert response.status_code == 400 and "<h1" in response.text
    assert "Private loan" not in response.text
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


API_PARAMS = {"status": "open' OR 1=1--", "department": "1 OR 1=1",
              "updated_since": "2020-01-01' OR '1'='1", "limit": "1;DROP TABLE cases",
              "cursor": "' OR 1=1--", "order_by": "id", "reference": "' OR '1'='1"}


@pytest.mark.parametrize("name,value", API_PARAMS.items(), ids=API_PARAMS.keys())
def test_api_list_filters_are_typed_and_never_widen_the_answer(client, world, name, value):
    _, secret = tokens.create(world.admin, "Service system", "read", [world.service.id])
    response = client.get("/api/v1/cases", query_string={name: value}, headers=_bearer(secret))
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json["items"] == []
    assert world.elsewhere.title not in response.text


# --- 11. Header injection into outgoing mail ----------------------------------------------

def test_a_case_title_with_line_breaks_cannot_add_mail_headers(world):
    world.mine.title = "Hello\r\nBcc: victim@evil.example\r\n\r\nInjected body"
    db.session.commit()
    cases.add_staff_reply(world.mine, world.agent, "Answer")
    built = compose.build(mails_to(world.dana.email)[-1])
    assert built["Bcc"] is None and "\n" not in built["Subject"]
    assert "victim@evil.example" not in str(built["To"])


def test_a_customer_name_with_line_breaks_is_stored_on_one_line(client):
    client.post("/signup", data={"name": "Eve\r\nBcc: victim@evil.example",
                                 "email": "crlf@example.com", "password": "x" * 12,
                                 "confirm": "x" * 12})
    user = accounts.find_user("crlf@example.com")
    assert "\n" not in user.name and "\r" not in user.name
    built = compose.build(mails_to("crlf@example.com")[-1])
    assert built["Bcc"] is None


@pytest.mark.parametrize("address", ["dana@example.com\r\nBcc: victim@evil.example",
                                     "dana@example.com%0ABcc:victim@evil.example",
                                     "victim@evil.example,dana@example.com",
                                     "Dana <dana@example.com>"])
def test_an_email_address_carrying_extra_recipients_is_refused(client, world, address):
    before = row_counts()
    response = client.post("/reset", data={"email": address})
    assert response.status_code == 422 and "valid email" in response.text
    assert_nothing_stored(before)


# --- 12. Hostile attachments ---------------------------------------------------------------

def _attach(client, case, name: str, data: bytes, content_type="application/octet-stream",
            body: str = "see file"):
    return client.post(f"/cases/{case.reference}/replies", content_type="multipart/form-data",
                       data={"body": body,
                             "attachments": [(io.BytesIO(data), name, content_type)]})


def _stored_files(app) -> int:
    root = Path(app.config["ATTACHMENT_DIR"])
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.exists() else 0


REFUSED_FILES = {
    "html page": ("page.html", b"<html><script>alert(1)</script></html>", "not accepted"),
    "svg image": ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
                  "not accepted"),
    "executable": ("setup.exe", b"MZ\x90\x00", "not accepted"),
    "no extension": ("README", b"hello", "not accepted"),
    "html named png": ("photo.png", b"<html><script>alert(1)</script>", "does not look like"),
    "html behind a double extension": ("photo.html.png", b"<html>", "does not look like"),
    "png named pdf": ("invoice.pdf", PNG, "does not look like"),
    "binary named txt": ("notes.txt", b"\x00\x01\x02binary", "does not look like"),
    "svg named gif": ("anim.gif", b"<svg onload=alert(1)>", "does not look like"),
    "empty file": ("empty.png", b"", "is empty"),
}


@pytest.mark.parametrize("name,data,message", REFUSED_FILES.values(), ids=REFUSED_FILES.keys())
def test_hostile_uploads_are_refused_and_nothing_is_stored(app, client, login, world, name,
                                                           data, message):
    login(client, world.dana)
    before, files = row_counts(), _stored_files(app)
    response = _attach(client, world.mine, name, data, "image/png")
    assert response.status_code == 422 and message in response.text
    assert "see file" in response.text  # the words are kept for another try
    assert_nothing_stored(before)
    assert _stored_files(app) == files


def test_too_many_files_are_refused(app, client, login, world):
    login(client, world.dana)
    before = row_counts()
    response = client.post(f"/cases/{world.mine.reference}/replies",
                           content_type="multipart/form-data",
                           data={"body": "six", "attachments": [
                               (io.BytesIO(PNG), f"p{i}.png", "image/png") for i in range(6)]})
    assert response.status_code == 422 and "at most 5" in response.text
    assert_nothing_stored(before)


def test_an_oversize_new_case_is_413_and_opens_nothing(app, client, login, world, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    login(client, world.dana)
    before = row_counts()
    response = client.post("/cases/new", content_type="multipart/form-data", data={
        "category": world.mine.category_id, "title": "Big", "body": "big file",
        "attachments": [(io.BytesIO(PNG + bytes(128 * 1024)), "big.png", "image/png")]})
    assert response.status_code == 413 and "too large" in response.text
    assert_nothing_stored(before)


HOSTILE_NAMES = {
    "path traversal": ("../../../../etc/passwd.txt", "passwd.txt"),
    "windows traversal": ("..\\..\\windows\\win.ini.txt", "win.ini.txt"),
    "absolute path": ("/etc/cron.d/evil.txt", "evil.txt"),
    "dot dot slash games": ("....//....//x.txt", "x.txt"),
    "hidden file": (".htaccess.txt", "htaccess.txt"),
    "right-to-left override": ("invoice\u202etxt.exe.txt", "invoicetxt.exe.txt"),
    "nul byte": ("evil.php\x00.txt", "evil.php.txt"),
}


@pytest.mark.parametrize("raw,shown", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_hostile_file_names_are_stored_harmless_and_served_as_downloads(app, client, login, world,
                                                                        raw, shown):
    login(client, world.dana)
    assert _attach(client, world.mine, raw, b"plain words", "text/plain").status_code == 302
    stored = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
    assert stored.filename.endswith(shown) and not {"/", "\\"} & set(stored.filename)
    assert not stored.filename.startswith(".")
    path = storage_path(stored.storage_key).resolve()
    assert path.is_relative_to(Path(app.config["ATTACHMENT_DIR"]).resolve())
    assert path.name == stored.storage_key
    with client.get(f"/attachments/{stored.id}/x") as served:
        disposition = served.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert not {"\r", "\n", "\u202e", "/", "\\"} & set(disposition.split(";", 1)[1])
        assert not any("evil" in c for c in served.headers.getlist("Set-Cookie"))
        assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_mailed_file_name_with_line_breaks_and_bidi_is_stored_harmless(client, login, world):
    """Mail encodes any byte in a file name (RFC 2231); the stored name must still be safe."""
    boundary = "b1"
    raw = (f"From: dana@example.com\r\nTo: {reply_address(world.mine.id, world.dana.id)}\r\n"
           f"Subject: Re: photo\r\nMessage-ID: {make_msgid(domain='example.com')}\r\n"
           f"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
           f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nThe photo.\r\n"
           f"--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
           "Content-Disposition: attachment; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D"
           f"evil%E2%80%AEgnp.png\r\n\r\n{base64.b64encode(PNG).decode()}\r\n"
           f"--{boundary}--\r\n").encode()
    ingest(raw)
    stored = db.session.scalar(select(Attachment).order_by(Attachment.id.desc()))
    assert stored.filename == "aSet-Cookie: x=evilgnp.png"
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.status_code == 200
        assert not any("evil" in c for c in served.headers.getlist("Set-Cookie"))


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/xhtml+xml",
                                          "text/plain", "application/pdf"])
def test_no_stored_file_is_ever_served_as_a_page(client, login, world, content_type):
    """Even a row that says HTML or SVG (an older version, a restored backup) downloads."""
    stored = world.eve_reply.attachments[0]
    stored.event = timeline.public_events(world.mine)[-1]
    stored.content_type = content_type
    db.session.commit()
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.status_code == 200
        assert served.headers["Content-Disposition"].startswith("attachment;")
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"].startswith("sandbox")


def test_images_are_inline_but_sandboxed_and_never_sniffed(client, login, world):
    stored = world.eve_reply.attachments[0]
    stored.event = timeline.public_events(world.mine)[-1]
    db.session.commit()
    login(client, world.dana)
    with client.get(f"/attachments/{stored.id}/x") as served:
        assert served.mimetype == "image/png"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Content-Security-Policy"].startswith("sandbox")
        assert "private" in served.headers["Cache-Control"]


# --- 13. Oversize input and malformed Unicode --------------------------------------------

NUL_FIELDS = {
    "case title": ("customer", "/cases/new", {"category": "{cat}", "title": "a\x00b",
                                              "body": "b"}),
    "case body": ("customer", "/cases/new", {"category": "{cat}", "title": "t",
                                             "body": "a\x00b"}),
    "reply": ("customer", "/cases/{mine}/replies", {"body": "a\x00b"}),
    "sign-up name": ("nobody", "/signup", {"name": "Eve\x00", "email": "nul@example.com",
                                           "password": "x" * 12, "confirm": "x" * 12}),
    "sign-up email": ("nobody", "/signup", {"name": "Eve", "email": "nul\x00@example.com",
                                            "password": "x" * 12, "confirm": "x" * 12}),
    "sign-in email": ("nobody", "/login", {"email": "dana@example.com\x00",
                                           "password": "x" * 12}),
    "profile detail": ("customer", "/profile/facts", {"kind": "vin", "value": "a\x00b"}),
    "reaction reason": ("customer", "/cases/{mine}/replies/{reply}/reaction",
                        {"helpful": "no", "reason": "a\x00b"}),
    "staff reply": ("staff", "/admin/cases/{mine}/replies",
                    {"kind": "public", "body": "a\x00b", "confirm": "yes"}),
    "logged contact": ("staff", "/admin/cases/{mine}/contacts",
                       {"channel": "phone", "body": "a\x00b", "confirm": "yes"}),
    "reference": ("staff", "/admin/cases/{mine}/references",
                  {"system": "CRM", "value": "a\x00b", "confirm": "yes"}),
    "handoff note": ("staff", "/admin/cases/{mine}/handoff",
                     {"department": "{service}", "assignee": "0", "note": "a\x00b",
                      "confirm": "yes"}),
    "queue search": ("staff", "/admin/cases?q=a%00b", None),
    "audit search": ("admin", "/admin/audit?q=a%00b", None),
    "invite name": ("admin", "/admin/settings/staff/new",
                    {"name": "a\x00b", "email": "n@example.com", "role": "agent"}),
    "department name": ("admin", "/admin/settings/departments", {"name": "a\x00b"}),
}


@pytest.mark.parametrize("who,url,data", NUL_FIELDS.values(), ids=NUL_FIELDS.keys())
def test_nul_bytes_are_refused_with_a_message_never_a_500(client, login, world, who, url, data):
    values = {"mine": world.mine.reference, "cat": world.mine.category_id,
              "service": world.service.id, "reply": _staff_reply(world.mine).id}
    person = {"customer": world.dana, "staff": world.agent, "admin": world.admin}.get(who)
    if person:
        login(client, person)
    before = row_counts()
    if data is None:
        response = client.get(url)
    else:
        response = client.post(url.format(**values), follow_redirects=True,
                               data={k: v.format(**values) for k, v in data.items()})
    if response.status_code == 200:  # refused, and said so at the top of the page it went back to
        assert "cannot store" in response.text and response.history
    else:
        assert response.status_code in (400, 422), response.status_code
        assert "<h1" in response.text or 'class="error"' in response.text
    assert_nothing_stored(before)


@pytest.mark.parametrize("field", ["title", "body", "customer_name"])
@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff", "\\u0000"])
def test_api_text_with_lone_surrogates_or_nul_is_refused(client, world, field, bad):
    _, secret = tokens.create(world.admin, "Service system", "write", [])
    fields = {"customer_email": "new@example.com", "title": "t", "body": "b",
              "category": "Recalls", "customer_name": "New"}
    body = ", ".join(f'"{k}": "{v}{bad if k == field else ""}"' for k, v in fields.items())
    before = row_counts()
    response = client.post("/api/v1/cases", data="{" + body + "}",
                           content_type="application/json", headers=_bearer(secret))
    assert response.status_code in (400, 422), response.text
    assert response.json["errors"] or response.json["detail"]
    after = row_counts()
    after.pop("api_tokens"), before.pop("api_tokens")
    assert after == before


def test_invalid_utf8_in_a_form_is_refused_and_changes_nothing(client, login, world):
    login(client, world.dana)
    before = len(timeline.all_events(world.mine))
    ref = world.mine.reference
    responses = [
        client.post(f"/cases/{ref}/replies", data=b"body=raw\xff\xfe\xed\xa0\x80",
                    content_type="application/x-www-form-urlencoded"),
        client.post(f"/cases/{ref}/replies", data=b"body=escaped%ED%A0%80%FF",
                    content_type="application/x-www-form-urlencoded"),
        client.post(f"/cases/{ref}/replies", content_type="multipart/form-data; boundary=B",
                    data=b'--B\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
                         b"multi\xed\xa0\x80\xff\r\n--B--\r\n"),
    ]
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert "Nothing was changed" in responses[0].text
    assert len(timeline.all_events(world.mine)) == before
    good = client.post(f"/cases/{ref}/replies", content_type="multipart/form-data; boundary=B",
                       data='--B\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
                            'Grüße, Ærø 👍\r\n--B--\r\n'.encode())
    assert good.status_code == 302
    assert timeline.all_events(world.mine)[-1].body == "Grüße, Ærø 👍"


def test_a_bidi_override_in_a_name_or_title_is_neutralised(client, login, world):
    client.post("/signup", data={"name": "Dana \u202egnp.exe", "email": "rtl@example.com",
                                 "password": "x" * 12, "confirm": "x" * 12})
    assert "\u202e" not in accounts.find_user("rtl@example.com").name
    login(client, world.dana)
    client.post("/cases/new", data={"category": world.mine.category_id,
                                    "title": "Refund \u202e\u2066due\u2069", "body": "b"})
    title = db.session.scalar(select(Case.title).order_by(Case.id.desc()).limit(1))
    assert title.startswith("Refund") and not {"\u202e", "\u2066", "\u2069"} & set(title)


@pytest.mark.parametrize("where,field,limit_text", [
    ("/cases/{mine}/replies", "body", "20000"),
    ("/cases/new", "title", "200"),
    ("/signup", "name", "120"),
])
def test_a_megabyte_field_is_refused_with_a_message(client, login, world, where, field,
                                                    limit_text):
    if where != "/signup":
        login(client, world.dana)
    data = {"category": world.mine.category_id, "title": "t", "body": "b", "name": "n",
            "email": "big@example.com", "password": "x" * 12, "confirm": "x" * 12}
    data[field] = "x" * (1024 * 1024)
    before = row_counts()
    response = client.post(where.format(mine=world.mine.reference), data=data)
    assert response.status_code in (413, 422)
    assert limit_text in response.text.replace(",", "") or "too large" in response.text
    assert_nothing_stored(before)


def test_an_oversize_multipart_field_is_413_while_parsing(app, client, login, world,
                                                         monkeypatch):
    """MAX_FORM_MEMORY_SIZE (1 MB) caps each text field; lowered here to keep the test small."""
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 64 * 1024)
    login(client, world.dana)
    before = row_counts()
    response = client.post(f"/cases/{world.mine.reference}/replies",
                           content_type="multipart/form-data",
                           data={"body": "x" * (128 * 1024)})
    assert response.status_code == 413 and "Nothing was saved" in response.text
    assert_nothing_stored(before)


def test_the_same_email_in_other_letter_case_does_not_make_a_second_account(client, world):
    before = row_counts()
    client.post("/signup", data={"name": "Dana again", "email": "DANA@Example.COM",
                                 "password": "x" * 12, "confirm": "x" * 12})
    after = row_counts()
    assert after["users"] == before["users"]
    assert db.session.get(User, world.dana.id).name == "Dana Whitfield"


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
    clients[1].set_cookie("session", _session_cookie(clients[0]))
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
    response = _attach(client, world.mine, "big.png", PNG + bytes(4096), "image/png")
    assert response.status_code == 413 and "Nothing was saved" in response.text
    _assert_headers(response)


def test_a_sign_in_link_page_leaks_neither_referrer_nor_address(client, world):
    link = _link_for(client, world.dana.email)
    page = client.get(link)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert world.dana.email not in page.text
