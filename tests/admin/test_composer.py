"""The workspace composer: reply or staff-only note, saved replies, and "seen by" after ours."""

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CaseEvent, OutboxMessage, Role, Standard
from portal.services import saved_replies, timeline
from tests import factories


@pytest.fixture
def desk(client, login):
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    tom = factories.staff(departments=[service], name="Tom Berger")
    dana = factories.customer("Dana Whitfield")
    case = factories.case(dana, "Recall RC-42", cat=factories.category(service, "Recalls"))
    login(client, tom)
    return {"service": service, "finance": finance, "tom": tom, "dana": dana, "case": case,
            "url": f"/admin/cases/{case.reference}"}


def _words(html: str) -> str:
    """The page's text as read: tags (a name's <bdi>) dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).split())


def _seen(case) -> int:
    return timeline.all_events(case)[-1].id


class _Ids(HTMLParser):
    """Every id on a page, and every label's `for`."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.fors: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(found["id"])
        if tag == "label" and found.get("for"):
            self.fors.append(found["for"])


def test_every_id_on_the_workspace_is_unique_and_every_label_has_its_field(client, desk):
    saved_replies.save(desk["tom"], "Recall booked", "Booked.", None)
    factories.staff(Role.MANAGER, departments=[desk["service"]], name="Mia Stone")
    page = _Ids()
    page.feed(client.get(desk["url"]).text)
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert duplicates == []
    assert [f for f in page.fors if f not in page.ids] == []
    assert {"reply-body", "contact-body", "reply-seen", "status-seen"} <= set(page.ids)


def test_the_composer_says_which_it_is_before_and_after_sending(client, desk):
    page = client.get(desk["url"]).text
    assert "composer--public" in page and "Reply to Dana Whitfield" in _words(page)
    assert "Send to customer" in page and "Save staff-only note" in page  # CSS shows one
    sent = client.post(f"{desk['url']}/replies", data={
        "kind": "public", "body": "Booked for Thursday.", "seen": _seen(desk["case"])},
        follow_redirects=True)
    assert "Sent to Dana Whitfield." in _words(sent.text)
    noted = client.post(f"{desk['url']}/replies", data={
        "kind": "internal", "body": "She called twice.", "seen": _seen(desk["case"])},
        follow_redirects=True)
    assert "Staff-only note saved — the customer cannot see it." in noted.text
    assert "Sent to Dana Whitfield." not in _words(noted.text)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_a_note_sent_back_with_a_mistake_is_still_shown_as_a_note(client, desk):
    page = client.post(f"{desk['url']}/replies", data={
        "kind": "internal", "body": "", "seen": _seen(desk["case"])})
    assert page.status_code == 422
    assert "composer--internal" in page.text and "Write a message first." in page.text
    assert re.search(r'<input checked[^>]*value="internal"', page.text)


def _insert(client, desk, reply_id, body="", htmx=False, kind="public"):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{desk['url']}/saved-reply", headers=headers, data={
        "kind": kind, "body": body, "saved_reply": reply_id, "seen": _seen(desk["case"])})


def test_insert_without_javascript_reloads_the_workspace_with_the_filled_text(client, desk):
    db.session.add(Standard(first_response_minutes=60, update_minutes=240,
                            resolution_minutes=2880))
    reply = saved_replies.save(desk["tom"], "Recall booked",
                               "Dear {customer_name}, {case_reference} is booked. Next news "
                               "by {next_update}. {signature}", None)
    events = db.session.scalar(select(func.count()).select_from(CaseEvent))
    page = _insert(client, desk, reply.id, kind="internal")
    assert page.status_code == 200 and "<html" in page.text
    assert f"Dear Dana Whitfield, {desk['case'].reference} is booked. Next news by " in page.text
    assert "{next_update}" not in page.text.split("<textarea")[1]
    assert "{signature}" in page.text  # left for staff to see and replace
    assert "“Recall booked” is in the message below" in _words(page.text)
    assert "composer--internal" in page.text  # the choice made before inserting stays
    # Nothing was sent or recorded: it waits in the composer to be edited.
    assert db.session.scalar(select(func.count()).select_from(CaseEvent)) == events
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_insert_with_htmx_answers_the_composer_alone_keeping_what_was_typed(client, desk):
    reply = saved_replies.save(desk["tom"], "Thanks", "Thank you, {customer_name}.", None)
    part = _insert(client, desk, reply.id, body="I checked with the garage.", htmx=True)
    assert part.status_code == 200
    assert "<html" not in part.text and part.text.lstrip().startswith("<form")
    assert 'id="composer"' in part.text
    assert "I checked with the garage.\n\nThank you, Dana Whitfield.</textarea>" in part.text
    assert "data-focus-after-swap" in part.text


def test_another_departments_saved_reply_cannot_be_inserted(client, desk):
    fatima = factories.staff(Role.MANAGER, departments=[desk["finance"]], name="Fatima Noor")
    theirs = saved_replies.save(fatima, "Invoice cancelled", "Secret finance words.",
                                desk["finance"].id)
    hers = saved_replies.save(fatima, "Fatima's", "Her own words.", None)
    for other in (theirs, hers):
        for htmx in (False, True):
            page = _insert(client, desk, other.id, body="Mine so far", htmx=htmx)
            assert page.status_code == 422
            assert "Choose one of your saved replies." in page.text
            assert "words." not in page.text and "Mine so far" in page.text
            assert "Invoice cancelled" not in page.text  # not even offered


def test_the_workspace_shows_whether_the_customer_saw_our_latest_reply(client, desk, login,
                                                                      app):
    case, url = desk["case"], desk["url"]
    assert "seen-marker" not in client.get(url).text  # no reply yet: nothing to have seen
    client.post(f"{url}/replies", data={"kind": "public", "body": "Booked for Thursday.",
                                        "seen": _seen(case)})
    assert "Not yet seen since our last reply" in client.get(url).text
    customer = app.test_client()
    login(customer, desk["dana"])
    assert customer.get(f"/cases/{case.reference}").status_code == 200
    page = _words(client.get(url).text)
    assert "Seen by Dana Whitfield · just now" in page and "Not yet seen" not in page
    live = _words(client.get(f"{url}/timeline", headers={"HX-Request": "true"}).text)
    assert "Seen by Dana Whitfield · just now" in live  # the live refresh shows it too
    client.post(f"{url}/replies", data={"kind": "public", "body": "One more thing.",
                                        "seen": _seen(case)})
    assert "Not yet seen since our last reply" in client.get(url).text
