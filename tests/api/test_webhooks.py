"""Webhooks: case events reach a real HTTP server, signed; failures are retried with backoff."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from portal.api import delivery
from portal.api.commands import webhooks_group
from portal.extensions import db
from portal.models import Status, utcnow
from portal.models.api import WEBHOOK_EVENTS, WebhookDelivery
from portal.services import cases, webhooks
from tests import factories


class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers with queued statuses."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                self.send_response(receiver.statuses.pop(0) if receiver.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/caseloop-events"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture(autouse=True)
def _loopback_targets_allowed(app, monkeypatch):
    """These tests deliver to a receiver on 127.0.0.1, which an operator must allow."""
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_PRIVATE_TARGETS", True)


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(5)


@pytest.fixture
def hook(admin, receiver):
    """A webhook for every kind of event and department; returns (webhook, secret)."""
    return webhooks.create(admin, "Head office", receiver.url, list(WEBHOOK_EVENTS), [])


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def test_a_new_case_is_delivered_signed_with_hmac_sha256(hook, receiver):
    webhook, secret = hook
    case = factories.case(title="Recall RC-42 not booked")
    [queued] = _deliveries()
    assert queued.status == "pending" and queued.event_type == "case.opened"
    report = delivery.deliver_due(utcnow())
    assert report.delivered == 1
    [(headers, body)] = receiver.received
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Caseloop-Signature"] == f"sha256={expected}"
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Caseloop-Event"] == "case.opened"
    payload = json.loads(body)
    assert payload["type"] == "case.opened"
    assert payload["case"]["reference"] == case.reference
    assert payload["event"]["body"] == "The garage cannot see my recall."
    [sent] = _deliveries()
    assert sent.status == "delivered" and sent.attempts == 1 and sent.delivered_at is not None
    assert delivery.deliver_due(utcnow()).delivered == 0  # once only


def test_status_changes_replies_and_promises_are_sent_but_internal_notes_never(hook, receiver):
    case = factories.case()
    tom = factories.staff(departments=[case.department])
    cases.add_staff_reply(case, tom, "Internal: the dealer is slow.", internal=True)
    cases.add_staff_reply(case, tom, "We are on it.")
    cases.change_status(case, tom, Status.WAITING_ON_CUSTOMER, "Send the VIN, please.")
    delivery.deliver_due(utcnow())
    kinds = [b["type"] for b in receiver.bodies()]
    assert kinds == ["case.opened", "case.public_reply", "case.status_changed",
                     "case.status_changed"]
    assert "Internal: the dealer is slow." not in str(receiver.bodies())


def test_webhooks_get_only_their_events_and_departments(admin, receiver):
    north, south = factories.department("North"), factories.department("South")
    webhooks.create(admin, "North status", receiver.url, ["case.status_changed"], [north.id])
    factories.case(cat=factories.category(north))
    factories.case(cat=factories.category(south))
    assert _deliveries() == []
    south_case = factories.case(cat=factories.category(south))
    cases.change_status(south_case, factories.staff(), Status.IN_PROGRESS)
    assert _deliveries() == []
    north_case = factories.case(cat=factories.category(north))
    cases.change_status(north_case, factories.staff(), Status.IN_PROGRESS)
    assert [d.event_type for d in _deliveries()] == ["case.status_changed"]


def test_a_rolled_back_event_queues_nothing(hook):
    case = factories.case()
    db.session.query(WebhookDelivery).delete()
    db.session.commit()
    cases.timeline.record(case, cases.EventKind.STAFF_REPLY, factories.staff(), "never sent")
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert _deliveries() == []


def test_a_failing_endpoint_is_retried_with_backoff(hook, receiver):
    factories.case()
    receiver.statuses = [500, 503]
    now = utcnow()
    first = delivery.deliver_due(now)
    assert (first.delivered, first.retrying) == (0, 1)
    [waiting] = _deliveries()
    assert waiting.attempts == 1 and waiting.last_error == "HTTP 500"
    assert waiting.next_attempt_at == now + timedelta(minutes=1)
    assert delivery.deliver_due(now + timedelta(seconds=30)).retrying == 0  # not due yet
    delivery.deliver_due(now + timedelta(minutes=1))
    [waiting] = _deliveries()
    assert waiting.attempts == 2 and waiting.next_attempt_at == now + timedelta(minutes=3)
    assert delivery.deliver_due(now + timedelta(minutes=3)).delivered == 1
    assert len(receiver.received) == 3
    assert len({body for _, body in receiver.received}) == 1  # the same signed body each time


def test_backoff_grows_then_gives_up(hook, receiver):
    factories.case()
    receiver.statuses = [500] * delivery.MAX_ATTEMPTS
    assert [delivery.backoff(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert delivery.backoff(20) == delivery.LONGEST_WAIT
    moment = utcnow()
    for _ in range(delivery.MAX_ATTEMPTS):
        delivery.deliver_due(moment)
        moment += delivery.LONGEST_WAIT
    [given_up] = _deliveries()
    assert given_up.status == "failed" and given_up.attempts == delivery.MAX_ATTEMPTS


def test_an_unreachable_address_is_an_error_not_a_crash(admin):
    webhooks.create(admin, "Nowhere", "http://127.0.0.1:9/", ["case.opened"], [])
    factories.case()
    report = delivery.deliver_due(utcnow())
    assert report.retrying == 1 and report.errors


def test_a_worker_that_died_after_claiming_is_replaced_after_the_lease(hook, receiver):
    factories.case()
    [queued] = _deliveries()
    now = utcnow()
    assert delivery._claim(queued.id, now)  # …and the worker is killed here
    assert delivery.deliver_due(now).delivered == 0
    assert delivery.deliver_due(now + delivery.LEASE).delivered == 1
    assert len(receiver.received) == 1


def test_removing_a_webhook_drops_its_queue(admin, hook, receiver):
    webhook, _ = hook
    factories.case()
    webhooks.remove(admin, webhook)
    assert _deliveries() == []
    assert delivery.deliver_due(utcnow()).delivered == 0 and receiver.received == []


def test_the_cli_delivers_once(hook, receiver, runner):
    factories.case()
    result = runner.invoke(webhooks_group, ["deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output and len(receiver.received) == 1


def test_only_http_addresses_are_accepted(admin):
    for url in ("ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)",
                "http://user:pw@example.com/", "http:///nohost"):
        with pytest.raises(webhooks.ServiceError):
            webhooks.create(admin, "Bad", url, ["case.opened"], [])
