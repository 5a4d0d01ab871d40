"""Working-time arithmetic: weekends, holidays, daylight saving, long windows, 24/7."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from portal.business_calendar import (
    ALWAYS_OPEN,
    OFFICE_WEEK,
    BusinessCalendar,
    add_business_time,
    business_time_between,
    format_week,
    is_open,
    next_opening,
    one_business_day,
    parse_week,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = BusinessCalendar(LONDON)
HOURS = timedelta(hours=1)


def at(zone, *parts) -> datetime:
    """A wall-clock moment in `zone`, e.g. at(LONDON, 2026, 12, 4, 16)."""
    return datetime(*parts, tzinfo=zone)


def same(a: datetime, b: datetime) -> bool:
    return a.astimezone(UTC) == b.astimezone(UTC)


def test_friday_afternoon_window_falls_due_on_monday():
    # 4 working hours from Friday 16:00: one hour on Friday, three on Monday morning.
    due = add_business_time(at(LONDON, 2026, 12, 4, 16), 4 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 12, 7, 12))


def test_start_before_opening_counts_from_the_opening():
    due = add_business_time(at(LONDON, 2026, 12, 7, 1, 5), 2 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 12, 7, 11))


def test_start_after_closing_counts_from_the_next_morning():
    due = add_business_time(at(LONDON, 2026, 12, 8, 18, 30), 30 * timedelta(minutes=1), OFFICE)
    assert same(due, at(LONDON, 2026, 12, 9, 9, 30))


def test_window_ending_exactly_at_closing_stays_that_day():
    due = add_business_time(at(LONDON, 2026, 12, 7, 13), 4 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 12, 7, 17))


def test_window_longer_than_a_day_spans_several_working_days():
    # 20 working hours from Wednesday 10:00: 7 on Wed, 8 on Thu, 5 on Fri -> Friday 14:00.
    due = add_business_time(at(LONDON, 2026, 12, 2, 10), 20 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 12, 4, 14))
    # 5 working days (40 h) from Monday 09:00 ends the Friday at 17:00, not the weekend.
    due = add_business_time(at(LONDON, 2026, 11, 30, 9), 40 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 12, 4, 17))


def test_holidays_are_skipped():
    christmas = BusinessCalendar(LONDON, closures=frozenset({date(2026, 12, 25),
                                                           date(2026, 12, 28)}))
    # Thursday 24th 16:00 + 2 h: 1 h on the 24th, Friday 25th and Monday 28th closed.
    due = add_business_time(at(LONDON, 2026, 12, 24, 16), 2 * HOURS, christmas)
    assert same(due, at(LONDON, 2026, 12, 29, 10))
    assert not is_open(at(LONDON, 2026, 12, 25, 11), christmas)
    assert same(next_opening(at(LONDON, 2026, 12, 25, 11), christmas),
                at(LONDON, 2026, 12, 29, 9))


def test_is_open_and_next_opening():
    assert is_open(at(LONDON, 2026, 12, 7, 9), OFFICE)
    assert not is_open(at(LONDON, 2026, 12, 7, 17), OFFICE)  # closing time is closed
    assert not is_open(at(LONDON, 2026, 12, 5, 12), OFFICE)  # Saturday
    inside = at(LONDON, 2026, 12, 7, 12)
    assert same(next_opening(inside, OFFICE), inside)
    assert same(next_opening(at(LONDON, 2026, 12, 5, 12), OFFICE), at(LONDON, 2026, 12, 7, 9))


def test_hours_stay_wall_clock_across_the_london_clock_change():
    # Clocks go forward on Sunday 29 March 2026: Friday is GMT, Monday is BST.
    due = add_business_time(at(LONDON, 2026, 3, 27, 16), 2 * HOURS, OFFICE)
    assert same(due, at(LONDON, 2026, 3, 30, 10))
    assert due == datetime(2026, 3, 30, 9, tzinfo=UTC)
    # And back on Sunday 25 October 2026.
    due = add_business_time(at(LONDON, 2026, 10, 23, 16), 2 * HOURS, OFFICE)
    assert due == datetime(2026, 10, 26, 10, tzinfo=UTC)


def test_new_york_clock_change_and_zone():
    office = BusinessCalendar(NEW_YORK)
    # US clocks go forward on Sunday 8 March 2026: 09:00 EST then 09:00 EDT.
    due = add_business_time(at(NEW_YORK, 2026, 3, 6, 16, 30), HOURS, office)
    assert due == datetime(2026, 3, 9, 13, 30, tzinfo=UTC)  # 09:30 EDT
    assert not is_open(datetime(2026, 3, 6, 13, 30, tzinfo=UTC), office)  # 08:30 EST


def test_always_open_counts_real_time_even_over_a_short_night():
    always = BusinessCalendar(LONDON, ALWAYS_OPEN)
    start = at(LONDON, 2026, 3, 28, 12)
    due = add_business_time(start, 24 * HOURS, always)
    assert due - start.astimezone(UTC) == 24 * HOURS  # the 23-hour Sunday does not matter
    assert is_open(at(LONDON, 2026, 12, 26, 3), always)
    assert business_time_between(start, due, always) == 24 * HOURS


def test_business_time_between_skips_nights_and_weekends():
    friday, monday = at(LONDON, 2026, 12, 4, 16), at(LONDON, 2026, 12, 7, 12)
    assert business_time_between(friday, monday, OFFICE) == 4 * HOURS
    assert business_time_between(monday, friday, OFFICE) == -4 * HOURS
    assert business_time_between(at(LONDON, 2026, 12, 5, 1),
                                 at(LONDON, 2026, 12, 6, 23), OFFICE) == timedelta(0)


def test_one_business_day():
    # "No" at 01:05 on Monday: by Monday's closing, not Tuesday 01:05.
    assert same(one_business_day(at(LONDON, 2026, 12, 7, 1, 5), OFFICE),
                at(LONDON, 2026, 12, 7, 17))
    assert same(one_business_day(at(LONDON, 2026, 12, 7, 14), OFFICE),
                at(LONDON, 2026, 12, 8, 14))
    assert same(one_business_day(at(LONDON, 2026, 12, 4, 16), OFFICE),
                at(LONDON, 2026, 12, 7, 16))
    assert same(one_business_day(at(LONDON, 2026, 12, 5, 10), OFFICE),
                at(LONDON, 2026, 12, 7, 17))


def test_short_days_and_a_custom_week():
    week = ((time(8), time(12)),) * 4 + ((time(8), time(10)), (time(10), time(12)), None)
    shop = BusinessCalendar(NEW_YORK, week)
    # Friday 09:00 + 3 h: 1 h Friday, 2 h Saturday -> Saturday 12:00 (its closing).
    due = add_business_time(at(NEW_YORK, 2026, 12, 4, 9), 3 * HOURS, shop)
    assert same(due, at(NEW_YORK, 2026, 12, 5, 12))


def test_a_week_never_open_counts_calendar_time_rather_than_hang():
    closed = BusinessCalendar(LONDON, (None,) * 7)
    start = at(LONDON, 2026, 12, 7, 10)
    assert add_business_time(start, HOURS, closed) == start.astimezone(UTC) + HOURS


@pytest.mark.parametrize("week", [OFFICE_WEEK, ALWAYS_OPEN])
def test_week_text_round_trips(week):
    assert parse_week(format_week(week)) == week


def test_week_text_needs_seven_days():
    with pytest.raises(ValueError):
        parse_week("09:00-17:00")


def test_the_longest_standard_still_ends_inside_working_hours():
    year_of_minutes = timedelta(minutes=60 * 24 * 365)
    due = add_business_time(at(LONDON, 2026, 12, 7, 9), year_of_minutes, OFFICE)
    local = due.astimezone(LONDON)
    assert local.weekday() < 5 and time(9) < local.time() <= time(17)
