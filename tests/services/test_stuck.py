"""Stuck cases: quiet for the department's business days, or moved about without resolution."""

from datetime import UTC, date, datetime

import time_machine
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.models import AuditEntry, Role, Status
from portal.services import business_hours, cases, handoffs, queue, stuck
from portal.services.errors import ServiceError
from tests import factories

MONDAY_10AM = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # Europe/London: UTC in December
THURSDAY_9AM = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
THURSDAY_11AM = datetime(2026, 12, 10, 11, 0, tzinfo=UTC)


def _stuck_ids(staff, now):
    filters = queue.parse_filters(MultiDict({"view": "stuck"}))
    with time_machine.travel(now, tick=False):
        return set(queue.matching_ids(staff, filters, 100))


def _quiet_case(cat, when=MONDAY_10AM):
    with time_machine.travel(when, tick=False):
        return factories.case(cat=cat)


def test_three_quiet_business_days_make_a_case_stuck():
    dep = factories.department("Recalls")
    cat = factories.category(dep)
    agent = factories.staff(departments=[dep])
    case = _quiet_case(cat)
    assert case.id not in _stuck_ids(agent, THURSDAY_9AM)  # Mon 10:00 is after Mon 09:00
    assert _stuck_ids(agent, THURSDAY_11AM) == {case.id}
    reason = stuck.reason(case, THURSDAY_11AM)
    assert reason.quiet_since == MONDAY_10AM and reason.days == 3 and reason.moves is None
    assert stuck.count(agent, THURSDAY_11AM) == 1


def test_an_answer_the_customer_sees_resets_the_quiet():
    dep = factories.department("Recalls")
    agent = factories.staff(departments=[dep])
    case = _quiet_case(factories.category(dep))
    with time_machine.travel(datetime(2026, 12, 9, 12, 0, tzinfo=UTC), tick=False):
        cases.add_staff_reply(case, agent, "We are on it.")
    assert _stuck_ids(agent, THURSDAY_11AM) == set()


def test_the_weekend_and_a_closed_day_are_not_counted():
    dep = factories.department("Recalls")
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    business_hours.add_closure(admin, dep, date(2026, 12, 14), "Staff training")
    case = _quiet_case(factories.category(dep), datetime(2026, 12, 10, 10, 0, tzinfo=UTC))
    # Thu 10:00 → Fri, (weekend), (closed Monday), Tue, Wed: stuck from Wed 10:00.
    assert stuck.reason(case, datetime(2026, 12, 16, 9, 59, tzinfo=UTC)) is None
    assert stuck.reason(case, datetime(2026, 12, 16, 10, 1, tzinfo=UTC)) is not None


def test_each_department_sets_its_own_number_of_days():
    patient, hasty = factories.department("Patient"), factories.department("Hasty")
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    assert stuck.set_days(admin, patient, 5) and stuck.set_days(admin, hasty, 1)
    assert not stuck.set_days(admin, hasty, 1)
    slow = _quiet_case(factories.category(patient))
    fast = _quiet_case(factories.category(hasty))
    assert _stuck_ids(admin, THURSDAY_11AM) == {fast.id}
    assert _stuck_ids(admin, datetime(2026, 12, 14, 11, 0, tzinfo=UTC)) == {slow.id, fast.id}
    assert db.session.query(AuditEntry).filter_by(
        action="department.stuck_after_days").count() == 2
    for bad in (0, 61, None):
        try:
            stuck.set_days(admin, hasty, bad)
        except ServiceError as exc:
            assert exc.field == "stuck_after_days"
        else:
            raise AssertionError(bad)


def test_four_handoffs_and_status_changes_without_resolution_make_it_stuck():
    sales, finance = factories.department("Sales"), factories.department("Finance")
    manager = factories.staff(Role.MANAGER, [sales, finance], name="Mia Manager")
    case = factories.case(cat=factories.category(sales))
    cases.change_status(case, manager, Status.IN_PROGRESS)
    handoffs.hand_off(case, manager, finance, None, "Billing question")
    handoffs.hand_off(case, manager, sales, None, "Not billing after all")
    assert stuck.reason(case) is None and _stuck_ids(manager, datetime.now(UTC)) == set()
    cases.change_status(case, manager, Status.WAITING_ON_THIRD_PARTY)
    assert stuck.reason(case).moves == 4
    assert _stuck_ids(manager, datetime.now(UTC)) == {case.id}
    cases.change_status(case, manager, Status.RESOLVED, "Fixed")
    cases.change_status(case, manager, Status.IN_PROGRESS)
    assert case.moves_since_resolution == 1 and stuck.reason(case) is None
