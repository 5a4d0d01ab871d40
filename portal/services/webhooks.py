"""Outgoing webhooks: admins add and remove them; case events queue signed deliveries.

Deliveries are queued by `portal.services.effects` when a service commits a case event
(see `portal.services.webhook_outbox`), in the same transaction as the event.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import func, select

from ..extensions import db
from ..models import User
from ..models.api import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from . import audit, effects, webhook_targets
from .catalog import departments_by_ids
from .errors import NotFound, ServiceError
from .headers import clean_header
from .text import clean


def all_webhooks() -> list[Webhook]:
    return list(db.session.scalars(select(Webhook).order_by(Webhook.id)))


def delivery_counts() -> dict[tuple[int, str], int]:
    """How many deliveries each webhook has in each status, for the settings page."""
    rows = db.session.execute(select(WebhookDelivery.webhook_id, WebhookDelivery.status,
                                     func.count()).group_by(WebhookDelivery.webhook_id,
                                                            WebhookDelivery.status))
    return {(hook_id, status): count for hook_id, status, count in rows}


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
    webhook_targets.check_registration(url)
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
    effects.commit()
    return webhook, secret


def remove(actor: User, webhook: Webhook) -> None:
    """Delete a webhook and its queued deliveries; nothing more is sent to it."""
    audit.record(actor, "webhook.remove", webhook, f"Webhook “{webhook.name}” removed",
                 {"url": webhook.url, "events": webhook.event_types})
    db.session.query(WebhookDelivery).filter_by(webhook_id=webhook.id).delete()
    db.session.delete(webhook)
    effects.commit()
