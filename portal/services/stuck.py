"""Stuck cases: no customer-visible update for the department's number of business days,
or four or more handoffs and status changes since the last resolution.

The business-day arithmetic runs once per department (a cutoff time each); the cases are
then picked by one SQL condition, so a queue of 10,000 open cases is never walked in Python.
That condition is built once per set of departments with each cutoff a bound parameter:
building it (and SQLAlchemy's cache key of a statement holding it) on every queue load cost
more CPU than the count it serves.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select

from ..business_calendar import BusinessCalendar
from ..extensions import db
from ..models import OPEN_STATUSES, Case, Department, User, utcnow
from . import audit, business_hours, effects
from .access import visible_cases
from .catalog import DepartmentSettings
from .errors import ServiceError

MOVES = 4  # handoffs and status changes without a resolution
DEFAULT_DAYS = 3
MOST_DAYS = 60


@dataclass(frozen=True)
class Reason:
    """Why one case is stuck: `quiet_since` (with the department's `days`) and/or `moves`."""

    quiet_since: datetime | None
    days: int
    moves: int | None


def business_days_before(now: datetime, days: int, calendar: BusinessCalendar) -> datetime:
    """The same wall-clock time on the `days`-th working day before `now`'s local day
    (closed weekdays and closures skipped); calendar days for a week that is never open."""
    local = now.astimezone(calendar.zone)
    if calendar.never_open:
        return now - timedelta(days=days)
    day = _working_day_before(local.date(), days, calendar)
    return datetime.combine(day, local.time(), tzinfo=calendar.zone).astimezone(UTC)


@functools.lru_cache(maxsize=1024)
def _working_day_before(today: date, days: int, calendar: BusinessCalendar) -> date:
    """The `days`-th working day before `today`: the same for a whole local day, so the
    queue's every load does not walk each department's calendar again."""
    day, counted = today, 0
    while counted < days:
        day -= timedelta(days=1)
        counted += calendar.opening(day) is not None
    return day


def last_update(case: Case) -> datetime:
    return case.last_update_at or case.created_at


def _last_update_column():
    return func.coalesce(Case.last_update_at, Case.created_at)


def cutoffs(now: datetime | None = None,
            departments: Iterable[Department | DepartmentSettings] | None = None,
            ) -> dict[int, datetime]:
    """Per department id, the moment before which a last update makes a case quiet; the
    departments (unless given: every one) and their closures read in one query each."""
    now = now or utcnow()
    if departments is None:
        departments = db.session.scalars(select(Department))
    deps = {dep.id: dep for dep in departments}
    return {dep_id: business_days_before(now, deps[dep_id].stuck_after_days or DEFAULT_DAYS,
                                         calendar)
            for dep_id, calendar in business_hours.calendars_for(deps.values()).items()}


def condition(now: datetime | None = None) -> ColumnElement[bool]:
    """The SQL condition true for open, stuck cases, its cutoffs filled in."""
    found = cutoffs(now)
    return condition_for(tuple(sorted(found))).params(cutoff_parameters(found))


@functools.lru_cache(maxsize=64)
def condition_for(departments: tuple[int, ...]) -> ColumnElement[bool]:
    """The SQL condition true for open, stuck cases, each department's cutoff a bound
    parameter (`cutoff_parameters`): built once for these departments."""
    last_update_column = _last_update_column()
    quiet = [and_(Case.department_id == dep_id,
                  last_update_column < bindparam(_cutoff_name(dep_id), type_=Case.created_at.type))
             for dep_id in departments]
    return and_(Case.status.in_(sorted(OPEN_STATUSES)),
                or_(Case.moves_since_resolution >= MOVES, *quiet))


def cutoff_parameters(found: dict[int, datetime]) -> dict[str, datetime]:
    """The values of `condition_for`'s parameters, from `cutoffs`."""
    return {_cutoff_name(dep_id): cutoff for dep_id, cutoff in found.items()}


def _cutoff_name(dep_id: int) -> str:
    return f"stuck_cutoff_{dep_id}"


def count(staff: User, now: datetime | None = None) -> int:
    """How many stuck cases this staff member can see (the dashboard's number)."""
    query = visible_cases(staff).where(condition(now)).with_only_columns(Case.id)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def reason(case: Case, now: datetime | None = None) -> Reason | None:
    """Why this case is stuck, or None when it is not (or no longer open)."""
    if not case.is_open:
        return None
    now = now or utcnow()
    days = case.department.stuck_after_days or DEFAULT_DAYS
    cutoff = business_days_before(now, days, business_hours.case_calendar(case))
    quiet = last_update(case) if last_update(case) < cutoff else None
    moves = case.moves_since_resolution if (case.moves_since_resolution or 0) >= MOVES else None
    if quiet is None and moves is None:
        return None
    return Reason(quiet, days, moves)


def set_days(actor: User, dep: Department, days: int | None) -> bool:
    """Set the department's quiet business days; False when unchanged, ServiceError when
    out of range."""
    if days is None or not 1 <= days <= MOST_DAYS:
        raise ServiceError(_("Give a number of business days from 1 to %(most)d.",
                             most=MOST_DAYS), "stuck_after_days")
    if days == dep.stuck_after_days:
        return False
    audit.record(actor, "department.stuck_after_days", dep,
                 f"{dep.name}: stuck after {days} quiet business days",
                 before={"stuck_after_days": dep.stuck_after_days},
                 after={"stuck_after_days": days}, department_id=dep.id)
    dep.stuck_after_days = days
    effects.commit()
    return True
