"""What a saved change triggers besides itself: webhook deliveries and live updates.

Services say what changed (`recorded`, `case_changed`; `timeline` does it for every event)
and end with `commit()` instead of `db.session.commit()`. Webhook deliveries are added to
the same transaction (an outbox: never lost with it, never sent without it); live updates
are published after it, best-effort, and never for a change that was rolled back. Nothing
here is installed on the session: a CLI command or worker behaves exactly like a request.
This module sits below every service: it imports none of them.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field

from sqlalchemy import inspect
from sqlalchemy.orm import Session, SessionTransaction

from .. import live
from ..extensions import db
from ..models import Case, CaseEvent, Visibility
from ..outage import Outage
from . import customer_access, webhook_outbox

log = logging.getLogger(__name__)
_KEY = "caseloop_effects"
# Publishing failures the broker did not handle itself, logged once until one succeeds.
_publishing = Outage("Live updates", log)


@dataclass
class _Pending:
    """What the current transaction changed, kept on its session until `commit()`."""

    transaction: SessionTransaction
    cases: dict[int, tuple[Case, bool]] = field(default_factory=dict)  # id(case): internal
    events: list[CaseEvent] = field(default_factory=list)


def recorded(event: CaseEvent) -> None:
    """A timeline event was added: its case changed, and a webhook may want the event."""
    pending = _pending()
    _note_case(pending, event.case, internal=event.visibility != Visibility.PUBLIC)
    pending.events.append(event)


def case_changed(case: Case, internal: bool = False) -> None:
    """The case changed without an event (a reaction): its pages refresh after the commit."""
    _note_case(_pending(), case, internal)


def commit() -> None:
    """Commit, with the deliveries inside and the live updates after; raises only if the
    commit itself fails (then nothing is published)."""
    session = db.session()
    pending = _take(session)
    messages = _before_commit(pending) if pending else []
    session.commit()
    _after_commit(messages)


def _note_case(pending: _Pending, case: Case, internal: bool) -> None:
    # Keyed by the object: a new case has no id yet, and the session holds one per row.
    _, internal_so_far = pending.cases.get(id(case), (case, True))
    pending.cases[id(case)] = (case, internal_so_far and internal)


def _pending() -> _Pending:
    """This transaction's notes; notes left by a transaction that has ended are dropped."""
    session = db.session()
    transaction = session.get_transaction() or session.begin()
    pending = session.info.get(_KEY)
    if pending is None or pending.transaction is not transaction:
        if pending is not None:
            _check_not_committed_elsewhere(pending)
        pending = session.info[_KEY] = _Pending(transaction)
    return pending


def _take(session: Session) -> _Pending | None:
    """Remove and return this transaction's notes; None if they belong to an ended one."""
    pending = session.info.pop(_KEY, None)
    if pending is None or pending.transaction is not session.get_transaction():
        if pending is not None:
            _check_not_committed_elsewhere(pending)
        return None  # rolled back: its changes are never announced
    return pending


def _check_not_committed_elsewhere(pending: _Pending) -> None:
    """Warn when noted events were saved by a commit that bypassed `commit()` (a bug: their
    webhooks were never queued); rolled-back events are transient again and pass."""
    if any(inspect(event).persistent for event in pending.events):
        warnings.warn("Case events were committed without effects.commit(): their webhook "
                      "deliveries and live updates were skipped", RuntimeWarning, stacklevel=4)


def _before_commit(pending: _Pending) -> list[live.Message]:
    """Queue webhook deliveries in this transaction; work out the live messages while the
    transaction can still read (after the commit every attribute would be reloaded)."""
    db.session.flush()  # new events need their ids
    webhook_outbox.queue(e for e in pending.events if webhook_outbox.wanted(e))
    return [message for case, internal_only in pending.cases.values()
            for message in live.messages_for(
                case, internal_only, () if internal_only else customer_access.viewer_ids(case))]


def _after_commit(messages: list[live.Message]) -> None:
    """Publish best-effort: the change is saved, so a failure is logged, never raised."""
    if not messages:
        return
    try:
        live.publish(messages)
    except Exception as exc:  # noqa: BLE001 - nothing after the commit may fail the request
        _publishing.failed(exc)
    else:
        _publishing.recovered()
