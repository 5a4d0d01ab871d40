"""The customer's clock: standards, deadlines, red/amber/green, next update expected."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from portal.extensions import db
from portal.formatting import fulltime, shorttime, to_utc
from portal.models import Priority, Standard, Status
from portal.services import cases, clock, promises
from tests import factories

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday


def _standard(category=None, priority=None, first=60, update=240, resolution=2880):
    std = Standard(category_id=category.id if category else None, priority=priority,
                   first_response_minutes=first, update_minutes=update,
                   resolution_minutes=resolution)
    db.session.add(std)
    db.session.commit()
    return std


def test_the_most_specific_standard_wins():
    cat = factories.category()
    general = _standard()
    by_cat = _standard(category=cat, first=30)
    exact = _standard(category=cat, priority="urgent", first=10)
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=cat)
    assert clock.standard_for(case) == by_cat
    case.priority = Priority.URGENT
    assert clock.standard_for(case) == exact
    other = factories.case(cat=factories.category())
    assert clock.standard_for(other) == general


def test_rag_moves_from_green_to_amber_to_red_on_the_first_response():
    std = _standard(first=60)
    with time_machine.travel(START, tick=False):
        case = factories.case()
    assert clock.rag(case, std, START + timedelta(minutes=10)) == "green"
    assert clock.rag(case, std, START + timedelta(minutes=50)) == "amber"
    assert clock.rag(case, std, START + timedelta(minutes=61)) == "red"


def test_a_reply_starts_the_update_clock_and_waiting_on_you_pauses_it():
    std = _standard(first=60, update=240)
    agent = factories.staff()
    with time_machine.travel(START, tick=False):
        case = factories.case()
    with time_machine.travel(START + timedelta(minutes=30), tick=False):
        cases.add_staff_reply(case, agent, "Looking into it.")
    names = [d.name for d in clock.deadlines(case, std)]
    assert names == ["update", "resolution"]
    assert clock.deadlines(case, std)[0].due_at == START + timedelta(minutes=270)
    with time_machine.travel(START + timedelta(minutes=40), tick=False):
        cases.change_status(case, agent, Status.WAITING_ON_CUSTOMER, "Which VIN?")
    assert [d.name for d in clock.deadlines(case, std)] == ["resolution"]


def test_an_overdue_promise_makes_the_case_red_and_sets_next_update():
    std = _standard(first=600, update=6000)
    dep = factories.department()
    agent = factories.staff(departments=[dep])
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(dep))
        promise = promises.make(case, agent, "Call back", agent, START + timedelta(hours=2))
    assert clock.next_update_expected(case, std) == START + timedelta(hours=2)
    assert clock.rag(case, std, START + timedelta(hours=3)) == "red"
    assert promise.is_overdue(START + timedelta(hours=3))


def test_no_standard_means_no_colour_and_resolved_cases_owe_nothing():
    case = factories.case()
    assert clock.rag(case, None) == "none"
    std = _standard()
    cases.change_status(case, factories.staff(), Status.RESOLVED, "Done.")
    assert clock.deadlines(case, std) == []


def test_times_are_shown_and_read_in_the_viewers_zone():
    tokyo = factories.customer()
    tokyo.timezone = "Asia/Tokyo"
    moment = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
    assert fulltime(moment, tokyo) == "Tue 24 Nov 2026, 17:00 JST"
    london = factories.customer()
    london.timezone = "Europe/London"
    assert fulltime(moment, london) == "Tue 24 Nov 2026, 08:00 GMT"
    typed = datetime(2026, 11, 24, 17, 0)  # what a Tokyo agent types
    assert to_utc(typed, tokyo) == moment
    summer = to_utc(datetime(2026, 7, 1, 17, 0), london)
    assert summer == datetime(2026, 7, 1, 16, 0, tzinfo=ZoneInfo("UTC"))
    with time_machine.travel(moment, tick=False):
        assert shorttime(moment + timedelta(days=1), tokyo) == "Wednesday 17:00 JST"
