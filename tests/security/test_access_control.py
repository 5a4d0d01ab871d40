"""Access control: another customer's or department's things, staff pages, mass assignment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    Role,
    Status,
    User,
    utcnow,
)
from portal.services import accounts, cases, customers, follow_ups, promises, timeline
from portal.services import api_tokens as tokens
from tests import factories
from tests.helpers import mails_to
from tests.security.catalogue import (
    SECRET,
    assert_nothing_stored,
    bearer,
    fill_in,
    resolved_with_feedback,
    row_counts,
)

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


@pytest.mark.parametrize("method,url,data", EVE_THINGS.values(), ids=EVE_THINGS.keys())
def test_a_customer_cannot_reach_another_customers_things(client, login, world, method, url,
                                                          data):
    login(client, world.dana)
    before = row_counts()
    response = client.open(fill_in(url, world), method=method, data=data)
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
    target = fill_in(url, world, follow_up=follow_ups.for_feedback(answer).id,
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
    response = client.post("/api/v1/customers", headers=bearer(secret),
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
