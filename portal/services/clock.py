"""The customer's clock: which standard applies, the next deadlines, and red/amber/green."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from ..business_calendar import BusinessCalendar, add_business_time, business_time_between
from ..extensions import db
from ..models import Case, Standard, Status, utcnow
from .business_hours import case_calendar

AMBER_SHARE = 0.25  # amber once less than a quarter of a window is left
ALL_STANDARDS = select(Standard)  # built once: SQLAlchemy memoises its cache key


@dataclass(frozen=True)
class Deadline:
    """A due time counted in the department's working hours; `window` is working time."""

    name: str  # "first response", "update", "resolution"
    due_at: datetime
    window: timedelta
    calendar: BusinessCalendar | None = None

    def left(self, now: datetime) -> timedelta:
        """Working time until due: a weekend in between does not make a window look safe."""
        if self.calendar is None:
            return self.due_at - now
        return business_time_between(now, self.due_at, self.calendar)

    def state(self, now: datetime) -> str:
        if now > self.due_at:
            return "red"
        if self.left(now) <= self.window * AMBER_SHARE:
            return "amber"
        return "green"


def standard_for(case: Case, standards: list[Standard] | None = None) -> Standard | None:
    """The most specific standard: category and priority, then either one, then neither."""
    rows = standards if standards is not None else list(db.session.scalars(ALL_STANDARDS))
    best, best_score = None, -1
    for std in rows:
        if std.category_id not in (None, case.category_id):
            continue
        if std.priority not in (None, case.priority.value):
            continue
        score = (std.category_id is not None) * 2 + (std.priority is not None)
        if score > best_score:
            best, best_score = std, score
    return best


def deadlines(case: Case, std: Standard | None,
              calendar: BusinessCalendar | None = None) -> list[Deadline]:
    """What the case still owes the customer, earliest first (none once it is resolved);
    each window counts the working hours of the case's department."""
    if std is None or case.status in (Status.RESOLVED, Status.CLOSED):
        return []
    calendar = calendar or case_calendar(case)

    def due(name: str, start: datetime, minutes: int) -> Deadline:
        window = timedelta(minutes=minutes)
        return Deadline(name, add_business_time(start, window, calendar), window, calendar)

    found = []
    if case.first_response_at is None:
        found.append(due("first response", case.created_at, std.first_response_minutes))
    elif case.status != Status.WAITING_ON_CUSTOMER:
        # While we wait on the customer we owe them no update; otherwise silence has a limit.
        found.append(due("update", case.last_update_at or case.created_at, std.update_minutes))
    found.append(due("resolution", case.created_at, std.resolution_minutes))
    return sorted(found, key=lambda d: d.due_at)


def rag(case: Case, std: Standard | None, now: datetime | None = None,
        calendar: BusinessCalendar | None = None) -> str:
    """red, amber or green for an open case; "none" without a standard or once resolved."""
    now = now or utcnow()
    states = [d.state(now) for d in deadlines(case, std, calendar)]
    if any(p.is_overdue(now) for p in case.promises):
        states.append("red")
    for colour in ("red", "amber", "green"):
        if colour in states:
            return colour
    return "none"


def customer_clock(case: Case, now: datetime | None = None) -> tuple[timedelta, timedelta]:
    """(time since opening until resolved or now, of which time spent waiting on the customer);
    calendar time, nights and weekends included: it is what the customer lived through."""
    now = now or utcnow()
    end = case.resolved_at or case.closed_at or now
    waiting = timedelta(seconds=case.customer_wait_seconds or 0)
    if case.waiting_on_customer_since:
        waiting += end - case.waiting_on_customer_since
    return end - case.created_at, waiting


def next_update_for(case: Case) -> datetime | None:
    """next_update_expected with the case's standard, read only where it counts: a resolved
    or closed case owes no deadlines (see `deadlines`), only its open promises."""
    return next_update_expected(case, standard_for(case) if case.is_open else None)


def next_update_expected(case: Case, std: Standard | None) -> datetime | None:
    """What the customer is told: the earliest open promise they can see, else the update
    cadence. A promise is a time a person gave them; the cadence is the shop's own limit
    (still red for staff), so naming it beside an open promise put two "late" times on one
    page that disagreed."""
    promised = [p.due_at for p in case.promises if p.is_open and p.public]
    if promised:
        return min(promised)
    owed = [d.due_at for d in deadlines(case, std) if d.name != "resolution"]
    return min(owed) if owed else None
