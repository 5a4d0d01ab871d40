"""Append events to a case timeline; the only place events are created."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from .. import live
from ..extensions import db
from ..models import Case, CaseEvent, Channel, EventKind, User, Visibility, utcnow
from . import attachments
from .attachments import CheckedFile

# A real answer: a written reply or a logged conversation, not a status flip.
FIRST_RESPONSES = frozenset({EventKind.STAFF_REPLY, EventKind.CONTACT_LOGGED})


def record(
    case: Case,
    kind: EventKind,
    author: User | None,
    body: str = "",
    channel: Channel = Channel.WEB,
    visibility: Visibility = Visibility.PUBLIC,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
    **data: Any,
) -> CaseEvent:
    """Add one event (and its files) to the session and bump the case's version."""
    event = CaseEvent(
        case=case,
        kind=kind,
        author=author,
        body=body,
        channel=channel,
        visibility=visibility,
        data=data,
        created_at=utcnow(),
    )
    for checked in files:
        event.attachments.append(attachments.store(checked))
    db.session.add(event)
    case.version = (case.version or 0) + 1
    live.announce(db.session(), case, internal=visibility != Visibility.PUBLIC)
    if visibility == Visibility.PUBLIC:
        case.last_activity_at = event.created_at
        if author is not None and author.is_staff:
            _customer_was_updated(case, kind, event.created_at)
    return event


def _customer_was_updated(case: Case, kind: EventKind, at) -> None:
    """Staff told the customer something: that resets the update clock."""
    case.last_update_at = at
    if case.first_response_at is None and kind in FIRST_RESPONSES:
        case.first_response_at = at


def public_events(case: Case) -> list[CaseEvent]:
    """What the customer may see, oldest first."""
    return list(
        db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.visibility == Visibility.PUBLIC)
            .order_by(CaseEvent.id)
        )
    )


def all_events(case: Case) -> list[CaseEvent]:
    """Everything, internal notes included: staff only."""
    return list(
        db.session.scalars(
            select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )
