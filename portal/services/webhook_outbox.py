"""The webhook deliveries a case event causes, written in the event's own transaction.

An outbox: `queue` adds one WebhookDelivery per event and interested webhook before the
commit, so a delivery exists exactly when its event does; `portal.api.delivery` sends them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..i18n import in_language
from ..models import CaseEvent, EventKind, Visibility
from ..models.api import Webhook, WebhookDelivery
from . import serializers

EVENT_TYPES = {
    EventKind.OPENED: "case.opened",
    EventKind.STATUS_CHANGE: "case.status_changed",
    EventKind.REOPENED: "case.status_changed",
    EventKind.STAFF_REPLY: "case.public_reply",
    EventKind.PROMISE: "case.promise",
}


def wanted(event: CaseEvent) -> bool:
    """Whether some webhook could want this event: public, of a kind receivers are sent."""
    return event.kind in EVENT_TYPES and event.visibility == Visibility.PUBLIC


def payload(case_event: CaseEvent, event_type: str) -> dict[str, Any]:
    """What a receiver gets: the kind of event, the case as it is now, and the event (in
    the API's own shape)."""
    case = case_event.case
    with in_language(None):  # machines read it: the same words whoever's action sent it
        label = str(case.status_text.label)
    return {"type": event_type, "case": {
        "reference": case.reference, "title": case.title, "status": case.status.value,
        "status_label": label, "department_id": case.department_id,
        "references": [{"system": r.system, "value": r.value} for r in case.references],
    }, "event": serializers.event(case_event)}


def queue(events: Iterable[CaseEvent]) -> None:
    """Add the deliveries for these flushed events to the session (the caller commits)."""
    events = list(events)
    if not events:
        return
    hooks = list(db.session.scalars(select(Webhook).where(Webhook.active)))
    for case_event in events:
        kind = EVENT_TYPES[case_event.kind]
        body = None
        for hook in hooks:
            if hook.wants(kind, case_event.case.department_id):
                body = body or json.dumps(payload(case_event, kind), separators=(",", ":"))
                db.session.add(WebhookDelivery(webhook_id=hook.id, event_id=case_event.id,
                                               event_type=kind, payload=body))
