"""The performance dashboard's figures: red/amber/green, promises kept, the customer's clock."""

from datetime import UTC, date, datetime, timedelta

import time_machine

from portal.extensions import db
from portal.models import PromiseState, Role, Standard, Status
from portal.services import cases, handoffs, promises, reports
from tests import factories

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # a Thursday; London is on GMT


def _standard(category=None, first=60, update=240, resolution=2880):
    db.session.add(Standard(category_id=category.id if category else None,
                            first_response_minutes=first, update_minutes=update,
                            resolution_minutes=resolution))
    db.session.commit()


def _case_at(moment, cat, title="Recall not booked"):
    with time_machine.travel(moment, tick=False):
        return factories.case(cat=cat, title=title)


def _promise(case, agent, made, due, end=None, state=PromiseState.KEPT):
    """A promise made at `made`, due at `due`, settled as `state` at `end` (or left open)."""
    with time_machine.travel(made, tick=False):
        promise = promises.make(case, agent, "Call back", agent, due)
    if end is not None:
        with time_machine.travel(end, tick=False):
            promises.resolve(promise, state, by=agent, note="Done.")
    return promise


def _at(moment, action, *args):
    with time_machine.travel(moment, tick=False):
        action(*args)


def _two_departments():
    sales, finance = factories.department("Sales"), factories.department("Finance")
    marco = factories.staff(departments=[sales], name="Marco Rossi")
    fatima = factories.staff(departments=[finance], name="Fatima Khan")
    return sales, finance, marco, fatima, factories.category(sales), factories.category(finance)


def _report(viewer):
    with time_machine.travel(NOW, tick=False):
        return reports.dashboard(viewer, now=NOW)


def test_rag_counts_per_department_and_the_red_cases_with_their_breach():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    _standard(cat_sales, first=60)  # Finance has no standard: its cases show no colour
    _case_at(NOW - timedelta(minutes=10), cat_sales, "Green one")
    _case_at(NOW - timedelta(minutes=50), cat_sales, "Amber one")
    late = _case_at(NOW - timedelta(hours=2), cat_sales, "No answer yet")
    _case_at(NOW - timedelta(hours=2), cat_fin, "No standard")
    promised = _case_at(NOW - timedelta(days=2), cat_fin, "Promised a call")
    _promise(promised, fatima, NOW - timedelta(days=2), NOW - timedelta(hours=5))
    closed = _case_at(NOW - timedelta(hours=3), cat_sales, "Already solved")
    _at(NOW - timedelta(hours=2), cases.change_status, closed, marco, Status.RESOLVED, "Done.")
    report = _report(factories.staff(Role.ADMIN))
    rows = {r.department: (r.red, r.amber, r.green, r.none) for r in report.rag}
    assert rows == {"Sales": (1, 1, 1, 0), "Finance": (1, 0, 0, 1)}
    assert report.red_total == 2
    [first, second] = report.red_cases  # the longest breached first
    assert (first.reference, first.breach) == (promised.reference, "promise overdue")
    assert first.since == NOW - timedelta(hours=5) and first.department == "Finance"
    assert (second.reference, second.breach) == (late.reference, "first response")
    assert second.since == NOW - timedelta(hours=1) and second.assignee is None


def test_promise_keeping_counts_kept_on_time_against_everything_that_came_due():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    case_s = _case_at(NOW - timedelta(days=50), cat_sales)
    case_f = _case_at(NOW - timedelta(days=50), cat_fin)
    made, due = NOW - timedelta(days=11), NOW - timedelta(days=10)
    _promise(case_s, marco, made, due, due - timedelta(hours=2))  # kept on time
    _promise(case_s, marco, made, due, due + timedelta(days=1))  # kept late
    _promise(case_s, marco, made, due, due, PromiseState.BROKEN)
    _promise(case_s, marco, made, due, due, PromiseState.WITHDRAWN)  # never counts
    _promise(case_s, marco, made, NOW + timedelta(days=1))  # not due yet
    _promise(case_s, marco, NOW - timedelta(days=41), NOW - timedelta(days=40),
             NOW - timedelta(days=41))  # came due before the 28 days
    _promise(case_f, fatima, made, due)  # still open, past due
    _promise(case_f, fatima, made, due, due - timedelta(minutes=1))
    report = _report(factories.staff(Role.ADMIN))
    by_dep = {k.label: (k.kept, k.due, k.percent) for k in report.keeping_by_department}
    assert by_dep == {"Finance": (1, 2, 50), "Sales": (1, 3, 33)}
    by_owner = {k.label: (k.kept, k.due) for k in report.keeping_by_agent}
    assert by_owner == {"Fatima Khan": (1, 2), "Marco Rossi": (1, 3)}
    assert (report.keeping.kept, report.keeping.due, report.keeping.percent) == (2, 5, 40)


