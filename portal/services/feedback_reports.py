"""Feedback as managers read it: answers and ratings by week, loops closed, what customers wrote."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.orm import aliased

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import (
    SOLVED_LABELS,
    Case,
    CaseEvent,
    Category,
    Department,
    EventKind,
    Feedback,
    FollowUp,
    ReplyReaction,
    Solved,
    Status,
    User,
    format_reference,
    utcnow,
)
from ..web.formatting import zone_for
from ..web.pagination import Keyset, Page, decode_cursor, paginate
from .reports import group_by, median_or_none, percent_or_none, visible_departments, week_starts

WEEKS = 12
WEEK_CHOICES = (4, 12, 26, 52)
GROUPS = {"department": _l("Department"), "category": _l("Category"), "agent": _l("Agent")}
# Rating bands, best first: the bottom of each stacked bar, the way the eye reads up.
BANDS = ((9, 10), (7, 8), (0, 6))
COMMENTS_SHOWN = 10
COMMENTS_PAGE = 50
EXPORT_LIMIT = 50_000
NEWEST_FIRST = Keyset(Feedback.created_at, Feedback.id)
CSV_HEADER = ["case_reference", "department", "category", "agent", "answer", "rating",
              "comment", "answered_at_utc", "follow_up_owner", "follow_up_due_utc",
              "follow_up_completed_at_utc", "within_target"]


@dataclass(frozen=True)
class Filters:
    department_id: int | None = None
    category_id: int | None = None
    agent_id: int | None = None
    group: str = "department"
    weeks: int = WEEKS


@dataclass(frozen=True)
class Answer:
    """One customer's answer, its case, and the follow-up it created if it was unhappy."""

    id: int
    case_id: int
    title: str
    department: str
    category: str
    agent: str
    solved: Solved
    rating: int | None
    comment: str
    created_at: datetime  # when the customer answered
    owner: str | None = None
    opened_at: datetime | None = None  # when the answer turned unhappy: the follow-up began
    due_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def reference(self) -> str:
        return format_reference(self.case_id)

    @property
    def solved_label(self) -> str:
        return SOLVED_LABELS[self.solved]

    def within_target(self, now: datetime) -> bool | None:
        """Closed by its due time; None without a follow-up, or while it still has time."""
        if self.due_at is None:
            return None
        if self.completed_at is not None:
            return self.completed_at <= self.due_at
        return False if now > self.due_at else None


@dataclass(frozen=True)
class Loops:
    """Unhappy answers: closed within target out of those whose follow-up came due or closed."""

    unhappy: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0
    to_close: timedelta | None = None  # median, unhappy answer → follow-up completed

    @property
    def came_due(self) -> int:
        return self.on_time + self.late + self.overdue

    @property
    def closed(self) -> int:
        return self.on_time + self.late

    @property
    def in_time(self) -> int:
        """Still open and not yet due: not counted for or against the target."""
        return self.unhappy - self.came_due

    @property
    def percent(self) -> int | None:
        return percent_or_none(self.on_time, self.came_due)


@dataclass(frozen=True)
class Tally:
    label: str
    answers: int
    yes: int
    partly: int
    no: int
    bands: tuple[int, ...]  # ratings in each of BANDS
    median_rating: float | None
    loops: Loops

    @property
    def rated(self) -> int:
        return sum(self.bands)

    def share(self, count: int) -> int | None:
        return percent_or_none(count, self.answers)


@dataclass(frozen=True)
class Reactions:
    """“This helped / didn't help” under staff replies."""

    label: str
    helped: int = 0
    unhelpful: int = 0

    @property
    def total(self) -> int:
        return self.helped + self.unhelpful

    @property
    def percent(self) -> int | None:
        return percent_or_none(self.helped, self.total)


@dataclass(frozen=True)
class FeedbackReport:
    now: datetime
    since: datetime
    departments: list[str]
    filters: Filters
    total: Tally
    weeks: list[tuple[date, Tally]]
    groups: list[Tally]
    histogram: list[int]  # answers with each rating, 0 to 10
    reactions: Reactions
    reactions_by_group: list[Reactions]
    comments: list[Answer]  # the newest few
    comments_total: int


