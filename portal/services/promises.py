"""Promises: made with an owner and a due time, then kept, broken or withdrawn, visibly."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, select

from portal.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Case,
    Escalation,
    EventKind,
    Promise,
    PromiseState,
    Role,
    User,
    Visibility,
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
    department, so a suggestion never lands at night or on a closed day."""
    return business_hours.within_one_business_day(case)


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


def close(promise: Promise, actor: User, state: PromiseState, outcome: str,
          commit: bool = True, on_timeline: bool = True) -> None:
    """Mark an open promise kept, broken or withdrawn, with words the customer can read.

    `on_timeline=False` when the caller records its own event saying the same thing.
    """
    if not promise.is_open:
        raise ServiceError(_("This promise is already settled."), "state")
    if state not in ENDINGS:
        raise ServiceError(_("Choose kept, broken or withdrawn."), "state")
    outcome = clean(outcome, "outcome", 2000, required=False)
    if not outcome:
        raise ServiceError(ENDINGS[state][1], "outcome")
    promise.state, promise.outcome, promise.closed_at = state, outcome, utcnow()
    if on_timeline:
        _event(promise.case, actor, promise, ENDINGS[state][0])
    audit.record(actor, f"promise.{state.value}", promise.case,
                 f"{promise.case.reference}: {promise.what}", {"state": "open"},
                 {"state": state.value, "outcome": outcome},
                 department_id=promise.case.department_id)
    if promise.public:
        notifications.promise_changed(promise.case, promise)
    if commit:
        effects.commit()


def replace(promise: Promise, actor: User, explanation: str, what: str,
            due_at: datetime) -> Promise:
    """Break a promise honestly and make a new one in the same breath."""
    new = make(promise.case, actor, what, promise.owner, due_at, promise.public, commit=False)
    promise.replaced_by_id = new.id
    close(promise, actor, PromiseState.BROKEN, explanation)
    return new


def _event(case: Case, actor: User, promise: Promise, action: str) -> None:
    timeline.record(
        case, EventKind.PROMISE, actor, promise.outcome if action != "made" else "",
        visibility=Visibility.PUBLIC if promise.public else Visibility.INTERNAL,
        promise_id=promise.id, action=action, what=promise.what,
        owner=promise.owner.name, due_at=promise.due_at.isoformat())


def flagged_to_someone_else(case: Case) -> set[int]:
    """Ids of the case's overdue promises that a person other than their owner was told
    about (the escalation's manager stage): only those may say "flagged to their manager"."""
    overdue = {p.breach_key: p for p in case.promises if p.is_overdue()}
    if not overdue:
        return set()
    rows = db.session.execute(select(Escalation.breach_key, Escalation.notified_id).where(
        Escalation.breach_key.in_(overdue), Escalation.stage == "manager"))
    return {overdue[key].id for key, notified in rows if notified != overdue[key].owner_id}


def get_for_staff(staff: User, promise_id: int) -> Promise | None:
    promise = db.session.get(Promise, promise_id)
    if promise is None or not access.can_see(staff, promise.case):
        return None
    return promise


def due_query(staff: User, scope: str = "mine") -> Select:
    """Open promises, earliest first: the staff member's own, or their departments' (managers)."""
    query = select(Promise).join(Case).where(Promise.state == PromiseState.OPEN)
    if scope == "mine" or staff.role == Role.AGENT:
        query = query.where(Promise.owner_id == staff.id)
    elif staff.role != Role.ADMIN:
        query = query.where(Case.department_id.in_(staff.department_ids or {-1}))
    return query.order_by(Promise.due_at)
