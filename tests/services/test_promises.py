from datetime import timedelta

import pytest
import time_machine

from portal.extensions import db
from portal.models import EventKind, OutboxMessage, PromiseState, Role, Status, utcnow
from portal.services import cases, promises, timeline
from portal.services.errors import ServiceError
from tests import factories


def _case_and_agent():
    dep = factories.department("Sales")
    agent = factories.staff(departments=[dep], name="Marco Rossi")
    case = factories.case(cat=factories.category(dep))
    return case, agent


def test_a_public_promise_is_on_the_timeline_and_emailed():
    case, agent = _case_and_agent()
    due = utcnow() + timedelta(days=2)
    promise = promises.make(case, agent, "Adjust your payment terms", agent, due)
    assert promise.state == PromiseState.OPEN and promise.owner == agent
    [event] = [e for e in timeline.public_events(case) if e.kind == EventKind.PROMISE]
    assert event.data["action"] == "made" and event.data["what"] == "Adjust your payment terms"
    mail = db.session.query(OutboxMessage).order_by(OutboxMessage.id.desc()).first()
    assert "Adjust your payment terms" in mail.body_text


def test_an_internal_promise_stays_internal():
    case, agent = _case_and_agent()
    promises.make(case, agent, "Check with the depot", agent, utcnow() + timedelta(hours=3),
                  public=False)
    assert not [e for e in timeline.public_events(case) if e.kind == EventKind.PROMISE]
    assert db.session.query(OutboxMessage).count() == 0


@pytest.mark.parametrize("what,due,field", [
    ("", timedelta(hours=1), "what"),
    ("Call back", -timedelta(minutes=1), "due_at"),
])
def test_bad_promises_are_refused(what, due, field):
    case, agent = _case_and_agent()
    with pytest.raises(ServiceError) as err:
        promises.make(case, agent, what, agent, utcnow() + due)
    assert err.value.field == field


def test_the_owner_must_be_able_to_see_the_case():
    case, agent = _case_and_agent()
    outsider = factories.staff(departments=[factories.department()])
    with pytest.raises(ServiceError, match="cannot see this case"):
        promises.make(case, agent, "Call back", outsider, utcnow() + timedelta(hours=1))


def test_settling_needs_words_and_happens_once():
    case, agent = _case_and_agent()
    promise = promises.make(case, agent, "Call back", agent, utcnow() + timedelta(hours=1))
    with pytest.raises(ServiceError, match="Say what was done"):
        promises.resolve(promise, PromiseState.KEPT, by=agent, note="")
    db.session.rollback()
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="Called at 15:10, booked Thursday.")
    assert promise.kept_on_time
    with pytest.raises(ServiceError, match="already settled"):
        promises.resolve(promise, PromiseState.WITHDRAWN, by=agent, note="changed my mind")


def test_breaking_a_promise_with_a_new_one():
    case, agent = _case_and_agent()
    old = promises.make(case, agent, "Deliver Tuesday", agent, utcnow() + timedelta(hours=1))
    new = promises.replace(old, agent, "The van broke down.", "Deliver Wednesday",
                           utcnow() + timedelta(days=1))
    assert old.state == PromiseState.BROKEN and old.replaced_by_id == new.id
    assert new.is_open and new.what == "Deliver Wednesday"


def test_a_case_cannot_be_resolved_while_a_promise_is_open():
    case, agent = _case_and_agent()
    promise = promises.make(case, agent, "Call back", agent, utcnow() + timedelta(hours=1))
    with pytest.raises(ServiceError, match="still open"):
        cases.change_status(case, agent, Status.RESOLVED, "Done.")
    db.session.rollback()
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="Called.")
    cases.change_status(case, agent, Status.RESOLVED, "Done.")
    assert case.status == Status.RESOLVED


def test_overdue_is_honest_and_lists_are_scoped():
    case, agent = _case_and_agent()
    manager = factories.staff(Role.MANAGER, departments=[case.department])
    start = utcnow()
    promise = promises.make(case, agent, "Call back", agent, start + timedelta(hours=1))
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert promise.is_overdue()
    assert [p.id for p in db.session.scalars(promises.due_query(agent))] == [promise.id]
    assert list(db.session.scalars(promises.due_query(manager, "mine"))) == []
    assert [p.id for p in db.session.scalars(promises.due_query(manager, "team"))] == \
        [promise.id]
