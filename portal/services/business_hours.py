"""Each department's working hours, zone and closures: read as a calendar, changed by admins."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..business_calendar import (
    BusinessCalendar,
    Hours,
    add_business_time,
    format_week,
    one_business_day,
    parse_week,
)
from ..extensions import db
from ..models import Case, Closure, Department, User, load_collection, utcnow
from . import audit, effects
from .errors import NotFound, ServiceError
from .time_zones import zone_names


def zone_name(dep: Department) -> str:
    """The department's zone, or the site's when it has none of its own."""
    return dep.timezone or current_app.config["DEFAULT_TIMEZONE"]


# Department.closures as its relationship reads them, by a statement built once: every case
# page works out its department's calendar (a lazy load costs about twice as much CPU).
CLOSURES_OF = select(Closure).where(Closure.department_id == bindparam("department_id")) \
    .order_by(Closure.day)


def calendar_for(dep: Department | None) -> BusinessCalendar:
    """The department's working calendar; the site's office week for no department."""
    if dep is None:
        return BusinessCalendar(ZoneInfo(current_app.config["DEFAULT_TIMEZONE"]))
    closures = load_collection(dep, "closures", CLOSURES_OF, {"department_id": dep.id})
    return _calendar(dep, {c.day for c in closures})


def _calendar(dep: Department, closed: set[date]) -> BusinessCalendar:
    return BusinessCalendar(ZoneInfo(zone_name(dep)), parse_week(dep.opening_hours),
                            frozenset(closed))


def case_calendar(case: Case) -> BusinessCalendar:
    return calendar_for(case.department)


DEPARTMENT_IDS = bindparam("department_ids", expanding=True)
# Built once: the queue reads every department's closures on every load.
CLOSED_DAYS_OF_MANY = select(Closure.department_id, Closure.day).where(
    Closure.department_id.in_(DEPARTMENT_IDS))


def calendars_for(departments: Iterable[Department]) -> dict[int, BusinessCalendar]:
    """Calendars of many departments by id, their closures read in one query (dashboards)."""
    deps = {dep.id: dep for dep in departments}
    days: dict[int, set[date]] = {dep_id: set() for dep_id in deps}
    for dep_id, day in db.session.execute(CLOSED_DAYS_OF_MANY, {DEPARTMENT_IDS.key: list(deps)}):
        days[dep_id].add(day)
    return {dep_id: _calendar(dep, days[dep_id]) for dep_id, dep in deps.items()}


def within_one_business_day(case: Case, start: datetime | None = None) -> datetime:
    """A whole working day of the case's department after `start` (now by default)."""
    return one_business_day(start or utcnow(), case_calendar(case))


def follow_up_due(case: Case, start: datetime | None = None) -> datetime:
    """When a follow-up or a default promise falls due: FOLLOW_UP_HOURS working hours when
    set, otherwise within one business day of the case's department."""
    hours = current_app.config.get("FOLLOW_UP_HOURS")
    if hours is None:
        return within_one_business_day(case, start)
    return add_business_time(start or utcnow(), timedelta(hours=hours), case_calendar(case))


def save_week(actor: User, dep: Department, week: tuple[Hours, ...], zone: str) -> bool:
    """Set the weekly hours and zone; False when nothing changed; ServiceError for bad ones."""
    if zone not in zone_names():
        raise ServiceError(_("Choose a time zone from the list."), "timezone")
    if all(h is None for h in week):
        raise ServiceError(_("Open the department on at least one day."), "days")
    for hours in week:
        if hours is not None and hours[1] != time(0) and hours[1] <= hours[0]:
            raise ServiceError(_("The closing time must be after the opening time."), "days")
    before = {"opening_hours": dep.opening_hours, "timezone": zone_name(dep)}
    after = {"opening_hours": format_week(week), "timezone": zone}
    if before == after:
        return False
    dep.opening_hours = after["opening_hours"]
    dep.timezone = None if zone == current_app.config["DEFAULT_TIMEZONE"] else zone
    audit.record(actor, "department.hours", dep, f"Working hours of {dep.name} changed",
                 before=before, after=after, department_id=dep.id)
    effects.commit()
    return True


def add_closure(actor: User, dep: Department, day: date, name: str) -> Closure:
    """Close the department on a date; ServiceError when that date is already closed."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Say what the day is, e.g. Christmas Day."), "name")
    if any(c.day == day for c in dep.closures):
        raise ServiceError(_("That date is already closed."), "day")
    closure = Closure(department=dep, day=day, name=name[:80])
    db.session.add(closure)
    db.session.flush()
    audit.record(actor, "department.closure_added", dep,
                 f"{dep.name} closed on {day.isoformat()} ({closure.name})",
                 after={"day": day.isoformat(), "name": closure.name}, department_id=dep.id)
    try:
        effects.commit()
    except IntegrityError as exc:  # the same date added twice at once: the index refused
        db.session.rollback()
        raise ServiceError(_("That date is already closed."), "day") from exc
    return closure


def remove_closure(actor: User, dep: Department, closure_id: int) -> None:
    """Open the department again on a closed date; NotFound for another department's row."""
    closure = db.session.get(Closure, closure_id)
    if closure is None or closure.department_id != dep.id:
        raise NotFound()
    audit.record(actor, "department.closure_removed", dep,
                 f"{dep.name} no longer closed on {closure.day.isoformat()} ({closure.name})",
                 before={"day": closure.day.isoformat(), "name": closure.name},
                 department_id=dep.id)
    dep.closures.remove(closure)
    effects.commit()


def summary(dep: Department) -> str:
    """A short line for lists: "Mon–Fri 09:00–17:00 · Europe/London"."""
    short = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
    week, parts, first = parse_week(dep.opening_hours), [], 0
    for index in range(1, 8):
        if index < 7 and week[index] == week[first]:
            continue
        hours = week[first]
        if hours is not None:
            days = short[first] if index - 1 == first else f"{short[first]}–{short[index - 1]}"
            parts.append(f"{days} {hours[0]:%H:%M}–{hours[1]:%H:%M}")
        first = index
    return " · ".join([", ".join(parts) or _("Closed"), zone_name(dep)])
