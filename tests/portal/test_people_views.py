"""People on a case, as customers meet it: adding a colleague, their list, the same page."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from portal.extensions import db
from portal.models import PromiseState, Sharing, Status, utcnow
from portal.services import cases, organisations, participants, promises
from portal.services.attachments import CheckedFile
from tests import factories
from tests.helpers import last_link, mails_to

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


def _text(page: str) -> str:
    """The words a reader sees, tags and runs of spaces gone."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)))


def test_the_requester_adds_a_colleague_who_follows_the_link_and_replies(client, login):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    case = factories.case(johnson, "Payment terms for invoice 4471")
    login(client, johnson)
    page = client.get(f"/cases/{case.reference}").text
    assert "People on this case" in page and "Add a colleague" in page
    added = client.post(f"/cases/{case.reference}/participants",
                        data={"email": "amy@example.com", "name": "Amy Clerk"})
    assert added.status_code == 302
    assert "amy@example.com is on the case now" in client.get(added.location).text
    client.post("/logout")
    signed_in = client.post(last_link("amy@example.com"))  # the emailed link, used once
    assert signed_in.location.endswith(f"/cases/{case.reference}")
    mine = _text(client.get("/cases").text)
    assert "Shared with me" in mine and "Opened by Mr Johnson" in mine
    page = client.get(f"/cases/{case.reference}").text
    assert "Payment terms for invoice 4471" in page and "Add a colleague" not in page
    client.post(f"/cases/{case.reference}/replies", data={"body": "Remittance sent today."})
    client.post("/logout")
    login(client, johnson)
    assert "Amy Clerk wrote" in _text(client.get(f"/cases/{case.reference}").text)


def test_a_bad_address_is_refused_next_to_the_field_and_nothing_changes(client, login):
    johnson = factories.customer("Mr Johnson")
    case = factories.case(johnson)
    login(client, johnson)
    bad = client.post(f"/cases/{case.reference}/participants", data={"email": "not-an-email"})
    assert bad.status_code == 422 and "not a valid email address" in bad.text
    assert participants.of_case(case) == []


def test_members_see_the_organisations_cases_under_their_own_heading(client, login):
    johnson, ben = factories.customer("Mr Johnson"), factories.customer("Ben Buyer")
    org = organisations.create(None, "Johnson Hardware", "", False, Sharing.SHARED)
    for person in (johnson, ben):
        organisations.add_member(org, None, person.email)
    case = factories.case(johnson, "Payment terms for invoice 4471")
    login(client, johnson)
    shared = client.post(f"/cases/{case.reference}/share")
    assert shared.status_code == 302
    assert "Stop sharing with my organisation" in client.get(shared.location).text
    client.post("/logout")
    login(client, ben)
    listed = _text(client.get("/cases").text)
    assert "Our organisation" in listed and "Opened by Mr Johnson" in listed
    assert client.get(f"/cases/{case.reference}").status_code == 200


def _fields(page: str) -> dict[str, object]:
    """What a customer reads on the case page, field by field (not whose words are "You")."""
    def all_of(pattern):
        return [html.unescape(re.sub(r"<[^>]+>|\s+", " ", m)).strip()
                for m in re.findall(pattern, page, re.S)]
    return {
        "title": all_of(r'id="case-title"[^>]*>(.*?)</h1>'),
        "status": all_of(r'status--large">(.*?)<'),
        "next step": all_of(r'class="case-head__next">(.*?)</p>'),
        "promises": all_of(r'<li class="promise [^"]*">(.*?)</li>'),
        "messages": all_of(r'<div class="event__body"[^>]*>(.*?)</div>'),
        "attachments": all_of(r'href="(/attachments/[^"]+)"'),
        "resolution": all_of(r'id="resolution-title">(.*?)</h2>'),
        "reply form": 'id="reply-form"' in page,
        "people on the case": all_of(r'<li>\s*<bdi>(.*?)</bdi>'),
        "feedback form": "/feedback" in page,
    }


