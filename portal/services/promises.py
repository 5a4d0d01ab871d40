"""Promises: made with an owner and a due time, then kept, broken or withdrawn, visibly."""

from __future__ import annotations

import functools
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, and_, bindparam, or_, select

from portal.web.lazy_text import lazy_gettext as _l

from ..business_calendar import BusinessCalendar, one_business_day
from ..extensions import db
from ..models import (
    Case,
    Department,
    Escalation,
    EventKind,
    Promise,
    PromiseState,
    Role,
    User,
    Visibility,
    load_collection,
    utcnow,
)
from . import access, audit, business_hours, effects, notifications, timeline
from .errors import ServiceError
from .text import clean

MAX_WHAT = 500
ENDINGS = {
    PromiseState.KEPT: ("kept", _l("Say what was done.")),
    PromiseState.BROKEN: ("broken", _l("Explain honestly why it was not kept.")),
    PromiseState.WITHDRAWN: ("withdrawn", _l("Say why it no longer applies.")),
}


def default_due(case: Case) -> datetime:
    """The due time offered for a new promise: within one business day of the case's
    department, so a suggestion never lands at night or on a closed day. To the minute (the
    form offers no finer), so it is worked out once per calendar and minute, not per page."""
    return _one_day_from(business_hours.case_calendar(case),
                         utcnow().replace(second=0, microsecond=0))


@functools.lru_cache(maxsize=256)
def _one_day_from(calendar: BusinessCalendar, start: datetime) -> datetime:
    return one_business_day(start, calendar)


def _check_owner(case: Case, owner: User | None) -> User:
    if owner is None or not owner.is_staff or not owner.active:
        raise ServiceError(_("Choose who will keep this promise."), "owner")
    if not access.can_see(owner, case):
        raise ServiceError(_("%(name)s cannot see this case: hand it over first.",
                             name=owner.name), "owner")
    return owner


def make(case: Case, actor: User, what: str, owner: User | None, due_at: datetime,
         public: bool = True, commit: bool = True) -> Promise:
    """Record a promise on the case; the customer sees it (and gets an email) when public."""
    what = clean(what, "what", MAX_WHAT)
    owner = _check_owner(case, owner)
    if due_at.tzinfo is None:
        raise ServiceError(_("The due time needs a time zone."), "due_at")
    if due_at <= utcnow():
        raise ServiceError(_("The due time must be in the future."), "due_at")
    promise = Promise(case=case, what=what, owner=owner, due_at=due_at, public=public,
                      created_by_id=actor.id)
    db.session.add(promise)
    db.session.flush()
    _event(case, actor, promise, "made")
    audit.record(actor, "promise.made", case, f"{case.reference}: {what}",
                 after={"owner": owner.name, "due_at": due_at.isoformat(), "public": public},
                 department_id=case.department_id)
    if public:
        notifications.promise_changed(case, promise)
    if commit:
        effects.commit()
    return promise


def resolve(promise: Promise, outcome: PromiseState | str, *, by: User, note: str,
            commit: bool = True, on_timeline: bool = True) -> None:
    """Mark an open promise kept, broken or withdrawn `by` someone, with a `note` the customer
    can read; aborts (ServiceError) when it is settled already or the note is missing.

    `on_timeline=False` when the caller records its own event saying the same thing.
    """
    if not promise.is_open:
        raise ServiceError(_("This promise is already settled."), "state")
    if outcome not in ENDINGS:
        raise ServiceError(_("Choose kept, broken or withdrawn."), "state")
    outcome = PromiseState(outcome)  # "kept" as well as PromiseState.KEPT
    note = clean(note, "outcome", 2000, required=False)
    if not note:
        raise ServiceError(ENDINGS[outcome][1], "outcome")
    promise.state, promise.outcome, promise.closed_at = outcome, note, utcnow()
    promise.resolved_by = by
    if on_timeline:
        _event(promise.case, by, promise, ENDINGS[outcome][0])
    audit.record(by, f"promise.{outcome.value}", promise.case,
                 f"{promise.case.reference}: {promise.what}", {"state": "open"},
                 {"state": outcome.value, "outcome": note, "by": by.name},
                 department_id=promise.case.department_id)
    if promise.public:
        notifications.promise_changed(promise.case, promise)
    if commit:
        effects.commit()


