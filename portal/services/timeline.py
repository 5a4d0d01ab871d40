"""Append events to a case timeline; the only place events are created."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Case, CaseEvent, Channel, EventKind, User, Visibility, utcnow
from . import attachments, case_search, effects
from .attachments import CheckedFile

# A real answer: a written reply or a logged conversation, not a status flip.
FIRST_RESPONSES = frozenset({EventKind.STAFF_REPLY, EventKind.CONTACT_LOGGED})
# The key in an event's data under which the sending form's random id is kept.
ONCE = "form_once"
# How far back a repeated form is recognised: double clicks and retries, not next week.
ONCE_WINDOW = timedelta(days=1)


def record(
    case: Case,
    kind: EventKind,
    author: User | None,
    body: str = "",
    channel: Channel = Channel.WEB,
    visibility: Visibility = Visibility.PUBLIC,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
    once: str | None = None,
    **data: Any,
) -> CaseEvent:
    """Add one event (and its files) to the session and bump the case's version; the
    caller's `effects.commit()` queues its webhooks and announces it.

    `once` is the id of the form that sent it (see earlier_submission).
    """
    if once:
        data[ONCE] = once
    _wait_for_other_writers(case)
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
    case_search.add(case, body)
    _new_version(case)
    effects.recorded(event)
    _count_move(case, kind, data)
    if visibility == Visibility.PUBLIC:
        case.last_activity_at = event.created_at
        if author is not None and author.is_staff:
            _customer_was_updated(case, kind, event.created_at)
    return event


def _count_move(case: Case, kind: EventKind, data: dict[str, Any]) -> None:
    """A handoff or a status change is one more move; resolving or closing starts afresh."""
    if kind == EventKind.STATUS_CHANGE and data.get("new") in ("resolved", "closed"):
        case.moves_since_resolution = 0
    elif kind == EventKind.STATUS_CHANGE or (kind == EventKind.ASSIGNMENT and data.get("handoff")):
        case.moves_since_resolution = (case.moves_since_resolution or 0) + 1


def changed(case: Case) -> None:
    """Something the case page shows changed without an event of its own (a reaction to a
    reply): a new version, so a page or poll holding the old one (ETag) is not answered
    "not modified", and a live update to the case's watchers."""
    _wait_for_other_writers(case)
    _new_version(case)
    effects.case_changed(case)


def _new_version(case: Case) -> None:
    case.version = (case.version or 0) + 1


def _wait_for_other_writers(case: Case) -> None:
    """Append to one case one writer at a time, so event ids and times follow commit order.

    PostgreSQL: lock the case row before the time is taken (and read the version the last
    writer committed, so no increment is lost). SQLite writers are serialised already
    (BEGIN IMMEDIATE).
    """
    if case.id is None or db.session.get_bind().dialect.name == "sqlite":
        return
    db.session.flush()  # refresh() below must not discard a change still in memory
    db.session.refresh(case, ["version"], with_for_update=True)


def _customer_was_updated(case: Case, kind: EventKind, at) -> None:
    """Staff told the customer something: that resets the update clock."""
    case.last_update_at = at
    if case.first_response_at is None and kind in FIRST_RESPONSES:
        case.first_response_at = at


def _with_files(query: Select) -> Select:
    # Most events have no file and few have more than one: joining them in costs fewer
    # round trips than a second query, and the author is joined already.
    return query.options(joinedload(CaseEvent.attachments)).order_by(CaseEvent.id)


# Built once (SQLAlchemy memoises a statement's cache key): every case page loads one.
_OF_CASE = select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id"))
PUBLIC_EVENTS = _with_files(_OF_CASE.where(CaseEvent.visibility == Visibility.PUBLIC))
ALL_EVENTS = _with_files(_OF_CASE)


def public_events(case: Case) -> list[CaseEvent]:
    """What the customer may see, oldest first."""
    return list(db.session.scalars(PUBLIC_EVENTS, {"case_id": case.id}).unique())


def all_events(case: Case) -> list[CaseEvent]:
    """Everything, internal notes included: staff only."""
    return list(db.session.scalars(ALL_EVENTS, {"case_id": case.id}).unique())


def earlier_submission(customer: User, author: User, once: str | None,
                       body: str) -> CaseEvent | None:
    """The event that an earlier copy of this very form created (a double click), if any.

    A form carries a random id (`once`); the same id with the same words means the same
    submission sent twice. Changed words are a new message and are never dropped. The
    customer's row is locked first, so two copies racing each other are looked at in turn.
    """
    if not once:
        return None
    db.session.execute(select(User.id).where(User.id == customer.id).with_for_update())
    candidates = db.session.scalars(
        select(CaseEvent).join(Case, CaseEvent.case_id == Case.id)
        .where(Case.customer_id == customer.id, CaseEvent.author_id == author.id,
               CaseEvent.created_at >= utcnow() - ONCE_WINDOW,
               CaseEvent.data[ONCE].as_string() == once)
        .order_by(CaseEvent.id))
    return next((event for event in candidates if event.body == body), None)


def last_opening_once(customer: User, within: timedelta) -> str | None:
    """The form id of the case this customer opened last, if they did within `within`.

    Without JavaScript, Back shows the new-case page afresh with the words restored but a
    new form id; offered the last one, Send finds the case those words opened already.
    """
    row = db.session.execute(
        select(CaseEvent.data).join(Case, CaseEvent.case_id == Case.id)
        .where(Case.customer_id == customer.id, CaseEvent.kind == EventKind.OPENED,
               CaseEvent.author_id == customer.id, CaseEvent.created_at >= utcnow() - within)
        .order_by(CaseEvent.id.desc()).limit(1)).scalar()
    return (row or {}).get(ONCE)
