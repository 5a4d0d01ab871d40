"""Performance on the customer's clock: red/amber/green now, promises kept, time to resolve."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, func, select
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Case,
    Department,
    Promise,
    PromiseState,
    Role,
    Standard,
    User,
    format_reference,
    utcnow,
)
from ..web.formatting import zone_for
from . import business_hours, clock

T = TypeVar("T", timedelta, float)
PERIOD_DAYS = 28
TREND_WEEKS = 8
LIST_LIMIT = 100  # longest list shown; the counts beside each list stay complete
Assessed = list[tuple[Case, str, "Standard | None"]]  # each open case, its colour, its standard
# What each breach is called on the page; `RedCase.breach` keeps the key.
BREACHES = {"first response": _l("first response"), "update": _l("update"),
            "resolution": _l("resolution"), "promise overdue": _l("promise overdue")}


@dataclass(frozen=True)
class RagCount:
    department: str
    red: int = 0
    amber: int = 0
    green: int = 0
    none: int = 0

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.none


@dataclass(frozen=True)
class RedCase:
    reference: str
    title: str
    department: str
    assignee: str | None
    breach: str  # "first response", "update", "resolution" or "promise overdue"
    since: datetime

    @property
    def breach_label(self) -> str:
        return str(BREACHES.get(self.breach, self.breach))


@dataclass(frozen=True)
class DuePromise:
    id: int
    what: str
    due_at: datetime
    owner: str
    reference: str
    title: str
    department: str
    overdue: bool


@dataclass(frozen=True)
class KeepRate:
    """Promises kept on time out of those that came due (withdrawn ones never count)."""

    label: str
    kept: int
    due: int

    @property
    def percent(self) -> int | None:
        return percent_or_none(self.kept, self.due)


@dataclass(frozen=True)
class Timing:
    """Medians over resolved cases: opened → resolved, time waiting on the customer, first reply."""

    label: str
    resolved: int
    resolution: timedelta | None
    waiting: timedelta | None
    first_response: timedelta | None


@dataclass(frozen=True)
class Week:
    start: date  # the Monday, in the viewer's zone
    opened: int
    resolved: int
    keeping: KeepRate
    resolution: timedelta | None
    waiting: timedelta | None


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    departments: list[str]
    rag: list[RagCount]
    red_cases: list[RedCase]
    promises_due: list[DuePromise]
    promises_due_total: int
    keeping: KeepRate
    keeping_by_department: list[KeepRate]
    keeping_by_agent: list[KeepRate]
    timing: Timing
    timing_by_department: list[Timing]
    weeks: list[Week]

    @property
    def red_total(self) -> int:
        return sum(r.red for r in self.rag)


def dashboard(viewer: User, now: datetime | None = None) -> Dashboard:
    """Every figure of the dashboard, limited to the departments the viewer may see."""
    now = now or utcnow()
    zone = zone_for(viewer)
    names = visible_departments(viewer)
    ids = list(names) or [-1]
    starts = week_starts(now, zone)
    period = now - timedelta(days=PERIOD_DAYS)
    assessed = assess(open_cases(ids), list(db.session.scalars(select(Standard))), now)
    due, due_total = promises_due(ids, names, end_of_day(now, zone), now)
    promised = _promise_rows(ids, min(starts[0], period), now)
    resolved = _resolved_rows(ids, min(starts[0], period), now)
    recent = [p for p in promised if p.due_at >= period]
    return Dashboard(
        now=now, departments=list(names.values()),
        rag=rag_counts(assessed, names), red_cases=red_cases(assessed, now)[:LIST_LIMIT],
        promises_due=due, promises_due_total=due_total,
        keeping=_rate("All", recent),
        keeping_by_department=_rates(recent, lambda r: names[r.department_id]),
        keeping_by_agent=_rates(recent, _credited),
        timing=timing("All", [r for r in resolved if r.resolved_at >= period]),
        timing_by_department=_timings([r for r in resolved if r.resolved_at >= period], names),
        weeks=weeks(starts, zone, _opened_times(ids, starts[0], now), resolved, promised),
    )


def visible_departments(viewer: User) -> dict[int, str]:
    """Department id → name, by name: every one for admins, their own for managers."""
    query = select(Department.id, Department.name).order_by(Department.name)
    if viewer.role != Role.ADMIN:
        query = query.where(Department.id.in_(viewer.department_ids or {-1}))
    return {row.id: row.name for row in db.session.execute(query)}


def open_cases(ids: Sequence[int]) -> list[Case]:
    """Open cases with their promises in two queries, whatever their number."""
    # Only what the clock and the red list read; "*" keeps any other eager relationship
    # (customers, references, feedback…) from adding queries to a page that never shows them.
    query = (select(Case)
             .where(Case.status.in_(OPEN_STATUSES), Case.department_id.in_(ids))
             .options(selectinload(Case.promises).lazyload("*"),
                      joinedload(Case.assignee).lazyload("*"),
                      joinedload(Case.department), lazyload("*"))
             .order_by(Case.id))
    return list(db.session.scalars(query).unique())


def assess(cases: Iterable[Case], standards: list[Standard], now: datetime) -> Assessed:
    """Each case with its colour and standard, the standards loaded once for all."""
    pairs = [(case, clock.standard_for(case, standards)) for case in cases]
    calendars = business_hours.calendars_for({c.department_id: c.department for c, _ in pairs}
                                             .values())
    return [(case, clock.rag(case, std, now, calendars[case.department_id]), std)
            for case, std in pairs]


def rag_counts(assessed: Assessed, names: dict[int, str]) -> list[RagCount]:
    """Red/amber/green/no-standard counts per department, every visible department listed."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for case, colour, _ in assessed:
        counts[case.department_id][colour] += 1
    return [RagCount(name, **{c: counts[dep][c] for c in ("red", "amber", "green", "none")})
            for dep, name in names.items()]


