"""Events, promises and feedback of a case through the API."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    Feedback,
    OutboxMessage,
    PromiseState,
    Role,
    Solved,
    Visibility,
    utcnow,
)
from portal.services import cases, handoffs, promises
from tests import factories


def test_log_a_contact_internal_by_default_and_public_on_request(api):
    case = factories.case()
    internal = api.post(f"/cases/{case.reference}/events",
                        {"channel": "phone", "body": "Called the branch about RC-42."})
    assert internal.status_code == 201, internal.json
    assert internal.json["public"] is False and internal.json["kind"] == "contact_logged"
    assert internal.json["author"] == {"name": "API: Head office recall system", "staff": True}
    public = api.post(f"/cases/{case.reference}/events",
                      {"channel": "letter", "body": "Recall letter sent.", "public": True,
                       "label": "Recall letter"})
    assert public.status_code == 201
    assert public.json["data"]["contact_label"] == "Recall letter"
    customer_view = [e.body for e in cases.timeline.public_events(case)]
    assert "Recall letter sent." in customer_view
    assert "Called the branch about RC-42." not in customer_view


def test_events_list_has_internal_notes_and_polls_after_an_id(api):
    case = factories.case()
    tom = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, tom, "Looking at it.", internal=True)
    events = api.get(f"/cases/{case.reference}/events").json["items"]
    assert [e["kind"] for e in events] == ["opened", "internal_note"]
    assert events[1]["public"] is False
    newer = api.get(f"/cases/{case.reference}/events?after={events[0]['id']}").json["items"]
    assert [e["id"] for e in newer] == [events[1]["id"]]


def test_only_loggable_channels(api):
    case = factories.case()
    response = api.post(f"/cases/{case.reference}/events", {"channel": "web", "body": "x"})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "channel"


def test_make_and_list_promises(api):
    case = factories.case()
    tom = factories.staff(departments=[case.department], name="Tom Berger")
    due = (utcnow() + timedelta(days=2)).isoformat()
    response = api.post(f"/cases/{case.reference}/promises",
                        {"what": "Book the recall work", "owner_email": tom.email,
                         "due_at": due})
    assert response.status_code == 201, response.json
    assert response.json["owner"] == {"name": "Tom Berger", "email": tom.email}
    assert response.json["state"] == "open" and response.json["public"] is True
    listed = api.get(f"/cases/{case.reference}/promises").json["items"]
    assert [p["id"] for p in listed] == [response.json["id"]]


def test_promise_owners_must_be_staff_who_can_see_the_case(api):
    case = factories.case()
    outsider = factories.staff(departments=[factories.department()])
    due = (utcnow() + timedelta(days=1)).isoformat()
    for email in ("nobody@example.com", case.customer.email, outsider.email):
        response = api.post(f"/cases/{case.reference}/promises",
                            {"what": "Call back", "owner_email": email, "due_at": due})
        assert response.status_code == 422, email
        assert response.json["errors"][0]["field"] == "owner_email"
    past = api.post(f"/cases/{case.reference}/promises",
                    {"what": "Call back", "owner_email": factories.staff(Role.ADMIN).email,
                     "due_at": "2001-01-01T00:00:00Z"})
    assert past.status_code == 422 and past.json["errors"][0]["field"] == "due_at"
    naive = api.post(f"/cases/{case.reference}/promises",
                     {"what": "Call back", "owner_email": "x@example.com",
                      "due_at": "2030-01-01T10:00:00"})
    assert naive.status_code == 422 and naive.json["errors"][0]["field"] == "due_at"


def test_feedback_is_listed_read_only(api):
    case = factories.case()
    db.session.add(Feedback(case_id=case.id, customer_id=case.customer_id, resolution_round=1,
                            solved=Solved.PARTLY, rating=3, comment="Took three calls."))
    db.session.commit()
    items = api.get(f"/cases/{case.reference}/feedback").json["items"]
    assert items == [{"id": items[0]["id"], "resolution_round": 1, "solved": "partly",
                      "rating": 3, "comment": "Took three calls.",
                      "created_at": items[0]["created_at"]}]
    assert api.post(f"/cases/{case.reference}/feedback", {}).status_code == 405


def test_public_visibility_matches_the_timeline(api):
    case = factories.case()
    api.post(f"/cases/{case.reference}/events", {"channel": "email", "body": "x", "public": True})
    event = cases.timeline.all_events(case)[-1]
    assert event.visibility == Visibility.PUBLIC


def test_post_a_public_reply_the_customer_is_sent(api):
    case = factories.case()
    response = api.post(f"/cases/{case.reference}/messages",
                        {"body": "Your recall is booked for Tuesday."})
    assert response.status_code == 201, response.json
    assert response.json["kind"] == "staff_reply" and response.json["public"] is True
    assert response.json["channel"] == "api"
    assert response.json["author"]["name"] == "API: Head office recall system"
    customer_view = [e.body for e in cases.timeline.public_events(case)]
    assert "Your recall is booked for Tuesday." in customer_view
    mail = db.session.scalars(select(OutboxMessage)).all()
    assert any(m.to_address == case.customer.email and
               "Your recall is booked for Tuesday." in m.body_text for m in mail)


def test_post_an_internal_note_the_customer_never_sees(api):
    case = factories.case()
    mail_before = len(db.session.scalars(select(OutboxMessage)).all())
    response = api.post(f"/cases/{case.reference}/messages",
                        {"body": "Customer sounded upset.", "visibility": "internal"})
    assert response.status_code == 201, response.json
    assert response.json["kind"] == "internal_note" and response.json["public"] is False
    assert "Customer sounded upset." not in [e.body for e in cases.timeline.public_events(case)]
    assert len(db.session.scalars(select(OutboxMessage)).all()) == mail_before


def test_message_fields_are_checked_and_read_tokens_refused(api, api_as, make_token):
    case = factories.case()
    bad = api.post(f"/cases/{case.reference}/messages", {"body": "", "visibility": "secret"})
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json["errors"]} == {"/body", "/visibility"}
    _, secret = make_token("read")
    read_only = api_as(secret).post(f"/cases/{case.reference}/messages", {"body": "Hello"})
    assert read_only.status_code == 403
    assert [e.kind.value for e in cases.timeline.all_events(case)] == ["opened"]


def test_a_department_token_cannot_post_on_other_departments_cases(api_as, make_token):
    case = factories.case()
    _, secret = make_token(departments=[factories.department("Elsewhere")])
    response = api_as(secret).post(f"/cases/{case.reference}/messages", {"body": "Hi"})
    assert response.status_code == 404


def test_a_repeated_message_with_the_same_idempotency_key_is_posted_once(api):
    case = factories.case()
    headers = {"Idempotency-Key": "reply-1"}
    first = api.post(f"/cases/{case.reference}/messages", {"body": "Booked."}, headers=headers)
    again = api.post(f"/cases/{case.reference}/messages", {"body": "Booked."}, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json == again.json
    kinds = [e.kind.value for e in cases.timeline.all_events(case)]
    assert kinds.count("staff_reply") == 1


def _promise(case):
    tom = factories.staff(departments=[case.department], name="Tom Berger")
    return promises.make(case, tom, "Call back about the recall", tom,
                         utcnow() + timedelta(days=1))


@pytest.mark.parametrize("state", ["kept", "broken", "withdrawn"])
def test_settle_a_promise_through_the_api(api, state):
    case = factories.case()
    promise = _promise(case)
    response = api.post(f"/cases/{case.reference}/promises/{promise.id}/outcome",
                        {"state": state, "outcome": "Called Dana at 10:00."})
    assert response.status_code == 200, response.json
    assert response.json["state"] == state and response.json["closed_at"]
    entry = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == f"promise.{state}")).one()
    assert entry.actor.name == "API: Head office recall system"
    again = api.post(f"/cases/{case.reference}/promises/{promise.id}/outcome",
                     {"state": "kept", "outcome": "Again."})
    assert again.status_code == 422 and again.json["errors"][0]["pointer"] == "/state"


def test_settling_needs_an_outcome_and_an_ending_and_the_promise_of_that_case(api):
    case, other = factories.case(), factories.case()
    promise = _promise(case)
    bad = api.post(f"/cases/{case.reference}/promises/{promise.id}/outcome",
                   {"state": "open", "outcome": ""})
    assert bad.status_code == 422
    assert {e["pointer"] for e in bad.json["errors"]} == {"/state", "/outcome"}
    elsewhere = api.post(f"/cases/{other.reference}/promises/{promise.id}/outcome",
                         {"state": "kept", "outcome": "Done."})
    assert elsewhere.status_code == 404
    db.session.refresh(promise)
    assert promise.state.value == "open"


def test_a_promise_in_a_queue_and_who_kept_it(api):
    case = factories.case()
    finance = factories.department("Finance")
    tom = factories.staff(departments=[case.department], name="Tom Berger")
    leo = factories.staff(departments=[finance], name="Leo Park")
    promise = promises.make(case, tom, "Refund", tom, utcnow() + timedelta(days=1))
    handoffs.hand_off(case, tom, finance, None, "Finance refunds it.")
    [queued] = api.get(f"/cases/{case.reference}/promises").json["items"]
    assert queued["owner"] is None and queued["owner_department"] == "Finance"
    promises.resolve(promise, PromiseState.KEPT, by=leo, note="Refunded.")
    [kept] = api.get(f"/cases/{case.reference}/promises").json["items"]
    assert kept["resolved_by"] == {"name": "Leo Park", "email": leo.email}
