"""When the customer last looked at their case: kept cheaply, shown to staff after our reply.

A case page is read far more often than anything changes on it, so the time is written only
when the customer sees something new (at most once per change on the case), never on every
view, and through the write path a GET may use (portal/database.py: `writing`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from ..database import writing
from ..extensions import db
from ..models import Case, CaseEvent, EventKind, Visibility, utcnow
from . import effects


def mark_seen(case: Case) -> None:
    """Remember that the customer saw the case as it was rendered, and when.

    Call it after rendering. Writes nothing when they had seen it all already, or when the
    case changed since the page was rendered (they have not seen that yet). It ends the read
    transaction first: on SQLite a read snapshot that later writes cannot wait for the lock.
    """
    if not case.has_unseen_updates:
        return
    case_id, shown = case.id, case.last_activity_at
    with writing():
        effects.commit()
        result = db.session.execute(
            update(Case).where(Case.id == case_id, Case.last_activity_at == shown)
            .values(customer_seen_at=utcnow()).execution_options(synchronize_session=False))
        if result.rowcount:
            effects.case_changed(case, internal=True)  # open workspaces show "Seen by …"
        effects.commit()


@dataclass(frozen=True)
class SeenMarker:
    """What staff read after our latest public reply: seen by the customer (when), or not."""

    reply_id: int
    seen_at: datetime | None


def marker(case: Case, events: Sequence[CaseEvent]) -> SeenMarker | None:
    """The marker for the latest public reply among these events; None before any reply."""
    reply = next((e for e in reversed(events) if e.kind == EventKind.STAFF_REPLY
                  and e.visibility == Visibility.PUBLIC), None)
    if reply is None:
        return None
    seen = case.customer_seen_at
    return SeenMarker(reply.id, seen if seen is not None and seen >= reply.created_at else None)
