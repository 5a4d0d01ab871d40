"""`caseloop tick`: owner first, manager after the grace period, never twice."""

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import (
    CaseEvent,
    Escalation,
    EventKind,
    OutboxMessage,
    Role,
    Standard,
    Status,
)
from portal.services import cases, minute_job, promises
from tests import factories

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _world():
    dep = factories.department("Sales")
    agent = factories.staff(departments=[dep], name="Marco Rossi", email="marco@example.com")
    manager = factories.staff(Role.MANAGER, departments=[dep], name="Priya Shah",
                              email="priya@example.com")
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(dep))
        promise = promises.make(case, agent, "Call back", agent, START + timedelta(hours=1))
    return case, agent, manager, promise


def _mails_to(address):
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address)))


def test_overdue_promise_goes_to_the_owner_then_the_manager_once_each(app):
    case, agent, manager, promise = _world()
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        assert minute_job.tick().notified == []  # not due yet
    with time_machine.travel(START + timedelta(minutes=65), tick=False):
        first = minute_job.tick()
        again = minute_job.tick()
    assert len(first.notified) == 1 and again.notified == []
    assert len(_mails_to(agent.email)) == 1 and _mails_to(manager.email) == []
    grace = app.config["ESCALATION_GRACE_MINUTES"]
    with time_machine.travel(START + timedelta(hours=1, minutes=grace + 1), tick=False):
        minute_job.tick()
        minute_job.tick()
    assert len(_mails_to(manager.email)) == 1
    assert len(_mails_to(agent.email)) == 1
    stages = [e.stage for e in db.session.scalars(select(Escalation))]
    assert sorted(stages) == ["manager", "owner"]
    notes = db.session.scalars(select(CaseEvent).where(CaseEvent.kind == EventKind.ESCALATION))
    assert all(not n.is_public for n in notes)


def test_a_kept_promise_is_not_escalated():
    case, agent, _, promise = _world()
    promises.resolve(promise, promises.PromiseState.KEPT, by=agent, note="Called.")
    with time_machine.travel(START + timedelta(days=1), tick=False):
        assert minute_job.tick().notified == []


def test_a_new_due_time_is_a_new_breach():
    case, agent, _, promise = _world()
    with time_machine.travel(START + timedelta(minutes=65), tick=False):
        minute_job.tick()
        promises.resolve(promise, promises.PromiseState.BROKEN, by=agent, note="Line busy.")
        promises.make(case, agent, "Call back again", agent, START + timedelta(hours=2))
    with time_machine.travel(START + timedelta(hours=2, minutes=5), tick=False):
        assert len(minute_job.tick().notified) == 1


def test_breached_first_response_standard_escalates_to_managers_when_unassigned():
    dep = factories.department()
    manager = factories.staff(Role.MANAGER, departments=[dep], email="boss@example.com")
    db.session.add(Standard(first_response_minutes=60, update_minutes=240,
                            resolution_minutes=2880))
    db.session.commit()
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(dep))
    with time_machine.travel(START + timedelta(minutes=61), tick=False):
        report = minute_job.tick()
    assert any("first response" in line for line in report.notified)
    assert _mails_to(manager.email)
    assert case.reference in _mails_to(manager.email)[0].subject


def test_resolved_cases_close_after_the_quiet_period(app):
    case = factories.case()
    with time_machine.travel(START, tick=False):
        cases.change_status(case, factories.staff(), Status.RESOLVED, "Done.")
    days = app.config["QUIET_PERIOD_DAYS"]
    with time_machine.travel(START + timedelta(days=days - 1), tick=False):
        minute_job.tick()
    assert case.status == Status.RESOLVED
    with time_machine.travel(START + timedelta(days=days, minutes=1), tick=False):
        assert minute_job.tick().closed == [case.reference]
    assert case.status == Status.CLOSED


def test_tick_command_prints_what_it_did(runner):
    _world()
    with time_machine.travel(START + timedelta(hours=2), tick=False):
        result = runner.invoke(args=["tick"])
    assert result.exit_code == 0 and "escalation(s)" in result.output
    assert "promise overdue: Call back" in result.output