def report(viewer: User, filters: Filters, now: datetime | None = None) -> FeedbackReport:
    """Every figure of the feedback dashboard, in the departments the viewer may see."""
    now = now or utcnow()
    zone = zone_for(viewer)
    starts = week_starts(now, zone, filters.weeks)
    names = visible_departments(viewer)
    ids = _ids(names, filters)
    found = [Answer(**row._mapping) for row in db.session.execute(
        _answers(ids, filters, starts[0], now))]
    by_week = group_by(found, lambda a: bisect_right(starts, a.created_at) - 1)
    by_group = group_by(found, lambda a: _label(a, filters.group))
    ratings = Counter(a.rating for a in found if a.rating is not None)
    reacted = _reactions(ids, filters, starts[0], now)
    reactions_by = group_by(reacted, lambda r: r.label)
    commented = [a for a in found if a.comment]
    return FeedbackReport(
        now=now, since=starts[0], departments=list(names.values()), filters=filters,
        total=tally(_("All"), found, now),
        weeks=[(s.astimezone(zone).date(), tally("", by_week[i], now))
               for i, s in enumerate(starts)],
        groups=[tally(k, by_group[k], now) for k in sorted(by_group, key=str.casefold)],
        histogram=[ratings[n] for n in range(11)],
        reactions=_reaction_count(_("All"), reacted),
        reactions_by_group=[_reaction_count(k, reactions_by[k])
                            for k in sorted(reactions_by, key=str.casefold)],
        comments=commented[:COMMENTS_SHOWN], comments_total=len(commented),
    )


def tally(label: str, answers: Sequence[Answer], now: datetime) -> Tally:
    """Counts, rating bands, the median rating and the loops of a set of answers."""
    solved = Counter(a.solved for a in answers)
    ratings = [a.rating for a in answers if a.rating is not None]
    bands = tuple(sum(low <= r <= high for r in ratings) for low, high in BANDS)
    return Tally(label, len(answers), solved[Solved.YES], solved[Solved.PARTLY],
                 solved[Solved.NO], bands, median_or_none(ratings), loops(answers, now))


def loops(answers: Iterable[Answer], now: datetime) -> Loops:
    """How the follow-ups of the unhappy answers ended, or stand at `now`."""
    unhappy = [a for a in answers if a.opened_at is not None]
    verdicts = Counter(a.within_target(now) for a in unhappy)
    closed = [a for a in unhappy if a.completed_at is not None]
    late = sum(1 for a in closed if a.within_target(now) is False)
    return Loops(len(unhappy), verdicts[True], late, verdicts[False] - late,
                 median_or_none([a.completed_at - a.opened_at for a in closed]))


def comments(viewer: User, filters: Filters, cursor: str | None = None,
             now: datetime | None = None) -> Page[Answer]:
    """The answers with a comment, newest first, one page at a time; InvalidCursor if broken."""
    now = now or utcnow()
    query = _answers(*_scope(viewer, filters, now), now).where(Feedback.comment != "")
    after = decode_cursor(cursor, NEWEST_FIRST) if cursor else None
    page = paginate(query, NEWEST_FIRST, after, COMMENTS_PAGE)
    return Page([Answer(**row._mapping) for row in page.items], page.next_cursor)


def export_rows(viewer: User, filters: Filters,
                now: datetime | None = None) -> Iterator[tuple[Any, ...]]:
    """One CSV row per answer (see CSV_HEADER), newest first, times in UTC."""
    now = now or utcnow()
    rows = db.session.execute(_answers(*_scope(viewer, filters, now), now).limit(EXPORT_LIMIT))
    for row in rows:
        a = Answer(**row._mapping)
        verdict = a.within_target(now)
        yield (a.reference, a.department, a.category, a.agent, a.solved_label,
               "" if a.rating is None else a.rating, a.comment, _iso(a.created_at),
               a.owner or "", _iso(a.due_at), _iso(a.completed_at),
               "" if a.due_at is None else {True: "yes", False: "no", None: "not yet due"}[
                   verdict])


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _scope(viewer: User, filters: Filters, now: datetime) -> tuple[list[int], Filters, datetime]:
    """The departments, filters and start of the period, as `_answers` takes them."""
    since = week_starts(now, zone_for(viewer), filters.weeks)[0]
    return _ids(visible_departments(viewer), filters), filters, since


