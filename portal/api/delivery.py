"""Sending queued webhook deliveries: signed, claimed with a lease, retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from ..extensions import db
from ..models.api import WebhookDelivery
from ..services import leased_jobs, webhook_targets

SIGNATURE_HEADER = "X-Caseloop-Signature"
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = leased_jobs.LONGEST_WAIT
# A worker killed mid-send leaves its claim; after the lease another worker sends again.
LEASE = timedelta(minutes=2)
TIMEOUT_SECONDS = 10


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.delivered} delivered, {self.retrying} to retry, {self.failed} failed"


def sign(secret: str, body: bytes) -> str:
    """The signature header value: sha256=<hex HMAC-SHA256 of the exact body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> timedelta:
    """How long to wait after this many failed attempts: 1, 2, 4 … minutes, at most 6 hours."""
    return leased_jobs.backoff(attempts, FIRST_RETRY, LONGEST_WAIT)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would resend the event somewhere the admin never configured.
    def redirect_request(self, *_args, **_kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)
# Straight to the receiver (no proxy from the environment: we check the address we connect
# to), and only to public addresses.
_public_opener = urllib.request.build_opener(
    _NoRedirects, urllib.request.ProxyHandler({}), webhook_targets.PublicHTTPHandler,
    webhook_targets.PublicHTTPSHandler)


@dataclass(frozen=True)
class _Outgoing:
    """What one send needs, read before the transaction ends."""

    delivery_id: int
    url: str
    secret: str
    event_type: str
    body: bytes


def _post(out: _Outgoing) -> str | None:
    """Send one delivery; None when the receiver answered 2xx, else what went wrong."""
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        out.url, data=out.body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": "Caseloop-Webhooks/1",
            "X-Caseloop-Event": out.event_type, "X-Caseloop-Delivery": str(out.delivery_id),
            SIGNATURE_HEADER: sign(out.secret, out.body)})
    opener = _opener if webhook_targets.private_allowed() else _public_opener
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1024)
            return None
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the open response
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:500]


def _outgoing(delivery_id: int) -> _Outgoing | None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook is None:
        return None
    out = _Outgoing(delivery.id, delivery.webhook.url, delivery.webhook.secret,
                    delivery.event_type, delivery.payload.encode())
    db.session.commit()  # no transaction stays open while we wait on the network
    return out


def _due(now: datetime) -> ColumnElement[bool]:
    # A claimed delivery's next attempt is its lease's end: due again if the worker died.
    return (WebhookDelivery.status == "pending") & (WebhookDelivery.next_attempt_at <= now)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this worker until the lease ends; False when another has it."""
    return leased_jobs.claim(
        WebhookDelivery, _due(now) & (WebhookDelivery.id == delivery_id),
        {"attempts": WebhookDelivery.attempts + 1, "next_attempt_at": now + LEASE},
        limit=1) == 1


def _record(delivery: WebhookDelivery, error: str | None, now: datetime,
            report: DeliveryReport) -> None:
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, ""
        report.delivered += 1
    elif (again := leased_jobs.retry_at(delivery.attempts, MAX_ATTEMPTS, FIRST_RETRY,
                                        now)) is None:
        delivery.status, delivery.last_error = "failed", error
        report.failed += 1
    else:
        delivery.next_attempt_at, delivery.last_error = again, error
        report.retrying += 1
    if error:
        report.errors.append(f"delivery {delivery.id}: {error}")
    db.session.commit()


def deliver_due(now: datetime, limit: int = 100) -> DeliveryReport:
    """Send every pending delivery that is due at `now`, oldest first."""
    report = DeliveryReport()
    due = list(db.session.scalars(
        select(WebhookDelivery.id).where(_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))
    db.session.commit()
    for delivery_id in due:
        out = _outgoing(delivery_id) if _claim(delivery_id, now) else None
        if out is None:
            continue
        error = _post(out)
        delivery = db.session.get(WebhookDelivery, delivery_id)
        if delivery is not None:  # removed with its webhook meanwhile
            _record(delivery, error, now, report)
    return report