def red_cases(assessed: Assessed, now: datetime) -> list[RedCase]:
    """The red cases, the longest breached first, each with its earliest breach."""
    found = []
    red = [(case, std) for case, colour, std in assessed if colour == "red"]
    calendars = business_hours.calendars_for({c.department_id: c.department for c, _ in red}
                                             .values()) if red else {}
    for case, std in red:
        breaches = [(d.due_at, d.name) for d in clock.deadlines(case, std,
                                                                calendars[case.department_id])
                    if d.state(now) == "red"]
        breaches += [(p.due_at, "promise overdue") for p in case.promises if p.is_overdue(now)]
        since, what = min(breaches)
        found.append(RedCase(case.reference, case.title, case.department.name,
                             case.assignee.name if case.assignee else None, what, since))
    return sorted(found, key=lambda r: r.since)


def promises_due(ids: Sequence[int], names: dict[int, str], end: datetime,
                 now: datetime) -> tuple[list[DuePromise], int]:
    """Open promises due before `end`, earliest first, and how many there are in all."""
    query = (_promises(ids, Promise.id, Promise.what, Promise.due_at, Case.title,
                       Case.id.label("case_id"), func.count().over().label("total"))
             .where(Promise.state == PromiseState.OPEN, Promise.due_at < end)
             .order_by(Promise.due_at, Promise.id).limit(LIST_LIMIT))
    rows = db.session.execute(query).all()
    found = [DuePromise(r.id, r.what, r.due_at, r.owner, format_reference(r.case_id), r.title,
                        names[r.department_id], r.due_at < now) for r in rows]
    return found, rows[0].total if rows else 0


def _promise_rows(ids: Sequence[int], since: datetime, now: datetime) -> list[Row[Any]]:
    """Promises that came due in [since, now), settled or not; withdrawn ones left out."""
    resolver = aliased(User)
    query = _promises(ids, Promise.due_at, Promise.state, Promise.closed_at,
                      resolver.name.label("resolver")).outerjoin(
        resolver, Promise.resolved_by_id == resolver.id).where(
        Promise.due_at >= since, Promise.due_at < now, Promise.state != PromiseState.WITHDRAWN)
    return list(db.session.execute(query))


def _credited(row: Row[Any]) -> str:
    """Who a promise counts for: whoever kept it, else its owner (or queue)."""
    return row.resolver if row.state == PromiseState.KEPT and row.resolver else row.owner


