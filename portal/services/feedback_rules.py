"""When we ask for feedback, which answer counts, how long it may change, what is unhappy.

Read by the emails (notifications: a status email offers the answers) and the customer's
case page; feedback.py records the answers by these rules.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select

from ..models import Case, Feedback, Solved, Status, load_collection, utcnow

CHANGE_DAYS = 7
# Case.feedback as its relationship reads it, by a statement built once (see current).
FEEDBACK_OF = select(Feedback).where(Feedback.case_id == bindparam("case_id")) \
    .order_by(Feedback.id)


def can_ask(case: Case) -> bool:
    """Only on a resolved case that a person on our side actually answered."""
    return (case.status in (Status.RESOLVED, Status.CLOSED) and case.resolution_count > 0
            and case.first_response_at is not None)


def current(case: Case) -> Feedback | None:
    """The answer for the latest resolution, if the customer gave one. The answers are read
    by a statement built once (a lazy load cost the case page twice the CPU)."""
    answers = load_collection(case, "feedback", FEEDBACK_OF, {"case_id": case.id})
    return next((f for f in answers if f.resolution_round == case.resolution_count), None)


def can_change(answer: Feedback, now: datetime | None = None) -> bool:
    return (now or utcnow()) - answer.created_at <= timedelta(days=CHANGE_DAYS)


def is_unhappy(solved: Solved, rating: int | None, comment: str) -> bool:
    threshold = current_app.config["FEEDBACK_UNHAPPY_AT_OR_BELOW"]
    return (solved == Solved.NO or (rating is not None and rating <= threshold)
            or (solved == Solved.PARTLY and bool(comment)))