def pass_on(promise: Promise, actor: User, person: User | None, department: Department) -> None:
    """Give an open promise to a person, or to the department's queue when `person` is None;
    the caller (a handoff) commits."""
    before = promise.owner_name
    promise.owner, promise.owner_department = person, None if person else department
    timeline.record(promise.case, EventKind.PROMISE, actor, "", visibility=Visibility.INTERNAL,
                    promise_id=promise.id, action="passed", what=promise.what,
                    before=before, owner=promise.owner_name, queue=person is None)
    audit.record(actor, "promise.passed", promise.case,
                 f"{promise.case.reference}: {promise.what}", {"owner": before},
                 {"owner": promise.owner_name}, department_id=department.id)


def replace(promise: Promise, actor: User, explanation: str, what: str,
            due_at: datetime) -> Promise:
    """Break a promise honestly and make a new one in the same breath."""
    new = make(promise.case, actor, what, promise.owner or actor, due_at, promise.public,
               commit=False)
    promise.replaced_by_id = new.id
    resolve(promise, PromiseState.BROKEN, by=actor, note=explanation)
    return new


def _event(case: Case, actor: User, promise: Promise, action: str) -> None:
    timeline.record(
        case, EventKind.PROMISE, actor, promise.outcome if action != "made" else "",
        visibility=Visibility.PUBLIC if promise.public else Visibility.INTERNAL,
        promise_id=promise.id, action=action, what=promise.what,
        owner=promise.owner_name, due_at=promise.due_at.isoformat())


# Who was told of each breach: built once (every case page with an overdue promise).
_NOTIFIED = select(Escalation.breach_key, Escalation.notified_id).where(
    Escalation.breach_key.in_(bindparam("breach_keys", expanding=True)))


def flagged_to_someone_else(case: Case) -> set[int]:
    """Ids of the case's overdue promises that a person other than their owner was told
    about (a manager, at either stage): only those may say "flagged to their manager"."""
    overdue = {p.breach_key: p for p in case.promises if p.is_overdue()}
    if not overdue:
        return set()
    rows = db.session.execute(_NOTIFIED, {"breach_keys": list(overdue)})
    return {overdue[key].id for key, notified in rows if notified != overdue[key].owner_id}


def get_for_staff(staff: User, promise_id: int) -> Promise | None:
    promise = db.session.get(Promise, promise_id)
    if promise is None or not access.can_see(staff, promise.case):
        return None
    return promise


# Case.promises as its relationship reads them, by a statement built once (see of_case).
PROMISES_OF = select(Promise).where(Promise.case_id == bindparam("case_id")) \
    .order_by(Promise.due_at)


def of_case(case: Case) -> list[Promise]:
    """`case.promises`, read by a statement built once when not loaded yet (the workspace
    reads them on every load; a lazy load costs about twice as much CPU)."""
    return load_collection(case, "promises", PROMISES_OF, {"case_id": case.id})


def open_on(case: Case) -> list[Promise]:
    """The case's open promises, earliest due first: what a handoff asks about."""
    return sorted((p for p in of_case(case) if p.is_open), key=lambda p: (p.due_at, p.id))


def due_query(staff: User, scope: str = "mine") -> Select:
    """Open promises, earliest first: the staff member's own and their departments' queues',
    or everything in their departments (managers)."""
    query = select(Promise).join(Case).where(Promise.state == PromiseState.OPEN)
    if scope == "mine" or staff.role == Role.AGENT:
        query = query.where(or_(Promise.owner_id == staff.id, and_(
            Promise.owner_id.is_(None),
            Promise.owner_department_id.in_(staff.department_ids or {-1}))))
    elif staff.role != Role.ADMIN:
        query = query.where(Case.department_id.in_(staff.department_ids or {-1}))
    return query.order_by(Promise.due_at)
