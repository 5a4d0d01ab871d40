"""The customer's clock: standards, deadlines, red/amber/green, next update expected."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine

from portal.extensions import db
from portal.models import Priority, Role, Standard, Status
from portal.services import cases, clock, promises
from portal.web.formatting import fulltime, shorttime, to_utc
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


LONDON = ZoneInfo("Europe/London")
FRIDAY_4PM = datetime(2026, 12, 4, 16, tzinfo=LONDON)


def test_windows_count_the_departments_working_hours():
    # 4 working hours opened on Friday 16:00 (Mon-Fri 09:00-17:00) fall due on Monday 12:00.
    std = _standard(first=240, update=240, resolution=480)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = factories.case()
    first, resolution = clock.deadlines(case, std)
    assert first.due_at == datetime(2026, 12, 7, 12, tzinfo=LONDON)
    assert resolution.due_at == datetime(2026, 12, 7, 16, tzinfo=LONDON)  # 1 h + 7 h
    # The weekend does not eat the window: green on Sunday night, amber in the last hour.
    assert clock.rag(case, std, datetime(2026, 12, 6, 23, tzinfo=LONDON)) == "green"
    assert clock.rag(case, std, datetime(2026, 12, 7, 11, 30, tzinfo=LONDON)) == "amber"
    assert clock.rag(case, std, datetime(2026, 12, 7, 12, 1, tzinfo=LONDON)) == "red"


def test_a_holiday_and_the_departments_own_zone_move_the_due_time():
    from datetime import date

    from portal.business_calendar import OFFICE_WEEK
    from portal.services import business_hours

    std = _standard(first=60)
    dep = factories.department("New York desk")
    admin_user = factories.staff(Role.ADMIN)
    business_hours.save_week(admin_user, dep, OFFICE_WEEK, "America/New_York")
    business_hours.add_closure(admin_user, dep, date(2026, 12, 7), "Staff training")
    with time_machine.travel(FRIDAY_4PM, tick=False):  # 11:00 in New York
        case = factories.case(cat=factories.category(dep))
    assert clock.deadlines(case, std)[0].due_at == datetime(2026, 12, 4, 12,
                                                            tzinfo=ZoneInfo("America/New_York"))
    with time_machine.travel(datetime(2026, 12, 4, 22, tzinfo=UTC), tick=False):  # 17:00 NY
        late = factories.case(cat=factories.category(dep))
    # Monday is closed for training: Tuesday 10:00 in New York.
    assert clock.deadlines(late, std)[0].due_at == datetime(2026, 12, 8, 10,
                                                            tzinfo=ZoneInfo("America/New_York"))


def test_the_customers_clock_stays_calendar_time():
    with time_machine.travel(FRIDAY_4PM, tick=False):
        case = factories.case()
    waited, _ = clock.customer_clock(case, FRIDAY_4PM + timedelta(days=3))
    assert waited == timedelta(days=3)
