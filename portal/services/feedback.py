"""Feedback asked inline, once, after a real answer; every unhappy answer gets an owner."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Case,
    CaseEvent,
    EventKind,
    Feedback,
    Priority,
    ReplyReaction,
    Solved,
    Status,
    User,
    Visibility,
    utcnow,
)
from ..web.lazy_text import lazy_gettext as _l
from . import cases, customer_access, effects, follow_ups, timeline
from .errors import NotFound, ServiceError
from .feedback_rules import can_ask, can_change, current, is_unhappy
from .managers import managers_of
from .outbox import queue_email
from .text import clean


class AlreadyAnswered(ServiceError):
    """A first answer was sent, but one is recorded already (another tab, a double submit)."""

    def __init__(self) -> None:
        super().__init__(_("Your answer was already recorded. It is shown here; you can "
                           "change it for 7 days."), "solved")


def answer(case: Case, customer: User, solved: Solved, rating: int | None,
           comment: str = "", first: bool = False) -> Feedback:
    """Record (or, within 7 days, change) the customer's answer and act on it at once.

    `first`: the form offered a first answer; if one is recorded by now, AlreadyAnswered
    and nothing changes (two tabs answering at once must not overwrite each other).
    """
    if not customer_access.is_requester(customer, case):  # feedback is the requester's alone
        raise NotFound()
    if first and current(case) is not None:
        raise AlreadyAnswered()
    if not can_ask(case):
        raise ServiceError(_("We ask for feedback once your case is resolved."), "solved")
    if rating is not None and not 0 <= rating <= 10:
        raise ServiceError(_("Choose a number from 0 to 10."), "rating")
    comment = clean(comment, "comment", 2000, required=False)
    given = current(case)
    if given is not None and not can_change(given):
        raise ServiceError(_("Answers can be changed for 7 days; this one is final now."), "solved")
    was_unhappy = given is not None and is_unhappy(given.solved, given.rating, given.comment)
    if given is None:
        given = _first_answer(case, customer, solved, rating, comment)
    else:
        given.solved, given.rating, given.comment, given.updated_at = solved, rating, \
            comment, utcnow()
        db.session.flush()
    _record(case, customer, given)
    if is_unhappy(solved, rating, comment) and not was_unhappy:
        follow_ups.open_for(case, given)
    if solved == Solved.NO and case.status != Status.IN_PROGRESS:
        _reopen_and_escalate(case, customer)
    elif solved == Solved.YES and case.status == Status.RESOLVED:
        cases.close_confirmed(case, customer)
    effects.commit()
    return given


def _first_answer(case: Case, customer: User, solved: Solved, rating: int | None,
                  comment: str) -> Feedback:
    """A new answer row for this resolution; AlreadyAnswered if another request's won."""
    try:
        # PostgreSQL lets both of two simultaneous requests get this far: the unique
        # (case, round) makes the later insert fail, and the savepoint keeps its
        # transaction usable for the page that says so.
        with db.session.begin_nested():
            given = Feedback(case=case, customer=customer, solved=solved, rating=rating,
                             comment=comment, resolution_round=case.resolution_count)
            db.session.add(given)
    except IntegrityError:
        db.session.expire(case, ["feedback"])  # still lists the row that was not stored
        raise AlreadyAnswered() from None
    return given


def _record(case: Case, customer: User, given: Feedback) -> None:
    rating = f", {given.rating}/10" if given.rating is not None else ""
    with force_locale("en"):  # stored: pages word it afresh from `solved` and `rating`
        summary = f"Did we solve it? {given.solved_label}{rating}"
    timeline.record(case, EventKind.FEEDBACK, customer, given.comment, summary=summary,
                    solved=given.solved.value, rating=given.rating)


def _reopen_and_escalate(case: Case, customer: User) -> None:
    """“No” means it is still a problem: reopen, restart the clock, tell the managers."""
    cases.reopen_after_feedback(case, customer)
    if case.priority in (Priority.LOW, Priority.NORMAL):
        case.priority = Priority.HIGH
    for manager in managers_of(case):
        queue_email(manager.email, _l("[%(reference)s] Customer says it is not solved",
                                      reference=case.reference),
                    "feedback_unhappy", case_id=case.id, language=manager.language, case=case,
                    person=manager)
    timeline.record(case, EventKind.ESCALATION, None, "", visibility=Visibility.INTERNAL,
                    summary="customer answered “not solved”: case reopened, priority raised, "
                            "managers told")


def react(event_id: int, customer: User, helpful: bool, reason: str = "") -> ReplyReaction:
    """“This helped / didn't help” on a staff reply; a “didn't” reaches the owner at once."""
    event = db.session.get(CaseEvent, event_id)
    if (event is None or event.kind != EventKind.STAFF_REPLY or not event.is_public
            or not customer_access.is_requester(customer, event.case)):
        raise NotFound()
    reason = clean(reason, "reason", 500, required=False)
    reaction = db.session.scalar(select(ReplyReaction).where(ReplyReaction.event_id == event.id))
    if reaction is None:
        reaction = ReplyReaction(event_id=event.id, case_id=event.case_id)
        db.session.add(reaction)
    changed_to_unhelpful = not helpful and reaction.helpful is not False
    modified = (reaction.helpful, reaction.reason) != (helpful, reason)
    reaction.helpful, reaction.reason = helpful, reason
    if modified:  # the page shows the reaction: its version moves on (this flushes it)
        timeline.changed(event.case)
    if changed_to_unhelpful:
        _tell_owner(event, reason)
    effects.commit()
    return reaction


def _tell_owner(event: CaseEvent, reason: str) -> None:
    case = event.case
    owner = case.assignee or event.author
    timeline.record(case, EventKind.ESCALATION, None, reason, visibility=Visibility.INTERNAL,
                    summary=f"the customer said {event.author.name}'s reply didn't help")
    if owner is not None:
        queue_email(owner.email, _l("[%(reference)s] A reply didn't help the customer",
                                    reference=case.reference),
                    "reply_unhelpful", case_id=case.id, language=owner.language, case=case,
                    person=owner, reason=reason, reply=event)


# Built once (SQLAlchemy memoises a statement's cache key): both case pages ask per load.
REACTIONS_FOR = select(ReplyReaction).where(ReplyReaction.case_id == bindparam("case_id"))


def reactions_for(case: Case) -> dict[int, ReplyReaction]:
    rows = db.session.scalars(REACTIONS_FOR, {"case_id": case.id})
    return {r.event_id: r for r in rows}
