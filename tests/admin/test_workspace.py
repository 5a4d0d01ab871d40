"""The case workspace as staff use it: reply, note, status, handoff, contacts, collisions."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, CaseEvent, EventKind, OutboxMessage, Role, Status
from portal.services import cases, timeline
from tests import factories


def _setup():
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    cat = factories.category(service, "Recalls")
    agent = factories.staff(departments=[service], name="Tom Berger")
    dana = factories.customer("Dana Whitfield")
    case = factories.case(dana, "Recall RC-42", cat=cat)
    return service, finance, agent, dana, case


def _last_id(case) -> int:
    return timeline.all_events(case)[-1].id


def test_reply_and_internal_note_are_kept_apart_for_the_customer(client, login):
    _, _, agent, dana, case = _setup()
    login(client, agent)
    ws = f"/admin/cases/{case.reference}"
    page = client.get(ws).text
    assert "Reply to customer" in page and "Staff-only note" in page
    client.post(f"{ws}/replies", data={"kind": "public", "body": "Booked for Thursday.",
                                       "seen": _last_id(case)})
    client.post(f"{ws}/replies", data={"kind": "internal", "body": "She called twice already.",
                                       "seen": _last_id(case)})
    staff_view = client.get(ws).text
    assert "Booked for Thursday." in staff_view and "She called twice already." in staff_view
    assert "Staff only" in staff_view
    mails = db.session.scalars(select(OutboxMessage)).all()
    assert len(mails) == 1 and "called twice" not in mails[0].body_text
    client.post("/admin/logout")
    login(client, dana)
    customer_view = client.get(f"/cases/{case.reference}").text
    assert "Booked for Thursday." in customer_view
    assert "called twice" not in customer_view


def test_status_change_carries_an_explanation_to_the_customer(client, login):
    _, _, agent, dana, case = _setup()
    login(client, agent)
    response = client.post(f"/admin/cases/{case.reference}/status", data={
        "status": "waiting_on_customer", "explanation": "Please send a photo of the letter.",
        "seen": _last_id(case)})
    assert response.status_code == 302
    assert case.status == Status.WAITING_ON_CUSTOMER
    client.post("/admin/logout")
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "Waiting on you" in page and "Please send a photo of the letter." in page


def test_handoff_needs_a_note_and_tells_the_customer_a_safe_line(client, login):
    service, finance, agent, dana, case = _setup()
    login(client, agent)
    url = f"/admin/cases/{case.reference}/handoff"
    missing = client.post(url, data={"department": finance.id, "assignee": 0, "note": "",
                                     "seen": _last_id(case)})
    assert missing.status_code == 422
    assert "Write what we know and what happens next." in missing.text
    assert case.department_id == service.id
    done = client.post(url, data={"department": finance.id, "assignee": 0, "seen":
                                  _last_id(case), "note": "Agreed 30-day terms on Tuesday."})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/cases"
    assert case.department_id == finance.id
    assert client.get(f"/admin/cases/{case.reference}").status_code == 404  # now Finance's
    fatima = factories.staff(departments=[finance], name="Fatima Noor")
    client.post("/admin/logout")
    login(client, fatima)
    page = client.get(f"/admin/cases/{case.reference}").text
    assert "Handoff note from Tom Berger" in page and "Agreed 30-day terms on Tuesday." in page
    client.post("/admin/logout")
    login(client, dana)
    customer_view = client.get(f"/cases/{case.reference}").text
    assert "Your case is now with Finance, who have the whole story so far." in customer_view
    assert "30-day terms" not in customer_view  # the handoff note is internal
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "case.handoff"))
    assert entry.before["department"] == "Northside Service Centre"
    assert entry.after["department"] == "Finance"


def test_agents_may_take_a_case_but_not_assign_it_to_someone_else(client, login):
    service, _, agent, _, case = _setup()
    colleague = factories.staff(departments=[service], name="Priya Shah")
    login(client, agent)
    refused = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": service.id, "assignee": colleague.id, "note": "yours",
        "seen": _last_id(case)})
    assert refused.status_code == 422 and case.assignee_id is None
    client.post(f"/admin/cases/{case.reference}/take")
    assert case.assignee_id == agent.id


def test_manager_reassigns_within_the_department(client, login):
    service, _, agent, _, case = _setup()
    manager = factories.staff(Role.MANAGER, departments=[service], name="Priya Shah")
    login(client, manager)
    response = client.post(f"/admin/cases/{case.reference}/handoff", data={
        "department": service.id, "assignee": agent.id, "seen": _last_id(case),
        "note": "Tom knows the recall system."})
    assert response.status_code == 302 and case.assignee_id == agent.id


def test_a_collision_is_shown_and_nothing_is_applied_until_confirmed(client, login):
    service, _, agent, _, case = _setup()
    other = factories.staff(departments=[service], name="Hana Okafor")
    login(client, agent)
    seen = _last_id(case)  # the page Tom loaded
    cases.add_staff_reply(case, other, "I already answered her.")  # Hana meanwhile
    data = {"kind": "public", "body": "Booked for Thursday.", "seen": seen}
    clash = client.post(f"/admin/cases/{case.reference}/replies", data=data)
    assert clash.status_code == 409
    assert "This case changed while you were working" in clash.text
    assert "I already answered her." in clash.text
    assert "Booked for Thursday." in clash.text  # Tom's words are kept
    bodies = [e.body for e in timeline.all_events(case)]
    assert "Booked for Thursday." not in bodies
    confirmed = client.post(f"/admin/cases/{case.reference}/replies",
                            data=data | {"confirm": "yes"})
    assert confirmed.status_code == 302
    assert "Booked for Thursday." in [e.body for e in timeline.all_events(case)]


def test_log_a_phone_call_public_or_internal(client, login):
    _, _, agent, dana, case = _setup()
    login(client, agent)
    url = f"/admin/cases/{case.reference}/contacts"
    client.post(url, data={"channel": "phone", "body": "Called Dana to book.", "public": "y",
                           "seen": _last_id(case)})
    client.post(url, data={"channel": "in_person", "body": "Visited the branch, upset.",
                           "seen": _last_id(case)})
    client.post("/admin/logout")
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "Phone call with <bdi>Tom Berger</bdi>" in page and "Called Dana to book." in page
    assert "upset" not in page


def test_priority_category_and_references(client, login):
    service, _, agent, _, case = _setup()
    other_cat = factories.category(service, "Warranty")
    login(client, agent)
    ws = f"/admin/cases/{case.reference}"
    client.post(f"{ws}/details", data={"priority": "urgent", "category": other_cat.id,
                                       "seen": _last_id(case)})
    assert case.priority.value == "urgent" and case.category_id == other_cat.id
    client.post(f"{ws}/references", data={"system": "Recall", "value": "RC-42",
                                          "seen": _last_id(case)})
    again = client.post(f"{ws}/references", data={"system": "Recall", "value": "RC-42",
                                                  "seen": _last_id(case)})
    assert again.status_code == 422 and "already has that reference" in again.text
    assert [(r.system, r.value) for r in case.references] == [("Recall", "RC-42")]
    kinds = [e.kind for e in db.session.scalars(select(CaseEvent))]
    assert kinds.count(EventKind.DETAILS_CHANGED) == 2


def test_before_you_contact_panel_shows_facts_other_cases_and_last_contacts(client, login):
    service, finance, agent, dana, case = _setup()
    from portal.services import customers
    customers.set_fact(dana, dana, "vin", "WVWZZZ1KZAW000123")
    other = factories.case(dana, "Invoice address wrong", cat=factories.category(finance))
    cases.add_staff_reply(other, factories.staff(departments=[finance], name="Fatima Noor"),
                          "Address fixed.")
    login(client, agent)
    page = client.get(f"/admin/cases/{case.reference}").text
    assert "Before you contact Dana Whitfield" in page
    assert "WVWZZZ1KZAW000123" in page
    assert "Invoice address wrong" in page and "Fatima Noor replied" in page


def test_a_customer_with_many_cases_still_shows_the_latest_contact_on_an_old_case(
        client, login):
    """The panel looks for contacts in the customer's most recently active cases only (a
    fleet customer's thousands of cases were sorted on every load): a reply today on their
    oldest case moves it to the front, so it is still the first contact shown."""
    from portal.services import customers
    service, _, agent, dana, case = _setup()
    oldest = factories.case(dana, "Tyre pressure warning", cat=factories.category(service))
    for n in range(customers.RECENT_CASES_LOOKED_AT + 5):
        factories.case(dana, f"Service booking {n}", cat=factories.category(service))
    cases.add_staff_reply(oldest, agent, "The sensor is replaced.")
    login(client, agent)
    page = client.get(f"/admin/cases/{case.reference}").text
    first = page.split("Last contacts, any department")[1].split("<li>")[1].split("</li>")[0]
    assert "Tom Berger replied" in first and oldest.reference in first


def test_other_cases_list_the_open_ones_first_then_the_latest_closed(client, login):
    from portal.models import Status
    service, _, agent, dana, case = _setup()
    cat = factories.category(service)
    open_one = factories.case(dana, "Wiper blades squeak", cat=cat)
    for n in range(6):  # newer than the open one, and closed
        factories.case(dana, f"Closed booking {n}", cat=cat, status=Status.CLOSED)
    login(client, agent)
    page = client.get(f"/admin/cases/{case.reference}").text
    listed = page.split("Last contacts, any department")[0].split("Before you contact")[1]
    assert listed.index(open_one.title) < listed.index("Closed booking 5")
    assert "Closed booking 5" in listed and "Closed booking 0" not in listed  # five in all


def test_a_late_live_refresh_does_not_take_back_the_saved_message(client, login):
    """The page's live refresh can be in flight while a form posts; its answer comes last.

    The cookie holds the session, so an answer carrying the older cookie would overwrite
    the one holding "Sent to …" and the next page would not say it (seen in the browser test).
    """
    _, _, agent, _, case = _setup()
    login(client, agent)
    ws = f"/admin/cases/{case.reference}"
    client.get(ws)
    before_post = client.get_cookie("session").value
    client.post(f"{ws}/replies", data={"kind": "public", "body": "Booked for Thursday.",
                                       "seen": _last_id(case)})
    after_post = client.get_cookie("session").value
    client.set_cookie("session", before_post)  # what the refresh was sent with
    late = client.get(f"{ws}/timeline", headers={"HX-Request": "true"})
    assert late.status_code == 200 and "Booked for Thursday." in late.text
    assert "Set-Cookie" not in late.headers
    client.set_cookie("session", after_post)  # so the browser keeps the newer cookie
    page = client.get(ws)
    assert "Sent to Dana Whitfield." in page.text
    # Page loads still slide the sign-in forward.
    assert "session=" in page.headers.get("Set-Cookie", "")
