"""Bulk changes from the queue: ticked cases, the page or all matching; skips named."""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Case, EventKind, Priority, Role, Status
from portal.services import timeline
from tests import factories

HX = {"HX-Request": "true"}


@pytest.fixture
def desk():
    """Service (an agent, a manager, a colleague, a category) and Parts, which they are not in."""
    service, parts = factories.department("Service"), factories.department("Parts")
    agent = factories.staff(Role.AGENT, [service], name="Tom Berger")
    manager = factories.staff(Role.MANAGER, [service], name="Mia Manager")
    colleague = factories.staff(Role.AGENT, [service], name="Hana Okafor")
    return {"service": service, "parts": parts, "agent": agent, "manager": manager,
            "colleague": colleague, "cat": factories.category(service, "Servicing"),
            "parts_cat": factories.category(parts, "Orders")}


def post(client, data: dict, query: str = "", headers=None, **kwargs):
    return client.post("/admin/cases/bulk", data={"query": query, **data}, headers=headers,
                       **kwargs)


def audits(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def kinds(case: Case) -> list[EventKind]:
    return [e.kind for e in timeline.all_events(db.session.get(Case, case.id))]


def test_the_queue_has_a_labelled_checkbox_per_case_and_the_bulk_bar(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, desk["agent"])
    page = client.get("/admin/cases?priority=normal").text
    assert f'name="case" value="{case.id}"' in page
    assert f"Select {case.reference}" in page
    assert "Change ticked cases" in page and "Change the 1 case on this page" in page
    assert 'name="query" type="hidden" value="priority=normal"' in page
    # An agent assigns only to themselves (like the workspace); every department is offered.
    assert f'value="assignee:{desk["agent"].id}"' in page
    assert f'value="assignee:{desk["colleague"].id}"' not in page
    assert f'value="department:{desk["parts"].id}"' in page


def test_ticked_cases_change_status_each_audited_and_skips_are_named(client, login, desk):
    mine = [factories.case(cat=desk["cat"]) for _ in range(3)]
    hidden = factories.case(cat=desk["parts_cat"])
    login(client, desk["agent"])
    response = post(client, {"case": [c.id for c in mine] + [hidden.id],
                             "to": "status:in_progress", "scope": "selected"},
                    query="status=new&sort=opened")
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == "/admin/cases" and target.query == "status=new&sort=opened"
    page = client.get(response.headers["Location"]).text
    assert html.escape(f"3 cases changed; 1 skipped: you cannot act on {hidden.reference}.") \
        in page
    for case in mine:
        assert db.session.get(Case, case.id).status == Status.IN_PROGRESS
        assert kinds(case).count(EventKind.STATUS_CHANGE) == 1
    assert sorted(e.target_id for e in audits("case.status")) == sorted(c.id for c in mine)
    assert db.session.get(Case, hidden.id).status == Status.NEW


def test_refusals_of_the_service_are_skips_with_its_reason(client, login, desk):
    new, already = factories.case(cat=desk["cat"]), factories.case(cat=desk["cat"])
    already.status = Status.WAITING_ON_CUSTOMER
    db.session.commit()
    login(client, desk["agent"])
    response = post(client, {"case": [new.id, already.id], "to": "status:waiting_on_customer",
                             "explanation": "Send us the VIN, please."}, follow_redirects=True)
    assert html.escape(f"1 case changed; 1 skipped: {already.reference}: The case already "
                       "has that status.") in response.text
    assert len(audits("case.status")) == 1


def test_htmx_gets_the_results_in_place_with_the_message(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, desk["agent"])
    response = post(client, {"case": [case.id], "to": "priority:urgent"}, query="view=open",
                    headers=HX, follow_redirects=True)
    assert response.status_code == 200
    assert "<html" not in response.text and 'class="queue-table' in response.text
    assert 'hx-swap-oob="innerHTML:#flashes"' in response.text
    assert "1 case changed." in response.text
    assert db.session.get(Case, case.id).priority == Priority.URGENT
    assert [e.target_id for e in audits("case.details")] == [case.id]
    assert kinds(case).count(EventKind.DETAILS_CHANGED) == 1


def test_a_manager_assigns_to_people_of_each_cases_department(client, login, desk):
    ours = [factories.case(cat=desk["cat"]) for _ in range(2)]
    desk["manager"].departments.append(desk["parts"])
    db.session.commit()
    theirs = factories.case(cat=desk["parts_cat"])  # Hana does not work in Parts
    login(client, desk["manager"])
    response = post(client, {"case": [c.id for c in [*ours, theirs]],
                             "to": f"assignee:{desk['colleague'].id}",
                             "note": "Hana has the recall list."}, follow_redirects=True)
    assert html.escape(f"2 cases changed; 1 skipped: {theirs.reference}: Hana Okafor does not "
                       "work in Parts.") in response.text
    for case in ours:
        assert db.session.get(Case, case.id).assignee_id == desk["colleague"].id
    assert sorted(e.target_id for e in audits("case.handoff")) == sorted(c.id for c in ours)
    assert db.session.get(Case, theirs.id).assignee_id is None


def test_moving_cases_needs_a_note_and_bad_input_keeps_the_words(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, desk["agent"])
    response = post(client, {"case": [case.id], "to": f"department:{desk['parts'].id}",
                             "explanation": "Words kept"}, query="priority=normal")
    assert response.status_code == 422
    assert "Write what we know and what happens next." in response.text
    assert "Words kept" in response.text
    assert re.search(rf'value="{case.id}"\s+checked', response.text)
    # The sort links still point at the queue, with its filters.
    assert 'href="/admin/cases?priority=normal&amp;sort=updated' in response.text
    assert db.session.get(Case, case.id).department_id == desk["service"].id
    nothing = post(client, {"to": "priority:high"}, headers=HX)
    assert nothing.status_code == 422 and "Tick at least one case" in nothing.text
    assert "<html" not in nothing.text


def test_moving_to_another_department_goes_through_the_handoff(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, desk["agent"])
    response = post(client, {"case": [case.id], "to": f"department:{desk['parts'].id}",
                             "note": "Parts order, not servicing."}, follow_redirects=True)
    assert "1 case changed." in response.text
    assert db.session.get(Case, case.id).department_id == desk["parts"].id
    assert [e.target_id for e in audits("case.handoff")] == [case.id]
    # Now outside the agent's departments: the queue no longer lists it.
    assert case.reference not in client.get("/admin/cases").text


def test_an_agent_cannot_assign_to_a_colleague(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, desk["agent"])
    response = post(client, {"case": [case.id], "to": f"assignee:{desk['colleague'].id}",
                             "note": "Over to Hana."})
    assert response.status_code == 422
    assert db.session.get(Case, case.id).assignee_id is None


def test_all_on_this_page_changes_the_listed_cases_only(client, login, desk):
    urgent = [factories.case(cat=desk["cat"]) for _ in range(2)]
    other = factories.case(cat=desk["cat"])
    for case in urgent:
        case.priority = Priority.URGENT
    db.session.commit()
    login(client, desk["agent"])
    post(client, {"scope": "page", "to": "status:acknowledged"}, query="priority=urgent")
    assert [db.session.get(Case, c.id).status for c in urgent] == [Status.ACKNOWLEDGED] * 2
    assert db.session.get(Case, other.id).status == Status.NEW


def test_all_matching_asks_first_without_javascript(client, login, desk, monkeypatch):
    monkeypatch.setattr("portal.services.queue.PAGE_SIZE", 2)
    made = [factories.case(cat=desk["cat"]) for _ in range(3)]
    elsewhere = factories.case(cat=desk["parts_cat"])
    login(client, desk["agent"])
    page = client.get("/admin/cases").text
    assert "Change all 3 matching these filters" in page and "hx-confirm=" in page
    ask = post(client, {"scope": "matching", "to": "priority:high"})
    assert ask.status_code == 200 and "Change 3 cases?" in ask.text
    assert "Set priority: High" in ask.text
    assert all(db.session.get(Case, c.id).priority == Priority.NORMAL for c in made)
    done = post(client, {"scope": "matching", "to": "priority:high", "confirmed": "yes"},
                follow_redirects=True)
    assert "3 cases changed." in done.text
    assert all(db.session.get(Case, c.id).priority == Priority.HIGH for c in made)
    assert db.session.get(Case, elsewhere.id).priority == Priority.NORMAL
    assert len(audits("case.details")) == 3


def test_too_many_matching_are_refused(client, login, desk, monkeypatch):
    monkeypatch.setattr("portal.services.bulk.MOST", 2)
    made = [factories.case(cat=desk["cat"]) for _ in range(3)]
    login(client, desk["agent"])
    ask = post(client, {"scope": "matching", "to": "priority:high"})
    assert "More than 2 cases match" in ask.text
    refused = post(client, {"scope": "matching", "to": "priority:high", "confirmed": "yes"},
                   follow_redirects=True)
    assert "Choose at most 2 cases at a time." in refused.text
    assert all(db.session.get(Case, c.id).priority == Priority.NORMAL for c in made)


def test_customers_never_reach_the_bulk_form(client, login, desk):
    case = factories.case(cat=desk["cat"])
    login(client, case.customer)
    assert post(client, {"case": [case.id], "to": "priority:high"}).status_code == 404
