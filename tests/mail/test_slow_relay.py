"""A relay slower than the lease: two workers share the outbox and still send each mail once.

Each message takes the relay longer than MAIL_LEASE_SECONDS, so leases run out mid-batch
and the other worker takes those messages over; a worker must notice before it sends.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.mail import worker
from portal.models import OutboxMessage
from portal.services.outbox import queue_email
from tests import factories
from tests.mail.conftest import Recorder

LEASE_SECONDS = 2
RELAY_SECONDS = 2.5  # per message: longer than the lease


class SlowRecorder(Recorder):
    """Takes RELAY_SECONDS over every message before it says 250, like a busy relay."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(RELAY_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(stopped_smtp, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_LEASE_SECONDS", LEASE_SECONDS)
    monkeypatch.setitem(app.config, "MAIL_TIMEOUT", 5)  # slow is not down: no timeouts
    stopped_smtp.handler = SlowRecorder()
    stopped_smtp.start()
    return stopped_smtp


def _queue(count: int) -> list[str]:
    customer = factories.customer()
    messages = [queue_email(f"customer{n}@example.com", f"Update {n}", "sign_in_link",
                            user=customer, link="https://portal.example/l", minutes=10)
                for n in range(count)]
    db.session.commit()
    return [m.message_id for m in messages]


def _all_sent() -> bool:
    db.session.rollback()  # a fresh read: the workers write these rows
    statuses = db.session.scalars(select(OutboxMessage.status)).all()
    return all(status == "sent" for status in statuses)


def _sent_twice(handler: Recorder) -> bool:
    return any(n > 1 for n in Counter(m["Message-ID"] for m in handler.messages()).values())


def _run_worker(app, stop: threading.Event, reports: list[worker.Report]) -> None:
    """`caseloop worker` in a thread: a session of its own, polling until told to stop."""
    with app.app_context():
        while not stop.is_set():
            reports.append(worker.run_once())
            time.sleep(0.05)


def test_two_workers_behind_a_slow_relay_deliver_every_message_once(app, slow_smtp):
    expected = _queue(3)
    stop = threading.Event()
    reports: dict[str, list[worker.Report]] = {"a": [], "b": []}
    threads = [threading.Thread(target=_run_worker, args=(app, stop, reports[name]))
               for name in reports]
    for thread in threads:
        thread.start()
        time.sleep(0.2)  # the first worker claims the whole batch; the second waits its turn
    try:
        deadline = time.monotonic() + 18
        while not _all_sent() and not _sent_twice(slow_smtp.handler):
            assert time.monotonic() < deadline, "the outbox was not delivered in time"
            time.sleep(0.1)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    received = Counter(m["Message-ID"] for m in slow_smtp.handler.messages())
    assert received == Counter(expected)  # every message, each exactly once
    sent_by = {name: sum(r.sent for r in runs) for name, runs in reports.items()}
    assert sum(sent_by.values()) == 3 and all(sent_by.values()), sent_by  # both did work
    assert all(not r.failed and not r.retried for runs in reports.values() for r in runs)
