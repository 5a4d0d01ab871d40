"""Promises follow the case on a handoff, credit whoever settles them, and escalate to
their current owner; escalations tell each person once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    AuditEntry,
    CaseEvent,
    EventKind,
    OutboxMessage,
    PromiseState,
    Role,
    Solved,
    Standard,
    utcnow,
)
from portal.services import cases, feedback, follow_ups, handoffs, minute_job, promises
from portal.services.errors import ServiceError
from tests import factories

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _world():
    sales, finance = factories.department("Sales"), factories.department("Finance")
    tom = factories.staff(departments=[sales], name="Tom Berger", email="tom@example.com")
    leo = factories.staff(departments=[finance], name="Leo Park", email="leo@example.com")
    case = factories.case(cat=factories.category(sales))
    promise = promises.make(case, tom, "Refund the deposit", tom, utcnow() + timedelta(days=1))
    return sales, finance, tom, leo, case, promise


def _escalations_to(address: str) -> int:
    return db.session.query(OutboxMessage).filter(
        OutboxMessage.to_address == address, OutboxMessage.subject.contains("Escalated")).count()


def _mine(user):
    return list(db.session.scalars(promises.due_query(user, "mine")))


def test_a_handoff_to_a_department_passes_the_promise_to_its_queue():
    _, finance, tom, leo, case, promise = _world()
    handoffs.hand_off(case, tom, finance, None, "Deposit refund agreed; Finance pays it.")
    assert promise.owner is None and promise.owner_department == finance
    assert promise.owner_name == "Finance"
    assert _mine(tom) == [] and _mine(leo) == [promise]  # the queue is Finance's to work
    passed = [e for e in case.events if e.kind == EventKind.PROMISE
              and e.data["action"] == "passed"]
    assert passed and not passed[0].is_public and passed[0].data["before"] == "Tom Berger"
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "promise.passed"))


def test_a_handoff_to_a_person_passes_the_promise_to_them():
    sales, _, tom, _, case, promise = _world()
    manager = factories.staff(Role.MANAGER, departments=[sales], name="Priya Shah")
    ann = factories.staff(departments=[sales], name="Ann Lee")
    handoffs.hand_off(case, manager, sales, ann, "Ann knows the customer.")
    assert promise.owner == ann and promise.owner_department is None
    assert _mine(ann) == [promise] and _mine(tom) == []


def test_keeping_a_promise_needs_an_owner_who_can_still_open_the_case():
    sales, finance, tom, _, case, promise = _world()
    with pytest.raises(ServiceError, match="Tom Berger could no longer open this case") as exc:
        handoffs.hand_off(case, tom, finance, None, "Over to Finance.", keep={promise.id})
    assert exc.value.field == f"promise_{promise.id}"
    db.session.rollback()
    assert case.department_id == sales.id and promise.owner == tom  # nothing changed
    manager = factories.staff(Role.MANAGER, departments=[sales], name="Priya Shah")
    ann = factories.staff(departments=[sales], name="Ann Lee")
    handoffs.hand_off(case, manager, sales, ann, "Ann takes the case, Tom still calls.",
                      keep={promise.id})
    assert promise.owner == tom


def test_whoever_settles_a_promise_is_credited():
    _, finance, tom, leo, case, promise = _world()
    handoffs.hand_off(case, tom, finance, None, "Finance pays the deposit back.")
    promises.resolve(promise, PromiseState.KEPT, by=leo, note="Refunded today.")
    assert promise.resolved_by == leo and promise.resolved_at is not None
    assert promise.state == PromiseState.KEPT
    audit = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "promise.kept"))
    assert audit.actor_id == leo.id
    with pytest.raises(ServiceError, match="already settled"):
        promises.resolve(promise, PromiseState.WITHDRAWN, by=tom, note="No.")


def test_a_promise_in_a_queue_escalates_to_the_managers_and_the_timeline_names_the_queue(app):
    sales, finance = factories.department("Sales"), factories.department("Finance")
    tom = factories.staff(departments=[sales], name="Tom Berger")
    boss = factories.staff(Role.MANAGER, departments=[finance], name="Fay Boss",
                           email="fay@example.com")
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(sales))
        promise = promises.make(case, tom, "Call back", tom, START + timedelta(hours=1))
        handoffs.hand_off(case, tom, finance, None, "Over to Finance.")
    grace = app.config["ESCALATION_GRACE_MINUTES"]
    for minutes in (65, grace + 65):
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            minute_job.tick()
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.subject.contains("Escalated"))).all()
    assert [m.to_address for m in mails] == [boss.email]  # once, though two stages passed
    [note] = [e for e in case.events if e.kind == EventKind.ESCALATION]
    assert "Finance queue" in note.data["summary"] and "owner" not in note.data["summary"]
    assert promise.id in promises.flagged_to_someone_else(case)


def test_an_owner_who_is_also_the_manager_is_told_once(app):
    dep = factories.department("Sales")
    priya = factories.staff(Role.MANAGER, departments=[dep], name="Priya Shah",
                            email="priya@example.com")
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(dep))
        promises.make(case, priya, "Call back", priya, START + timedelta(hours=1))
    grace = app.config["ESCALATION_GRACE_MINUTES"]
    for minutes in (65, grace + 65, grace + 70):
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            minute_job.tick()
    assert _escalations_to(priya.email) == 1


def test_an_unassigned_breach_tells_each_manager_once_and_says_unassigned(app):
    dep = factories.department("Sales")
    cat = factories.category(dep)
    managers = [factories.staff(Role.MANAGER, departments=[dep], name=n, email=f"{n}@ex.com")
                for n in ("ann", "bob")]
    db.session.add(Standard(category_id=cat.id, first_response_minutes=60,
                            update_minutes=600, resolution_minutes=6000))
    db.session.commit()
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=cat)
    grace = app.config["ESCALATION_GRACE_MINUTES"]
    for minutes in (65, grace + 65):
        with time_machine.travel(START + timedelta(minutes=minutes), tick=False):
            minute_job.tick()
    for manager in managers:
        assert _escalations_to(manager.email) == 1
    notes = db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.ESCALATION)).all()
    assert len(notes) == 1
    assert "unassigned (Sales queue)" in notes[0].data["summary"]
    assert "owner" not in notes[0].data["summary"]


def test_a_completed_follow_up_answers_the_customer():
    dep = factories.department("Customer Care")
    agent = factories.staff(departments=[dep], name="Leo Marsh")
    manager = factories.staff(Role.MANAGER, departments=[dep], name="Grace Lindqvist")
    case = factories.case(cat=factories.category(dep))
    cases.add_staff_reply(case, agent, "We have looked into it.")
    cases.change_status(case, agent, cases.Status.RESOLVED, "Apology sent.")
    feedback.answer(case, case.customer, Solved.NO, 1, "nobody called")
    assert case.waiting_since is not None  # reopened: awaiting our answer
    item = follow_ups.for_feedback(case.feedback[-1])
    follow_ups.complete(item, manager, "Called her.", "We called you and booked Friday.")
    assert case.waiting_since is None
    assert item.promise.resolved_by == manager


def test_resolve_takes_the_outcome_by_name_and_refuses_open():
    _, _, tom, _, _, promise = _world()
    with pytest.raises(ServiceError, match="Choose kept, broken or withdrawn"):
        promises.resolve(promise, "open", by=tom, note="Hm.")
    promises.resolve(promise, "withdrawn", by=tom, note="She cancelled the order.")
    assert promise.state == PromiseState.WITHDRAWN and promise.resolved_by == tom
