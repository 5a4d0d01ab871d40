"""Feedback rules: when it is asked, what an unhappy answer sets in motion."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal.extensions import db
from portal.models import FollowUp, OutboxMessage, Priority, Role, Solved, Status, utcnow
from portal.services import cases, feedback, feedback_rules, follow_ups
from portal.services.errors import NotFound, ServiceError
from tests import factories


def _resolved_case(answered: bool = True):
    dep = factories.department("Customer Care")
    agent = factories.staff(departments=[dep], name="Leo Marsh")
    manager = factories.staff(Role.MANAGER, departments=[dep], name="Grace Lindqvist")
    case = factories.case(cat=factories.category(dep))
    if answered:
        cases.add_staff_reply(case, agent, "We have looked into it.")
    cases.change_status(case, agent, Status.RESOLVED, "Apology sent and meeting booked.")
    return case, agent, manager


def test_never_asked_when_nobody_answered_or_before_resolution():
    unanswered, _, _ = _resolved_case(answered=False)
    assert not feedback_rules.can_ask(unanswered)
    with pytest.raises(ServiceError, match="once your case is resolved"):
        feedback.answer(unanswered, unanswered.customer, Solved.YES, 9)
    open_case = factories.case()
    cases.add_staff_reply(open_case, factories.staff(), "On it.")
    assert not feedback_rules.can_ask(open_case)


def test_a_happy_yes_closes_the_case_and_opens_no_follow_up():
    case, _, _ = _resolved_case()
    feedback.answer(case, case.customer, Solved.YES, 9, "Thanks")
    assert case.status == Status.CLOSED
    assert db.session.query(FollowUp).count() == 0


def test_no_reopens_escalates_and_creates_an_owned_follow_up_promised_to_the_customer():
    case, _, manager = _resolved_case()
    feedback.answer(case, case.customer, Solved.NO, 2, "nobody called me")
    assert case.status == Status.IN_PROGRESS and case.resolved_at is None
    assert case.priority == Priority.HIGH
    [item] = db.session.query(FollowUp).all()
    assert item.owner == manager and item.due_at > utcnow()
    assert item.promise.public and item.promise.owner == manager
    assert item.promise.what == "Contact you about your feedback"
    subjects = [m.subject for m in db.session.query(OutboxMessage)]
    assert any("not solved" in s for s in subjects)


@pytest.mark.parametrize("solved,rating,comment,unhappy", [
    (Solved.YES, 7, "", False),
    (Solved.YES, 6, "", True),   # at or below the threshold
    (Solved.PARTLY, 8, "", False),
    (Solved.PARTLY, 8, "the refund is still missing", True),
    (Solved.NO, 10, "", True),
    (Solved.YES, None, "", False),
])
def test_what_counts_as_unhappy(solved, rating, comment, unhappy):
    assert feedback_rules.is_unhappy(solved, rating, comment) is unhappy


def test_one_answer_per_resolution_changeable_for_seven_days():
    case, _, _ = _resolved_case()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        feedback.answer(case, case.customer, Solved.PARTLY, 8)
    with time_machine.travel(start + timedelta(days=6), tick=False):
        feedback.answer(case, case.customer, Solved.PARTLY, 5)
    assert len(case.feedback) == 1 and case.feedback[0].rating == 5
    assert db.session.query(FollowUp).count() == 1  # became unhappy: one follow-up
    with time_machine.travel(start + timedelta(days=8), tick=False), \
            pytest.raises(ServiceError, match="final"):
        feedback.answer(case, case.customer, Solved.YES, 10)


def test_only_the_case_customer_can_answer():
    case, agent, _ = _resolved_case()
    with pytest.raises(NotFound):
        feedback.answer(case, factories.customer(), Solved.NO, 0)
    with pytest.raises(NotFound):
        feedback.answer(case, agent, Solved.YES, 10)


def test_rating_outside_zero_to_ten_is_refused():
    case, _, _ = _resolved_case()
    with pytest.raises(ServiceError, match="0 to 10"):
        feedback.answer(case, case.customer, Solved.YES, 11)


def test_a_reply_that_didnt_help_reaches_the_owner_at_once():
    dep = factories.department()
    agent = factories.staff(departments=[dep], email="leo@example.com", name="Leo Marsh")
    case = factories.case(cat=factories.category(dep))
    cases.add_staff_reply(case, agent, "Have you tried turning it off?")
    reply = [e for e in case.events if e.kind.value == "staff_reply"][0]
    feedback.react(reply.id, case.customer, False, "I did, twice")
    mails = db.session.query(OutboxMessage).filter_by(to_address="leo@example.com").all()
    assert mails and "I did, twice" in mails[0].body_text
    feedback.react(reply.id, case.customer, True)  # changing one's mind is fine
    assert feedback.reactions_for(case)[reply.id].helpful
    with pytest.raises(NotFound):
        feedback.react(reply.id, factories.customer(), False)


def test_completing_a_follow_up_keeps_its_promise_and_tells_the_customer():
    case, _, manager = _resolved_case()
    feedback.answer(case, case.customer, Solved.NO, 0)
    [item] = db.session.query(FollowUp).all()
    with pytest.raises(ServiceError):
        follow_ups.complete(item, manager, "Called her", "")
    db.session.rollback()
    follow_ups.complete(item, manager, "Called Mei, apologised, booked a meeting.",
                        "We called you, apologised, and booked a meeting for Friday.")
    assert item.state.value == "done" and item.promise.state.value == "kept"
    public = [e.body for e in cases.timeline.public_events(case)]
    assert "We called you, apologised, and booked a meeting for Friday." in public
    assert "Called Mei, apologised, booked a meeting." not in public


LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("answered", "due"), [
    # "No" at 01:05 on a Monday: contact by Monday's closing, not Tuesday 01:05 at night.
    (datetime(2026, 11, 30, 1, 5, tzinfo=LONDON), datetime(2026, 11, 30, 17, tzinfo=LONDON)),
    # On Friday afternoon: the same time on Monday, the weekend skipped.
    (datetime(2026, 11, 27, 15, tzinfo=LONDON), datetime(2026, 11, 30, 15, tzinfo=LONDON)),
    # On Saturday: within Monday's working hours.
    (datetime(2026, 11, 28, 11, tzinfo=LONDON), datetime(2026, 11, 30, 17, tzinfo=LONDON)),
])
def test_follow_up_due_within_one_business_day_of_the_department(answered, due):
    with time_machine.travel(answered - timedelta(days=1), tick=False):
        case, _, _ = _resolved_case()
    with time_machine.travel(answered, tick=False):
        feedback.answer(case, case.customer, Solved.NO, 0)
    [item] = db.session.query(FollowUp).all()
    assert item.due_at == due.astimezone(UTC)
    assert item.promise.due_at == item.due_at


def test_follow_up_hours_count_working_hours(app, monkeypatch):
    monkeypatch.setitem(app.config, "FOLLOW_UP_HOURS", 4)
    with time_machine.travel(datetime(2026, 11, 26, 12, tzinfo=LONDON), tick=False):
        case, _, _ = _resolved_case()
    with time_machine.travel(datetime(2026, 11, 27, 16, tzinfo=LONDON), tick=False):
        feedback.answer(case, case.customer, Solved.NO, 0)
    [item] = db.session.query(FollowUp).all()
    assert item.due_at == datetime(2026, 11, 30, 12, tzinfo=LONDON).astimezone(UTC)


def test_with_no_manager_or_admin_the_last_person_who_answered_owns_the_follow_up():
    dep = factories.department("Night Shift")
    agent = factories.staff(departments=[dep], name="Leo Marsh")
    case = factories.case(cat=factories.category(dep))
    cases.add_staff_reply(case, agent, "Fixed overnight.")
    cases.change_status(case, agent, Status.RESOLVED, "Fixed overnight.")
    answer = feedback.answer(case, case.customer, Solved.PARTLY, 5, "It broke again at noon")
    assert answer.id is not None  # the customer's words are kept, never refused
    assert follow_ups.for_feedback(answer).owner == agent
