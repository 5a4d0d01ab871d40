"""Promises through the pages: made by staff, watched by the customer, settled, resolved."""

from datetime import timedelta

import time_machine

from portal.models import PromiseState, utcnow
from portal.services import timeline
from portal.web.formatting import zone_for
from tests import factories


def _world():
    dep = factories.department("Sales")
    agent = factories.staff(departments=[dep], name="Marco Rossi")
    johnson = factories.customer("Robert Johnson")
    case = factories.case(johnson, "Payment terms", cat=factories.category(dep))
    return agent, johnson, case


def _local(moment) -> str:
    return moment.astimezone(zone_for(None)).strftime("%Y-%m-%dT%H:%M")


def _promise_a_call_back(client, agent, case) -> None:
    """The agent promises the customer a call back within two hours, through the form."""
    client.post(f"/admin/cases/{case.reference}/promises", data={
        "what": "Call you back", "owner": agent.id, "public": "y",
        "due": _local(utcnow() + timedelta(hours=2)), "seen": timeline.all_events(case)[-1].id})


def test_staff_promise_appears_for_the_customer_and_turns_overdue(app, client, login):
    agent, johnson, case = _world()
    login(client, agent)
    due = (utcnow() + timedelta(minutes=10)).replace(second=0, microsecond=0)
    response = client.post(f"/admin/cases/{case.reference}/promises", data={
        "what": "Adjust your Thursday payment terms", "owner": agent.id, "due": _local(due),
        "public": "y", "seen": timeline.all_events(case)[-1].id})
    assert response.status_code == 302, response.text
    [promise] = case.promises
    assert promise.due_at == due and promise.owner_id == agent.id
    client.post("/admin/logout")
    login(client, johnson)
    page = client.get(f"/cases/{case.reference}").text
    assert "What we promised you" in page and "Adjust your Thursday payment terms" in page
    assert "Due by" in page and "Marco Rossi" in page
    assert "Next update expected by" in page
    with time_machine.travel(due + timedelta(hours=1)):
        late = client.get(f"/cases/{case.reference}").text
    assert "Overdue since" in late


def test_a_promise_in_the_past_is_refused_next_to_the_field(client, login):
    agent, _, case = _world()
    login(client, agent)
    response = client.post(f"/admin/cases/{case.reference}/promises", data={
        "what": "Call back", "owner": agent.id,
        "due": _local(utcnow() - timedelta(hours=1)), "seen": timeline.all_events(case)[-1].id})
    assert response.status_code == 422 and "must be in the future" in response.text
    assert case.promises == []


def test_settle_then_resolve_with_a_summary_the_customer_reads(client, login):
    agent, johnson, case = _world()
    login(client, agent)
    _promise_a_call_back(client, agent, case)
    [promise] = case.promises
    blocked = client.post(f"/admin/cases/{case.reference}/status", data={
        "status": "resolved", "explanation": "Terms changed.", "confirm": "yes"})
    assert blocked.status_code == 422 and "still open" in blocked.text
    client.post(f"/admin/promises/{promise.id}/settle",
                data={"state": "kept", "outcome": "Called at 15:10."})
    assert promise.state == PromiseState.KEPT
    no_summary = client.post(f"/admin/cases/{case.reference}/status", data={
        "status": "resolved", "explanation": "", "confirm": "yes"})
    assert no_summary.status_code == 422 and "resolution summary" in no_summary.text
    done = client.post(f"/admin/cases/{case.reference}/status", data={
        "status": "resolved", "explanation": "Your terms are now 30 days.", "confirm": "yes"})
    assert done.status_code == 302
    client.post("/admin/logout")
    login(client, johnson)
    page = client.get(f"/cases/{case.reference}").text
    assert "How we solved it" in page and "Your terms are now 30 days." in page
    assert "✓ Kept" in page and "Called at 15:10." in page
    client.post(f"/cases/{case.reference}/solved")
    assert case.status.value == "closed"


def test_promises_due_page_lists_mine_and_a_stranger_cannot_settle(client, login):
    agent, _, case = _world()
    login(client, agent)
    _promise_a_call_back(client, agent, case)
    assert "Call you back" in client.get("/admin/promises").text
    assert client.get("/admin/promises?scope=bogus").status_code == 400
    [promise] = case.promises
    client.post("/admin/logout")
    login(client, factories.staff(departments=[factories.department()]))
    response = client.post(f"/admin/promises/{promise.id}/settle",
                           data={"state": "withdrawn", "outcome": "x"})
    assert response.status_code == 404 and promise.is_open


def test_the_suggested_due_time_falls_in_working_hours(client, login):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    saturday_night = datetime(2026, 12, 5, 23, 30, tzinfo=ZoneInfo("Europe/London"))
    with time_machine.travel(saturday_night, tick=False):
        agent, _, case = _world()
        login(client, agent)
        page = client.get(f"/admin/cases/{case.reference}").text
    # One working day from the Monday 09:00 opening: Monday's closing, not Sunday night.
    assert 'value="2026-12-07T17:00"' in page
    assert "Suggested: one working day of the department" in page
