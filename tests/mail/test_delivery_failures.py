"""Outbound when things go wrong: server down, 4xx, 5xx, a hanging server, a killed worker."""

from __future__ import annotations

import time
from datetime import timedelta

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.mail import worker
from portal.models import OutboxMessage, Role, utcnow
from portal.services.outbox import queue_email
from tests import factories


def _queue(to="dana@example.com") -> int:
    message = queue_email(to, "Hello", "sign_in_link", user=factories.customer(),
                          link="https://x.example/l", minutes=10)
    db.session.commit()
    return message.id


def _row(message_id: int) -> OutboxMessage:
    db.session.expire_all()
    return db.session.get(OutboxMessage, message_id)


def test_smtp_down_keeps_the_message_pending_then_delivers_it_once(stopped_smtp):
    message_id = _queue()
    report = worker.run_once()

    row = _row(message_id)
    assert report.retried == 1 and row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at > utcnow() and "Connection" in row.last_error
    assert worker.run_once().retried == 0  # not due yet: nothing tried, nothing lost

    stopped_smtp.start()
    with time_machine.travel(utcnow() + timedelta(seconds=61), tick=False):
        assert worker.run_once().sent == 1
        assert worker.run_once().sent == 0
    assert len(stopped_smtp.handler.received) == 1
    row = _row(message_id)
    assert row.status == "sent" and row.attempts == 2 and row.last_error == ""


def test_a_4xx_answer_is_retried_later_with_growing_backoff(smtp):
    smtp.handler.answer = "450 Mailbox busy, try later"
    message_id = _queue()
    start = utcnow()
    worker.run_once()
    first = _row(message_id)
    assert first.status == "pending" and "450" in first.last_error
    assert timedelta(seconds=59) < first.next_attempt_at - start <= timedelta(seconds=61)

    with time_machine.travel(first.next_attempt_at + timedelta(seconds=1), tick=False):
        worker.run_once()
        second = _row(message_id)
        assert second.attempts == 2
        assert second.next_attempt_at - utcnow() == timedelta(seconds=120)  # doubled

    smtp.handler.answer = None
    with time_machine.travel(second.next_attempt_at + timedelta(seconds=1), tick=False):
        assert worker.run_once().sent == 1
    assert _row(message_id).status == "sent" and len(smtp.handler.received) == 1


def test_retries_stop_after_the_maximum_number_of_attempts(smtp, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    smtp.handler.answer = "421 Service not available"
    message_id = _queue()
    worker.run_once()
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=False):
        worker.run_once()
    row = _row(message_id)
    assert row.status == "failed" and row.attempts == 2
    assert row.last_error.startswith("Gave up after 2 attempts: 421")


def test_a_5xx_answer_fails_the_message_and_staff_see_why(smtp, client, login):
    smtp.handler.answer = "550 5.1.1 No such user here"
    message_id = _queue("gone@example.com")
    assert worker.run_once().failed == 1
    row = _row(message_id)
    assert row.status == "failed" and row.attempts == 1
    assert "550 5.1.1 No such user" in row.last_error
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        assert worker.run_once().failed == 0  # failed is final: never tried again

    login(client, factories.staff(Role.ADMIN))  # mail about no case: admins see it
    page = client.get("/admin/outbox?status=failed")
    assert page.status_code == 200
    assert "gone@example.com" in page.text and "550 5.1.1 No such user here" in page.text


def test_a_hanging_server_times_out_quickly_and_the_message_waits(hanging_smtp):
    message_id = _queue()
    started = time.monotonic()
    report = worker.run_once()
    assert time.monotonic() - started < 5
    row = _row(message_id)
    assert report.retried == 1 and row.status == "pending" and "timed out" in row.last_error


def test_a_message_claimed_by_a_killed_worker_is_sent_once_after_its_lease(smtp):
    message_id = _queue()
    row = _row(message_id)
    row.status, row.claimed_by = "sending", "dead-worker:1"
    row.lease_until = utcnow() + timedelta(minutes=5)
    db.session.commit()

    assert worker.run_once().sent == 0  # still leased: the other worker may be sending it
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        assert worker.run_once().sent == 1
        assert worker.run_once().sent == 0
    assert len(smtp.handler.received) == 1
    row = _row(message_id)
    assert row.status == "sent" and row.claimed_by is None and row.lease_until is None


def test_a_late_finish_from_a_worker_that_lost_its_lease_changes_nothing(smtp):
    message_id = _queue()
    [claimed] = worker.claim("slow-worker")
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        assert worker.run_once().sent == 1  # the lease ran out: another worker took over
    worker._finish(claimed.id, "slow-worker", status="failed", last_error="late")
    assert _row(message_id).status == "sent"


def test_two_claims_never_share_a_message(smtp):
    ids = {_queue() for _ in range(3)}
    first = worker.claim("a", limit=2)
    second = worker.claim("b", limit=5)
    assert len(first) == 2 and len(second) == 1
    assert {m.id for m in first} | {m.id for m in second} == ids
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.status == "pending")) is None
