"""A customer's "This is taking too long": once per case per business day it names a manager
of the case's department, who owns an answer by a due time (a public promise on the case).

The manager is the one with the fewest open customer escalations (ties: the lowest id,
i.e. the longest-standing account), so one manager is not handed every escalation; a
department without managers falls to the admins, as other escalations do.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError

from ..business_calendar import BusinessCalendar, add_business_time, next_opening
from ..extensions import db
from ..models import (
    Case,
    CustomerEscalation,
    EventKind,
    Promise,
    PromiseState,
    User,
    Visibility,
    utcnow,
)
from ..web.formatting import fulltime
from . import audit, business_hours, effects, notifications, promises, timeline
from .errors import NotFound, ServiceError
from .managers import managers_of
from .text import clean

ANSWER_HOURS = 4  # working hours the manager has to answer
MAX_REASON = 1000
SEARCH_DAYS = 400


class AlreadyEscalated(ServiceError):
    """The case was escalated on this business day already: who owns it, and from when the
    customer may ask again."""

    def __init__(self, existing: CustomerEscalation, again_at: datetime, customer: User):
        self.existing, self.again_at = existing, again_at
        super().__init__(_(
            "You already told us this is taking too long today. %(name)s owns the answer, "
            "due by %(due)s. You can ask again from %(again)s.",
            name=existing.manager.name, due=fulltime(_due(existing), customer),
            again=fulltime(again_at, customer)), "reason")


def _due(escalation: CustomerEscalation) -> datetime:
    return escalation.promise.due_at if escalation.promise else escalation.created_at


def business_day(at: datetime, calendar: BusinessCalendar) -> date:
    """The working day a moment counts for: its own while open, else the next one's
    (a Saturday request counts for Monday)."""
    return next_opening(at, calendar).astimezone(calendar.zone).date()


def next_day_opens(day: date, calendar: BusinessCalendar) -> datetime:
    """When the first working day after `day` opens (closures and closed weekdays skipped)."""
    for offset in range(1, SEARCH_DAYS):
        span = calendar.opening(day + timedelta(days=offset))
        if span is not None:
            return span[0]
    return next_opening(datetime.combine(day + timedelta(days=1), datetime.min.time(),
                                         tzinfo=calendar.zone), calendar)


# Built once: every open case's page asks (SQLAlchemy keeps a statement's cache key with it).
_ON_DAY = select(CustomerEscalation).where(CustomerEscalation.case_id == bindparam("case_id"),
                                           CustomerEscalation.business_day == bindparam("day"))


def current(case: Case, now: datetime | None = None) -> CustomerEscalation | None:
    """This business day's escalation of the case, if the customer made one."""
    day = business_day(now or utcnow(), business_hours.case_calendar(case))
    return db.session.scalar(_ON_DAY, {"case_id": case.id, "day": day})


def of_case(case: Case) -> list[CustomerEscalation]:
    """Every time the customer said this case takes too long, newest first."""
    return list(db.session.scalars(select(CustomerEscalation).where(
        CustomerEscalation.case_id == case.id).order_by(CustomerEscalation.id.desc())))


def again_at(case: Case, escalation: CustomerEscalation) -> datetime:
    return next_day_opens(escalation.business_day, business_hours.case_calendar(case))


def pick_manager(case: Case) -> User:
    """The department's manager with the fewest open customer escalations (ties: lowest id)."""
    people = managers_of(case)
    if not people:
        raise ServiceError(_("Nobody can take this on right now. Please reply on the case "
                             "instead."), "reason")
    open_counts = dict(db.session.execute(
        select(CustomerEscalation.manager_id, func.count())
        .join(Promise, Promise.id == CustomerEscalation.promise_id)
        .where(Promise.state == PromiseState.OPEN,
               CustomerEscalation.manager_id.in_([p.id for p in people]))
        .group_by(CustomerEscalation.manager_id)).all())
    return min(people, key=lambda p: (open_counts.get(p.id, 0), p.id))


def escalate(case: Case, customer: User, reason: str) -> CustomerEscalation:
    """Record the customer's escalation: a manager, a public promise, a timeline event, an
    email to the manager and an audit row; AlreadyEscalated on the same business day,
    NotFound for someone else's case, ServiceError for a closed case or no reason."""
    if case.customer_id != customer.id:
        raise NotFound()
    if not case.is_open:
        raise ServiceError(_("This case is not open any more: reply to reopen it."), "reason")
    reason = clean(reason, "reason", MAX_REASON)
    now, calendar = utcnow(), business_hours.case_calendar(case)
    existing = current(case, now)
    if existing is not None:
        raise AlreadyEscalated(existing, again_at(case, existing), customer)
    manager = pick_manager(case)
    due = add_business_time(now, timedelta(hours=ANSWER_HOURS), calendar)
    promise = promises.make(case, customer, _("A manager answers your escalation"), manager,
                            due, public=True, commit=False)
    escalation = CustomerEscalation(case_id=case.id, customer_id=customer.id,
                                    manager_id=manager.id, promise_id=promise.id,
                                    reason=reason, business_day=business_day(now, calendar))
    try:
        with db.session.begin_nested():
            db.session.add(escalation)
    except IntegrityError as exc:  # a second press at the same moment: the index refused
        db.session.rollback()
        existing = current(case, now)
        if existing is None:
            raise
        raise AlreadyEscalated(existing, again_at(case, existing), customer) from exc
    timeline.record(case, EventKind.ESCALATION, customer, reason, visibility=Visibility.PUBLIC,
                    by_customer=True, manager=manager.name, due_at=due.isoformat(),
                    summary=f"{customer.name} says this is taking too long → {manager.name}")
    audit.record(customer, "case.customer_escalated", case,
                 f"{case.reference}: escalated by the customer to {manager.name}",
                 after={"manager": manager.name, "due_at": due.isoformat(), "reason": reason},
                 department_id=case.department_id)
    notifications.customer_escalated(case, manager, reason, due)
    effects.commit()
    return escalation