def _ids(names: dict[int, str], filters: Filters) -> list[int]:
    """The departments to count: the visible ones, narrowed by the filter, never widened."""
    wanted = [d for d in names if filters.department_id in (None, d)]
    return wanted or [-1]


def _agent_id() -> ColumnElement[int]:
    """Who owns the case, or else who resolved it before the customer answered."""
    resolver = (select(CaseEvent.author_id)
                .where(CaseEvent.case_id == Case.id, CaseEvent.kind == EventKind.STATUS_CHANGE,
                       CaseEvent.data["new"].as_string() == Status.RESOLVED.value,
                       CaseEvent.created_at <= Feedback.created_at)
                .order_by(CaseEvent.id.desc()).limit(1)
                .correlate(Case, Feedback).scalar_subquery())
    return func.coalesce(Case.assignee_id, resolver)


def _answers(ids: Sequence[int], filters: Filters, since: datetime, now: datetime) -> Select:
    """Answers given in [since, now] with their case, agent and latest follow-up: one query."""
    agent, owner = aliased(User), aliased(User)
    agent_id = _agent_id()
    latest = (select(FollowUp.feedback_id, func.max(FollowUp.id).label("id"))
              .group_by(FollowUp.feedback_id).subquery())
    query = (
        select(Feedback.id, Feedback.case_id, Case.title, Department.name.label("department"),
               func.coalesce(Category.name, "").label("category"),
               func.coalesce(agent.name, "").label("agent"), Feedback.solved, Feedback.rating,
               Feedback.comment, Feedback.created_at, owner.name.label("owner"),
               FollowUp.created_at.label("opened_at"), FollowUp.due_at, FollowUp.completed_at)
        .join(Case, Feedback.case_id == Case.id)
        .join(Department, Case.department_id == Department.id)
        .outerjoin(Category, Case.category_id == Category.id)
        .outerjoin(agent, agent.id == agent_id)
        .outerjoin(latest, latest.c.feedback_id == Feedback.id)
        .outerjoin(FollowUp, FollowUp.id == latest.c.id)
        .outerjoin(owner, FollowUp.owner_id == owner.id)
        .where(Case.department_id.in_(ids), Feedback.created_at >= since,
               Feedback.created_at <= now))
    if filters.category_id is not None:
        query = query.where(Case.category_id == filters.category_id)
    if filters.agent_id is not None:
        query = query.where(agent_id == filters.agent_id)
    return query.order_by(*NEWEST_FIRST.order_by())


def _label(answer: Answer, group: str) -> str:
    if group == "agent":
        return answer.agent or _("Nobody")
    if group == "category":
        return answer.category or _("No category")
    return answer.department


def _reactions(ids: Sequence[int], filters: Filters, since: datetime,
               now: datetime) -> list[Row[Any]]:
    """(helpful, label) of the reactions in [since, now]; the agent is who wrote the reply."""
    label = {"department": Department.name,
             "category": func.coalesce(Category.name, _("No category")),
             "agent": func.coalesce(User.name, _("Nobody"))}[filters.group]
    query = (select(ReplyReaction.helpful, label.label("label"))
             .join(CaseEvent, ReplyReaction.event_id == CaseEvent.id)
             .join(Case, ReplyReaction.case_id == Case.id)
             .join(Department, Case.department_id == Department.id)
             .outerjoin(Category, Case.category_id == Category.id)
             .outerjoin(User, CaseEvent.author_id == User.id)
             .where(Case.department_id.in_(ids), ReplyReaction.created_at >= since,
                    ReplyReaction.created_at <= now))
    if filters.category_id is not None:
        query = query.where(Case.category_id == filters.category_id)
    if filters.agent_id is not None:
        query = query.where(CaseEvent.author_id == filters.agent_id)
    return list(db.session.execute(query))


def _reaction_count(label: str, rows: Sequence[Row[Any]]) -> Reactions:
    helped = sum(1 for r in rows if r.helpful)
    return Reactions(label, helped, len(rows) - helped)
