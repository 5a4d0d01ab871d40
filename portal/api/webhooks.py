"""Outgoing webhooks: admins add and remove them; case events queue signed deliveries.

Deliveries are queued by session listeners rather than by the case services: after each
flush the new public CaseEvent rows of interest are noted, and just before the commit
one WebhookDelivery per matching webhook is added to the same transaction. So a
delivery exists exactly when its event does, and no service needs to know about webhooks.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from flask_sqlalchemy.session import Session
from sqlalchemy import event as sa_event
from sqlalchemy import select

from ..extensions import db
from ..i18n import in_language
from ..models import CaseEvent, EventKind, User, Visibility
from ..models.api import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from ..services import audit
from ..services.catalog import departments_by_ids
from ..services.errors import NotFound, ServiceError
from ..services.outbox import clean_header
from ..services.text import clean
from . import serializers

PENDING = "caseloop_webhook_events"
EVENT_TYPES = {
    EventKind.OPENED: "case.opened",
    EventKind.STATUS_CHANGE: "case.status_changed",
    EventKind.REOPENED: "case.status_changed",
    EventKind.STAFF_REPLY: "case.public_reply",
    EventKind.PROMISE: "case.promise",
}


def all_webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def get_webhook(webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound()
    return webhook


def _check_url(url: str) -> str:
    url = clean(url, "url", 500)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username:
        raise ServiceError("Enter an http:// or https:// address without a user name.", "url")
    return url


def create(actor: User, name: str, url: str, event_types: Iterable[str],
           department_ids: Iterable[int]) -> tuple[Webhook, str]:
    """Add a webhook; returns it with its signing secret, shown to the admin once."""
    name = clean_header(clean(name, "name", 120), 120)
    url = _check_url(url)
    kinds = sorted(set(event_types))
    if not kinds or not set(kinds) <= set(WEBHOOK_EVENTS):
        raise ServiceError("Choose at least one kind of event.", "events")
    departments = departments_by_ids(department_ids)
    secret = secrets.token_hex(32)
    webhook = Webhook(name=name, url=url, secret=secret, event_types=kinds,
                      department_ids=sorted(d.id for d in departments), created_by_id=actor.id)
    db.session.add(webhook)
    db.session.flush()
    audit.record(actor, "webhook.create", webhook, f"Webhook “{name}” added: {url}",
                 after={"url": url, "events": kinds,
                        "departments": [d.name for d in departments]})
    db.session.commit()
    return webhook, secret


def remove(actor: User, webhook: Webhook) -> None:
    """Delete a webhook and its queued deliveries; nothing more is sent to it."""
    audit.record(actor, "webhook.remove", webhook, f"Webhook “{webhook.name}” removed",
                 {"url": webhook.url, "events": webhook.event_types})
    db.session.query(WebhookDelivery).filter_by(webhook_id=webhook.id).delete()
    db.session.delete(webhook)
    db.session.commit()


def payload(case_event: CaseEvent, event_type: str) -> dict[str, Any]:
    """What a receiver gets: the kind of event, the case as it is now, and the event."""
    case = case_event.case
    with in_language(None):  # machines read it: the same words whoever's action sent it
        label = str(case.status_text.label)
    return {"type": event_type, "case": {
        "reference": case.reference, "title": case.title, "status": case.status.value,
        "status_label": label, "department_id": case.department_id,
        "references": [{"system": r.system, "value": r.value} for r in case.references],
    }, "event": serializers.event(case_event)}


def _note_new_events(session: Session, _context: Any) -> None:
    """After a flush: remember the new public events some webhook might want."""
    for obj in session.new:
        if isinstance(obj, CaseEvent) and obj.kind in EVENT_TYPES and \
                obj.visibility == Visibility.PUBLIC:
            session.info.setdefault(PENDING, []).append(obj)


def _queue_deliveries(session: Session) -> None:
    """Before the commit: one delivery per event and interested webhook, same transaction."""
    events = session.info.pop(PENDING, [])
    if not events:
        return
    hooks = list(session.scalars(select(Webhook).where(Webhook.active)))
    for case_event in events:
        kind = EVENT_TYPES[case_event.kind]
        body = None
        for hook in hooks:
            if hook.wants(kind, case_event.case.department_id):
                body = body or json.dumps(payload(case_event, kind), separators=(",", ":"))
                session.add(WebhookDelivery(webhook_id=hook.id, event_id=case_event.id,
                                            event_type=kind, payload=body))


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(PENDING, None)


def install() -> None:
    """Listen on every Flask-SQLAlchemy session (once per process)."""
    for name, listener in (("after_flush", _note_new_events),
                           ("before_commit", _queue_deliveries),
                           ("after_rollback", _forget)):
        if not sa_event.contains(Session, name, listener):
            sa_event.listen(Session, name, listener)