def _promises(ids: Sequence[int], *columns: Any) -> Select[Any]:
    """Promise columns with their owner's name (or their queue's department) and case
    department, in these departments."""
    queue = aliased(Department)
    return (select(*columns, func.coalesce(User.name, queue.name).label("owner"),
                   Case.department_id)
            .join(Case, Promise.case_id == Case.id)
            .outerjoin(User, Promise.owner_id == User.id)
            .outerjoin(queue, Promise.owner_department_id == queue.id)
            .where(Case.department_id.in_(ids)))


def group_by(rows: Iterable[Any], key: Callable[[Any], Any]) -> defaultdict[Any, list[Any]]:
    """Rows in lists by key, in the order they came; a missing key reads as an empty list."""
    groups: defaultdict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        groups[key(row)].append(row)
    return groups


def _rate(label: str, rows: Sequence[Row[Any]]) -> KeepRate:
    # Kept late still came due: it counts against the rate, like a broken or forgotten one.
    kept = [r for r in rows if r.state == PromiseState.KEPT and r.closed_at <= r.due_at]
    return KeepRate(label, len(kept), len(rows))


def _rates(rows: Iterable[Row[Any]], label: Callable[[Row[Any]], str]) -> list[KeepRate]:
    """One rate per label (department or owner), in label order."""
    groups = group_by(rows, label)
    return [_rate(name, groups[name]) for name in sorted(groups, key=str.casefold)]


def _resolved_rows(ids: Sequence[int], since: datetime, now: datetime) -> list[Row[Any]]:
    """Only the columns the medians need, for cases resolved in [since, now]."""
    query = (select(Case.department_id, Case.created_at, Case.resolved_at,
                    Case.first_response_at, Case.customer_wait_seconds)
             .where(Case.department_id.in_(ids), Case.resolved_at >= since,
                    Case.resolved_at <= now))
    return list(db.session.execute(query))


def median_or_none(values: list[T]) -> T | None:
    return median(values) if values else None


def percent_or_none(part: int, whole: int) -> int | None:
    """`part` as a whole percentage of `whole`; None when there is nothing to count."""
    return round(100 * part / whole) if whole else None


def timing(label: str, rows: Sequence[Row[Any]]) -> Timing:
    """Medians on the customer's clock; waiting on the customer is shown, not subtracted."""
    return Timing(
        label, len(rows),
        median_or_none([r.resolved_at - r.created_at for r in rows]),
        median_or_none([timedelta(seconds=r.customer_wait_seconds or 0) for r in rows]),
        median_or_none([r.first_response_at - r.created_at for r in rows if r.first_response_at]),
    )


def _timings(rows: Iterable[Row[Any]], names: dict[int, str]) -> list[Timing]:
    groups = group_by(rows, lambda r: r.department_id)
    return [timing(name, groups[dep]) for dep, name in names.items() if groups[dep]]


def _opened_times(ids: Sequence[int], since: datetime, now: datetime) -> list[datetime]:
    query = select(Case.created_at).where(Case.department_id.in_(ids),
                                          Case.created_at >= since, Case.created_at <= now)
    return list(db.session.scalars(query))


def end_of_day(now: datetime, zone: ZoneInfo) -> datetime:
    """The next midnight in the viewer's zone, in UTC."""
    return _midnight(now.astimezone(zone).date() + timedelta(days=1), zone)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def week_starts(now: datetime, zone: ZoneInfo, count: int = TREND_WEEKS) -> list[datetime]:
    """Local Monday midnights (in UTC) of the last `count` weeks, this week's last."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [_midnight(monday - timedelta(weeks=n), zone) for n in range(count - 1, -1, -1)]


def weeks(starts: list[datetime], zone: ZoneInfo, opened: list[datetime],
          resolved: list[Row[Any]], promised: list[Row[Any]]) -> list[Week]:
    """Opened, resolved, promises kept and median resolution for each week."""
    # Index -1 collects what is older than the first week: only the 28-day figures use it.
    opened_by = group_by(opened, lambda m: bisect_right(starts, m) - 1)
    resolved_by = group_by(resolved, lambda r: bisect_right(starts, r.resolved_at) - 1)
    promised_by = group_by(promised, lambda r: bisect_right(starts, r.due_at) - 1)
    found = []
    for i, start in enumerate(starts):
        done = timing("", resolved_by[i])
        found.append(Week(start.astimezone(zone).date(), len(opened_by[i]), done.resolved,
                          _rate("", promised_by[i]), done.resolution, done.waiting))
    return found
