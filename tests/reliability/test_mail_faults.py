"""The real `caseloop worker` process against a real SMTP server that fails.

tests/mail/test_delivery_failures.py covers each rule in-process (4xx backoff, 5xx, timeouts,
leases) with a frozen clock. Here the long-running worker itself meets an SMTP server that is
down for a while, and a SIGKILL in the middle of a delivery; Message-IDs are counted.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage
from portal.services.outbox import queue_email
from tests import factories
from tests.helpers import free_port
from tests.mail.conftest import Recorder, SmtpServer

pytestmark = pytest.mark.slow  # minutes of real servers and load: `make test-slow`

ROOT = Path(__file__).resolve().parents[2]


def _queue(to: str) -> int:
    message = queue_email(to, "Your sign-in link", "sign_in_link", user=factories.customer(),
                          link="https://portal.example/l", minutes=10)
    db.session.commit()
    return message.id


def _rows(ids: list[int]) -> list[OutboxMessage]:
    db.session.rollback()  # a fresh read: the worker process writes these rows
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)))


def _wait(condition, what: str, seconds: float = 40):
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return result


def _worker(app, port: int, log: Path, **env: str) -> subprocess.Popen:
    """`caseloop worker` (run_forever), polling fast and retrying after 1, 2, 4… seconds."""
    settings = {"DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
                "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(port), "MAIL_TIMEOUT": "2",
                "MAIL_RETRY_SECONDS": "1", "MAIL_POLL_SECONDS": "0.2",
                "MAIL_LEASE_SECONDS": "3", "MAIL_MAX_ATTEMPTS": "20", **env}
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-m", "flask", "--app", "portal:create_app", "worker"],
            cwd=ROOT, env=os.environ | settings, stdout=out, stderr=subprocess.STDOUT)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def _message_ids(recorder: Recorder) -> list[str]:
    return [m["Message-ID"] for m in recorder.messages()]


def test_mail_queued_while_smtp_is_down_is_delivered_once_when_it_returns(app, tmp_path):
    port = free_port()
    smtp = SmtpServer(port)  # not started: nothing listens on the port
    ids = [_queue(f"customer{n}@example.com") for n in range(5)]
    worker = _worker(app, port, tmp_path / "worker.log")
    try:
        # Down: every try fails, nothing is lost, and the pauses between tries double.
        seen: dict[int, dict[int, datetime]] = {i: {} for i in ids}  # id → attempts → next try

        def three_tries_each() -> bool:
            for row in _rows(ids):
                assert row.status in ("pending", "sending"), row.last_error
                if row.status == "pending" and row.attempts:
                    seen[row.id][row.attempts] = row.next_attempt_at
            return all(len(tries) >= 3 for tries in seen.values())

        _wait(three_tries_each, "three failed tries of each message")
        for row in _rows(ids):
            assert "Connection" in row.last_error and row.sent_at is None
        for tries in seen.values():
            for attempt in sorted(tries)[:-1]:
                if attempt + 1 in tries:  # the next try came only after a pause of 2^a s
                    pause = tries[attempt + 1] - tries[attempt]
                    assert pause >= timedelta(seconds=2 ** attempt), (attempt, pause)

        smtp.start()
        _wait(lambda: all(r.status == "sent" for r in _rows(ids)), "delivery once SMTP is back")
        # One more message, delivered later by the same worker: its rounds since then
        # did not send the first five again.
        later = _queue("latecomer@example.com")
        _wait(lambda: _rows([later])[0].status == "sent", "a message queued afterwards")
    finally:
        _stop(worker)
        smtp.stop()

    expected = [row.message_id for row in _rows([*ids, later])]
    assert sorted(_message_ids(smtp.handler)) == sorted(expected)  # each exactly once
    assert all(row.last_error == "" for row in _rows(ids))


class StallingRecorder(Recorder):
    """Stalls on DATA for one recipient, once, until released; records as told."""

    def __init__(self, stall_for: str, accept_first: bool) -> None:
        super().__init__()
        self.stall_for, self.accept_first = stall_for, accept_first
        self.stalled, self.release = threading.Event(), threading.Event()
        self.times: list[datetime] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.stall_for in envelope.rcpt_tos and not self.stalled.is_set():
            if self.accept_first:  # the server took it; our "250 OK" never reaches the worker
                self._keep(envelope)
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 Too late"  # the worker is dead by now
        self._keep(envelope)
        return "250 Message accepted for delivery"

    def _keep(self, envelope) -> None:
        self.received.append(envelope.original_content or envelope.content)
        self.times.append(datetime.now(UTC))


@pytest.mark.parametrize("accepted_before_kill", [False, True],
                         ids=["killed-before-smtp-accepted", "killed-after-smtp-accepted"])
def test_worker_killed_mid_delivery_loses_nothing(app, tmp_path, accepted_before_kill):
    port = free_port()
    smtp = SmtpServer(port)
    smtp.handler = StallingRecorder("stall@example.com", accepted_before_kill)
    smtp.start()
    ids = [_queue(to) for to in ("a@example.com", "b@example.com", "stall@example.com",
                                 "d@example.com")]
    first = _worker(app, port, tmp_path / "worker.log", MAIL_TIMEOUT="60")
    try:
        assert smtp.handler.stalled.wait(60), "the worker never reached the stalling message"
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        rows = _rows(ids)
        assert [r.status for r in rows] == ["sent", "sent", "sending", "sending"]
        leases = {r.id: r.lease_until for r in rows if r.status == "sending"}
        smtp.handler.release.set()

        second = _worker(app, port, tmp_path / "worker.log")
        try:
            _wait(lambda: all(r.status == "sent" for r in _rows(ids)), "delivery after restart")
        finally:
            _stop(second)
    finally:
        _stop(first)
        smtp.handler.release.set()
        smtp.stop()

    rows = _rows(ids)
    copies = {row.message_id: _message_ids(smtp.handler).count(row.message_id) for row in rows}
    stalled, waiting = rows[2], rows[3]
    assert all(copies[r.message_id] == 1 for r in (rows[0], rows[1], waiting))
    # Exactly once unless the server had taken the message when the worker died: then it
    # is sent again (at least once), with the same Message-ID, which mail clients dedupe on.
    assert copies[stalled.message_id] == (2 if accepted_before_kill else 1)
    # Reclaimed only once the dead worker's lease had run out. Only a send that began counts
    # as a try: the stalled message has had two, the one waiting behind it just the one.
    resent = smtp.handler.times[-2:]
    assert all(at >= min(leases.values()) for at in resent)
    assert (stalled.attempts, waiting.attempts) == (2, 1)
