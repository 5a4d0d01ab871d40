"""Working-time arithmetic on a department's week, zone and closures (pure: no database).

Every function takes and returns aware datetimes; the answer is in UTC. Opening hours are
wall-clock times in the calendar's zone, so a Monday 09:00 opening stays 09:00 across a
daylight-saving change. A closing time of 00:00 means midnight at the end of the day.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

Hours = tuple[time, time] | None  # (from, to) for an open day, None for a closed one
OFFICE_WEEK: tuple[Hours, ...] = ((time(9), time(17)),) * 5 + (None, None)
ALWAYS_OPEN: tuple[Hours, ...] = ((time(0), time(0)),) * 7
# The longest standard (a year of minutes) in an 8-hour, 5-day week spans about 4.2 years;
# past this many days the rest counts as calendar time, so a week that is never open (the
# settings refuse one) cannot hang a page.
SEARCH_DAYS = 6 * 366


@dataclass(frozen=True)
class BusinessCalendar:
    """When a department works: seven days (Monday first), a zone and closed dates."""

    zone: ZoneInfo
    week: tuple[Hours, ...] = OFFICE_WEEK
    closures: frozenset[date] = field(default_factory=frozenset)

    def opening(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's open interval in UTC, or None when the department is closed that day."""
        hours = self.week[day.weekday()]
        if hours is None or day in self.closures:
            return None
        start, end = hours
        end_day = day + timedelta(days=1) if end == time(0) else day
        return (_utc(datetime.combine(day, start, tzinfo=self.zone)),
                _utc(datetime.combine(end_day, end, tzinfo=self.zone)))

    @property
    def never_open(self) -> bool:
        return all(h is None for h in self.week)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _intervals(at: datetime, calendar: BusinessCalendar) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals that end after `at`, in order; from the local day before to be safe."""
    day = at.astimezone(calendar.zone).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS):
        span = calendar.opening(day + timedelta(days=offset))
        if span is not None and span[1] > at:
            yield span


def is_open(at: datetime, calendar: BusinessCalendar) -> bool:
    """Whether the department is working at this moment."""
    span = next(_intervals(at, calendar), None)
    return span is not None and span[0] <= at < span[1]


def next_opening(at: datetime, calendar: BusinessCalendar) -> datetime:
    """`at` itself while open, otherwise the next moment the department opens."""
    span = next(_intervals(at, calendar), None)
    if span is None:
        return _utc(at)
    return _utc(max(at, span[0]))


def add_business_time(start: datetime, duration: timedelta,
                      calendar: BusinessCalendar) -> datetime:
    """The moment `duration` of working time after `start`; it always falls in working hours."""
    left, now = duration, _utc(start)
    for begin, end in _intervals(now, calendar):
        now = max(now, begin)
        if left <= end - now:
            return now + left
        left -= end - now
        now = end
    return now + left  # no opening in sight: count calendar time rather than never


def business_time_between(start: datetime, end: datetime,
                          calendar: BusinessCalendar) -> timedelta:
    """Working time from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -business_time_between(end, start, calendar)
    total = timedelta(0)
    for begin, close in _intervals(start, calendar):
        if begin >= end:
            break
        total += min(close, end) - max(begin, start)
    return total


def one_business_day(start: datetime, calendar: BusinessCalendar) -> datetime:
    """"Within one business day": a whole working day of time, counted from the next opening.

    An answer at 01:05 on a Monday is due by Monday's closing; one at 14:00 on a Monday by
    14:00 on Tuesday; one on Friday at 16:00 by Monday at 16:00.
    """
    opens = next_opening(start, calendar)
    span = next(_intervals(opens, calendar), None)
    if span is None:
        return opens + timedelta(days=1)
    day = span[0].astimezone(calendar.zone).date()
    begin, end = calendar.opening(day) or span
    return add_business_time(opens, end - begin, calendar)


@functools.lru_cache(maxsize=256)
def parse_week(text: str) -> tuple[Hours, ...]:
    """Seven comma-separated days, Monday first: "09:00-17:00" when open, "-" when closed.
    Kept per text: the queue reads every department's week on every load."""
    days = text.split(",")
    if len(days) != 7:
        raise ValueError("a week has seven days")
    return tuple(None if d.strip() in ("", "-") else
                 tuple(time.fromisoformat(t.strip()) for t in d.split("-"))  # type: ignore[misc]
                 for d in days)


def format_week(week: tuple[Hours, ...]) -> str:
    """The stored form of a week, read back by parse_week."""
    return ",".join("-" if h is None else f"{h[0]:%H:%M}-{h[1]:%H:%M}" for h in week)


OFFICE_WEEK_TEXT = format_week(OFFICE_WEEK)