def test_requester_colleague_and_member_see_the_same_case_but_for_the_feedback_form(
        client, login):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    clerk = factories.customer("Amy Clerk", "amy@example.com")
    ben = factories.customer("Ben Buyer", "ben@example.com")
    org = organisations.create(None, "Johnson Hardware", "", False, Sharing.ALL)
    for person in (johnson, ben):
        organisations.add_member(org, None, person.email)
    case = factories.case(johnson, "Payment terms for invoice 4471")
    participants.add(case, johnson, clerk.email)
    agent = factories.staff(departments=[case.department], name="Priya Patel")
    promise = promises.make(case, agent, "Agree 60-day terms", agent,
                            utcnow() + timedelta(days=2))
    cases.add_staff_reply(case, agent, "Terms attached.",
                          files=[CheckedFile("terms.png", "image/png", PNG)])
    cases.add_customer_message(case, clerk, "Remittance sent today.")
    cases.add_staff_reply(case, agent, "Internal: check credit limit", internal=True)
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="60-day terms agreed.")
    cases.change_status(case, agent, Status.RESOLVED, "Your new terms start on 1 January.")
    seen = {}
    for person in (johnson, clerk, ben):
        login(client, person)
        response = client.get(f"/cases/{case.reference}")
        assert response.status_code == 200
        assert "check credit limit" not in response.text
        seen[person.name] = _fields(response.text)
        client.post("/logout")
    requester = seen.pop("Mr Johnson")
    assert requester["feedback form"] and requester["promises"] and requester["attachments"]
    assert "Remittance sent today." in requester["messages"]
    assert requester["people on the case"] == ["Mr Johnson", "Amy Clerk"]
    for name, fields in seen.items():
        differences = {k for k in requester if fields[k] != requester[k]}
        assert differences == {"feedback form"}, (name, differences)
    assert mails_to("amy@example.com"), "the colleague is emailed the public updates"


def test_a_colleague_reading_the_case_is_not_the_customer_seeing_it(client, login):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    clerk = factories.customer("Amy Clerk", "amy@example.com")
    case = factories.case(johnson, "Payment terms for invoice 4471")
    participants.add(case, johnson, clerk.email)
    agent = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, agent, "Your terms change on Monday.")
    before = case.customer_seen_at
    login(client, clerk)
    assert "Your terms change on Monday." in client.get(f"/cases/{case.reference}").text
    db.session.refresh(case)
    assert case.customer_seen_at == before  # staff are not told "Seen by Mr Johnson"
    client.post("/logout")
    login(client, johnson)
    assert "New update" in client.get("/cases").text  # still new to him
    client.get(f"/cases/{case.reference}")
    db.session.refresh(case)
    assert case.customer_seen_at != before


def test_adding_and_removing_a_colleague_is_on_the_history_for_everyone(client, login):
    johnson = factories.customer("Mr Johnson", "johnson@example.com")
    case = factories.case(johnson, "Payment terms for invoice 4471")
    fatima = factories.staff(departments=[case.department], name="Fatima Noor")
    cases.add_staff_reply(case, fatima, "We are looking at your terms.")
    told_at = case.last_update_at
    login(client, johnson)
    client.post(f"/cases/{case.reference}/participants",
                data={"email": "amy@example.com", "name": "Amy Clerk"})
    assert "You added Amy Clerk to this case" in _text(client.get(f"/cases/{case.reference}").text)
    client.post("/logout")

    login(client, fatima)
    workspace = _text(client.get(f"/admin/cases/{case.reference}").text)
    assert "Mr Johnson added Amy Clerk to this case" in workspace
    [amy] = participants.of_case(case)
    client.post(f"/admin/cases/{case.reference}/participants/{amy.id}/remove")
    client.post("/admin/logout")
    db.session.refresh(case)
    # A change of CC is not news from us: the customer's update clock is not reset by it.
    assert case.last_update_at == told_at

    login(client, johnson)
    page = _text(client.get(f"/cases/{case.reference}").text)
    assert "Fatima Noor removed Amy Clerk from this case" in page
    assert page.index("You added Amy Clerk") < page.index("Fatima Noor removed Amy Clerk")