def test_median_resolution_is_on_the_customers_clock_with_waiting_shown_apart():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    start = NOW - timedelta(days=6)
    waited = _case_at(start, cat_sales)
    _at(start + timedelta(hours=1), cases.add_staff_reply, waited, marco, "Which VIN?")
    _at(start + timedelta(hours=2), cases.change_status, waited, marco,
        Status.WAITING_ON_CUSTOMER, "We need your VIN.")
    _at(start + timedelta(hours=26), cases.change_status, waited, marco, Status.IN_PROGRESS,
        "Got it.")
    _at(start + timedelta(hours=48), cases.change_status, waited, marco, Status.RESOLVED,
        "Booked.")
    quick = _case_at(start, cat_sales)
    _at(start + timedelta(hours=3), cases.add_staff_reply, quick, marco, "On it.")
    _at(start + timedelta(hours=24), cases.change_status, quick, marco, Status.RESOLVED, "Done.")
    silent = _case_at(start, cat_sales)  # resolved without ever a reply: no first response
    _at(start + timedelta(hours=96), cases.change_status, silent, marco, Status.RESOLVED, "Ok.")
    old = _case_at(NOW - timedelta(days=90), cat_sales)  # resolved before the period
    _at(NOW - timedelta(days=80), cases.change_status, old, marco, Status.RESOLVED, "Old.")
    _case_at(start, cat_fin)  # open: not resolved, not counted
    report = _report(factories.staff(Role.ADMIN))
    [row] = report.timing_by_department
    assert (row.label, row.resolved) == ("Sales", 3)
    assert row.resolution == timedelta(hours=48)  # median of 24, 48 and 96 hours
    assert row.waiting == timedelta(0)  # median of 24 h, 0 and 0
    assert row.first_response == timedelta(hours=2)  # median of 1 h and 3 h
    assert report.timing.resolved == 3


def test_weekly_trends_of_cases_promises_and_resolution():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    this_monday = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
    last_week = this_monday - timedelta(days=5)
    a = _case_at(last_week, cat_sales)
    b = _case_at(last_week, cat_sales)
    _promise(a, marco, last_week, last_week + timedelta(hours=2), last_week + timedelta(hours=1))
    _promise(b, marco, last_week, last_week + timedelta(hours=2), last_week + timedelta(hours=3))
    _at(last_week + timedelta(hours=10), cases.change_status, a, marco, Status.RESOLVED, "Ok.")
    _at(this_monday + timedelta(hours=1), cases.change_status, b, marco, Status.RESOLVED, "Ok.")
    _case_at(this_monday + timedelta(hours=9), cat_sales)
    report = _report(factories.staff(Role.ADMIN))
    assert len(report.weeks) == 8
    assert report.weeks[-1].start == date(2026, 11, 23)
    assert report.weeks[0].start == date(2026, 10, 5)
    *_, before, this = report.weeks
    assert (before.opened, before.resolved, this.opened, this.resolved) == (2, 1, 1, 1)
    assert before.resolution == timedelta(hours=10)
    assert this.resolution == timedelta(days=5, hours=1)
    assert (before.keeping.kept, before.keeping.due) == (1, 2)
    assert this.keeping.due == 0 and this.keeping.percent is None
    assert sum(w.opened for w in report.weeks[:-2]) == 0


def test_promises_due_today_end_at_midnight_in_the_viewers_zone():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    case = _case_at(NOW - timedelta(days=1), cat_sales)
    made = NOW - timedelta(hours=20)
    overdue = _promise(case, marco, made, NOW - timedelta(hours=1))
    evening = _promise(case, marco, made, NOW + timedelta(hours=2))  # 14:00 UTC, 23:00 Tokyo
    late = _promise(case, marco, made, NOW + timedelta(hours=4))  # 16:00 UTC, tomorrow Tokyo
    _promise(case, marco, made, NOW + timedelta(days=1))
    london = factories.staff(Role.MANAGER, [sales])
    tokyo = factories.staff(Role.MANAGER, [sales])
    tokyo.timezone = "Asia/Tokyo"
    db.session.commit()
    seen = [(p.id, p.overdue) for p in _report(london).promises_due]
    assert seen == [(overdue.id, True), (evening.id, False), (late.id, False)]
    assert [p.id for p in _report(tokyo).promises_due] == [overdue.id, evening.id]
    assert _report(london).promises_due_total == 3


def test_a_manager_sees_only_their_own_departments():
    sales, finance, marco, fatima, cat_sales, cat_fin = _two_departments()
    _standard(first=60)
    mine = _case_at(NOW - timedelta(hours=2), cat_sales)
    theirs = _case_at(NOW - timedelta(hours=2), cat_fin)
    _promise(theirs, fatima, NOW - timedelta(days=2), NOW - timedelta(days=1))
    _promise(theirs, fatima, NOW - timedelta(hours=5), NOW + timedelta(hours=1))
    _at(NOW - timedelta(hours=1), cases.change_status, theirs, fatima, Status.CLOSED, "Gone.")
    report = _report(factories.staff(Role.MANAGER, [sales]))
    assert report.departments == ["Sales"]
    assert [r.department for r in report.rag] == ["Sales"]
    assert [c.reference for c in report.red_cases] == [mine.reference]
    assert report.promises_due == [] and report.keeping_by_agent == []
    assert report.timing_by_department == [] and sum(w.opened for w in report.weeks) == 1
    everyone = _report(factories.staff(Role.ADMIN))
    assert len(everyone.promises_due) == 2 and everyone.keeping.due == 1
    assert sum(w.opened for w in everyone.weeks) == 2


def test_a_manager_without_departments_sees_nothing_and_nothing_breaks():
    factories.case()
    report = _report(factories.staff(Role.MANAGER))
    assert report.rag == [] and report.red_cases == [] and report.promises_due == []
    assert report.keeping.due == 0 and report.timing.resolution is None


def test_a_promise_kept_by_someone_else_counts_for_the_one_who_kept_it():
    sales, finance, marco, fatima, cat_sales, _ = _two_departments()
    admin = factories.staff(Role.ADMIN, name="Ada Admin")
    case = _case_at(NOW - timedelta(days=3), cat_sales)
    promise = _promise(case, marco, NOW - timedelta(days=3), NOW - timedelta(days=1))
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        handoffs.hand_off(case, marco, finance, None, "Finance pays it.")
        promises.resolve(promise, PromiseState.KEPT, by=fatima, note="Paid.")
    [row] = _report(admin).keeping_by_agent
    assert (row.label, row.kept, row.due) == ("Fatima Khan", 1, 1)
