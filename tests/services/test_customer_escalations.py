"""A customer's "This is taking too long": once per business day, owned by a manager."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from portal.extensions import db
from portal.models import AuditEntry, EventKind, OutboxMessage, Role, Status
from portal.services import business_hours, customer_escalations, timeline
from portal.services.errors import NotFound, ServiceError
from tests import factories

FRIDAY_3PM = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)  # Europe/London: UTC in December
SATURDAY = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
MONDAY_10AM = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
TUESDAY_10AM = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


@pytest.fixture
def desk():
    dep = factories.department("Recalls")
    cat = factories.category(dep)
    first = factories.staff(Role.MANAGER, [dep], name="Priya Shah")
    second = factories.staff(Role.MANAGER, [dep], name="Owen Hale")
    return dep, cat, first, second


def _escalate(case, when, reason="Three weeks and no booking"):
    with time_machine.travel(when, tick=False):
        return customer_escalations.escalate(case, case.customer, reason)


def test_a_manager_owns_the_answer_within_four_business_hours(desk):
    _, cat, priya, _ = desk
    with time_machine.travel(FRIDAY_3PM, tick=False):
        case = factories.case(cat=cat)
    done = _escalate(case, FRIDAY_3PM)
    # Two working hours on Friday, two more on Monday morning.
    assert done.manager == priya and done.promise.owner == priya
    assert done.promise.due_at == datetime(2026, 12, 14, 11, 0, tzinfo=UTC)
    assert done.promise.public and done.promise.is_open
    [event] = [e for e in timeline.public_events(case) if e.kind == EventKind.ESCALATION]
    assert event.author == case.customer and event.body == "Three weeks and no booking"
    assert event.data["manager"] == "Priya Shah"
    mail = db.session.query(OutboxMessage).filter_by(to_address=priya.email).one()
    assert "Three weeks and no booking" in mail.body_text and case.reference in mail.subject
    assert db.session.query(AuditEntry).filter_by(action="case.customer_escalated").count() == 1


def test_once_per_business_day_across_the_weekend(desk):
    _, cat, _, _ = desk
    with time_machine.travel(FRIDAY_3PM, tick=False):
        case = factories.case(cat=cat)
    _escalate(case, FRIDAY_3PM)
    with pytest.raises(customer_escalations.AlreadyEscalated):
        _escalate(case, datetime(2026, 12, 11, 16, 30, tzinfo=UTC))
    # Saturday is closed: it counts for Monday, a new business day.
    saturday = _escalate(case, SATURDAY)
    assert saturday.business_day == date(2026, 12, 14)
    with pytest.raises(customer_escalations.AlreadyEscalated) as refused:
        _escalate(case, MONDAY_10AM)
    assert refused.value.again_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert "Owen Hale" in refused.value.message  # Priya had one open: Owen took Saturday's
    assert "Tue 15 Dec 2026" in refused.value.message
    _escalate(case, TUESDAY_10AM)


def test_a_closed_day_moves_the_next_chance_on(desk):
    dep, cat, _, _ = desk
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    business_hours.add_closure(admin, dep, date(2026, 12, 15), "Staff training")
    with time_machine.travel(MONDAY_10AM, tick=False):
        case = factories.case(cat=cat)
    _escalate(case, MONDAY_10AM)
    with pytest.raises(customer_escalations.AlreadyEscalated) as refused:
        _escalate(case, datetime(2026, 12, 14, 16, 0, tzinfo=UTC))
    # Tuesday is closed: the next chance is Wednesday's opening.
    assert refused.value.again_at == datetime(2026, 12, 16, 9, 0, tzinfo=UTC)
    evening = _escalate(case, datetime(2026, 12, 14, 20, 0, tzinfo=UTC))
    assert evening.business_day == date(2026, 12, 16)
    assert evening.promise.due_at == datetime(2026, 12, 16, 13, 0, tzinfo=UTC)


def test_the_escalations_are_shared_fairly(desk):
    _, cat, priya, owen = desk
    with time_machine.travel(MONDAY_10AM, tick=False):
        first, second, third = (factories.case(cat=cat) for _ in range(3))
    assert _escalate(first, MONDAY_10AM).manager == priya
    assert _escalate(second, MONDAY_10AM).manager == owen
    assert _escalate(third, MONDAY_10AM).manager == priya


def test_nobody_escalates_anothers_case_or_a_closed_one(desk):
    _, cat, _, _ = desk
    with time_machine.travel(MONDAY_10AM, tick=False):
        case = factories.case(cat=cat)
        with pytest.raises(NotFound):
            customer_escalations.escalate(case, factories.customer("Eve"), "Let me in")
        with pytest.raises(ServiceError):
            customer_escalations.escalate(case, case.customer, "   ")
        case.status = Status.RESOLVED
        db.session.commit()
        with pytest.raises(ServiceError):
            customer_escalations.escalate(case, case.customer, "Still waiting")
