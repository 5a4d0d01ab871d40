"""Follow-ups: an unhappy answer owned by a person with a due time, closed visibly."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Select, select

from ..extensions import db
from ..models import (
    Case,
    CaseEvent,
    EventKind,
    Feedback,
    FollowUp,
    FollowUpState,
    PromiseState,
    Role,
    User,
    Visibility,
    utcnow,
)
from . import access, audit, business_hours, cases, effects, promises, timeline
from .errors import ServiceError
from .managers import managers_of
from .text import clean


def open_for(case: Case, feedback: Feedback) -> FollowUp:
    """Give the unhappy answer an owner and a due time, and promise the customer a call."""
    owners = managers_of(case)
    owner = owners[0] if owners else case.assignee or _last_responder(case)
    if owner is None:
        raise ServiceError(_("Nobody can own this follow-up: add a manager to the department."))
    due = business_hours.follow_up_due(case)
    promise = promises.make(case, owner, "Contact you about your feedback", owner, due,
                            public=True, commit=False)
    follow_up = FollowUp(case=case, feedback=feedback, owner=owner, due_at=due,
                         promise=promise)
    db.session.add(follow_up)
    timeline.record(case, EventKind.FOLLOW_UP, None, "",
                    visibility=Visibility.INTERNAL,
                    summary=f"Follow-up opened for {owner.name}, due {due:%d %b %H:%M} UTC",
                    owner=owner.name, due_at=due.isoformat())
    return follow_up


def _last_responder(case: Case) -> User | None:
    """Whoever answered the customer last: an owner better than none, so no answer is lost."""
    return db.session.scalar(
        select(User).join(CaseEvent, CaseEvent.author_id == User.id)
        .where(CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.STAFF_REPLY)
        .order_by(CaseEvent.id.desc()).limit(1))


def complete(follow_up: FollowUp, actor: User, what_was_done: str, told_customer: str) -> None:
    """Close the loop: what was done, and what the customer was told, on their timeline."""
    if follow_up.state != FollowUpState.OPEN:
        raise ServiceError(_("This follow-up is already closed."))
    what_was_done = clean(what_was_done, "what_was_done", 4000)
    told_customer = clean(told_customer, "told_customer", 4000)
    follow_up.state, follow_up.completed_at = FollowUpState.DONE, utcnow()
    follow_up.what_was_done, follow_up.told_customer = what_was_done, told_customer
    follow_up.completed_by_id = actor.id
    case = follow_up.case
    timeline.record(case, EventKind.FOLLOW_UP, actor, told_customer,
                    summary="What we did about your feedback", done=True)
    cases.mark_answered(case, actor)  # the customer was told: our answer, like a reply
    timeline.record(case, EventKind.INTERNAL_NOTE, actor, what_was_done,
                    visibility=Visibility.INTERNAL)
    if follow_up.promise is not None and follow_up.promise.is_open:
        # The "what we did" event above already tells the customer; one entry, not two.
        promises.resolve(follow_up.promise, PromiseState.KEPT, by=actor, note=told_customer,
                         commit=False, on_timeline=False)
    audit.record(actor, "follow_up.done", case, f"{case.reference}: loop closed",
                 {"state": "open"}, {"state": "done"}, department_id=case.department_id)
    effects.commit()


def get_for_staff(staff: User, follow_up_id: int) -> FollowUp | None:
    follow_up = db.session.get(FollowUp, follow_up_id)
    if follow_up is None or not access.can_see(staff, follow_up.case):
        return None
    return follow_up


def queue_query(staff: User, state: FollowUpState = FollowUpState.OPEN) -> Select:
    """Follow-ups the staff member may work: agents their own, managers their departments."""
    query = select(FollowUp).join(Case).where(FollowUp.state == state)
    if staff.role == Role.AGENT:
        query = query.where(FollowUp.owner_id == staff.id)
    elif staff.role == Role.MANAGER:
        query = query.where(Case.department_id.in_(staff.department_ids or {-1}))
    return query.order_by(FollowUp.due_at)


def for_feedback(answer: Feedback | None) -> FollowUp | None:
    """The follow-up an answer created, if any (newest first)."""
    if answer is None:
        return None
    return db.session.scalar(select(FollowUp).where(FollowUp.feedback_id == answer.id)
                             .order_by(FollowUp.id.desc()).limit(1))
