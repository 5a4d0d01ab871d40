"""Spot an open case on the same topic, so the customer need not repeat themselves."""

from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..models import OPEN_STATUSES, Case, User

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    "the and for with that this have has was were not are you your our from about what when "
    "will would could should there their they them been into can cant dont just still please "
    "hello thanks thank help need want case issue problem".split()
)
THRESHOLD = 0.34


def keywords(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if len(w) > 2 and w not in _STOP}


def similarity(a: str, b: str) -> float:
    """Share of the shorter text's keywords that the other text also has (0..1)."""
    ka, kb = keywords(a), keywords(b)
    if not ka or not kb:
        return 0.0
    return len(ka & kb) / min(len(ka), len(kb))


def find_similar_open_case(
    customer: User, title: str, category_id: int | None = None
) -> Case | None:
    """The customer's open case that best matches this title, if it matches well enough."""
    open_cases = db.session.scalars(
        select(Case)
        .where(Case.customer_id == customer.id, Case.status.in_(OPEN_STATUSES))
        .order_by(Case.last_activity_at.desc())
        .limit(50)
    )
    best, best_score = None, THRESHOLD
    for case in open_cases:
        score = similarity(title, case.title)
        if category_id is not None and case.category_id == category_id:
            score += 0.15  # the same category makes a match more likely, never certain
        if score >= best_score:
            best, best_score = case, score
    return best
