"""Deliver the outbox over SMTP: leases checked before each send, 4xx retried, 5xx failed."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import smtplib
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select

from ..extensions import db
from ..models import OutboxMessage, utcnow
from ..models.outbox import FAILED, PENDING, SENDING, SENT
from ..services import leased_jobs
from . import compose

log = logging.getLogger(__name__)
BATCH = 20


@dataclass
class Report:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    taken_over: int = 0  # leases that ran out before their turn: another worker sends them
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        taken = f", taken over {self.taken_over}" if self.taken_over else ""
        return f"sent {self.sent}, to retry {self.retried}, failed {self.failed}{taken}"


class Temporary(Exception):
    """Worth trying again later: 4xx, refused or dropped connections, timeouts."""


class Permanent(Exception):
    """The server said no for good (5xx): retrying would only annoy it."""


def worker_name() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now),
    )


def claim(owner: str, limit: int = BATCH,
          skip: frozenset[int] = frozenset()) -> list[OutboxMessage]:
    """Lease up to `limit` due messages to this claim; a second worker cannot take them."""
    now = utcnow()
    lease = now + timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    # Attempts are counted when a send starts (deliver), not here: a message taken over
    # before anyone tried it has not used one up.
    leased_jobs.claim(OutboxMessage, _due(now),
                      {"status": SENDING, "claimed_by": owner, "lease_until": lease},
                      limit=limit, skip=skip)
    batch = list(db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.claimed_by == owner, OutboxMessage.status == SENDING)
        .order_by(OutboxMessage.id)
        .execution_options(populate_existing=True)
    ))
    for message in batch:
        db.session.expunge(message)  # loaded copies: no query (or lock) held while talking SMTP
    db.session.commit()
    return batch


def send(message: OutboxMessage) -> None:
    """One SMTP conversation for one message; raises Temporary or Permanent on failure."""
    smtp = smtplib.SMTP(timeout=current_app.config["MAIL_TIMEOUT"])
    try:
        _converse(smtp, message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        raise _by_code(code, text) from exc
    except (smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError) as exc:
        raise Temporary(f"SMTP set-up: {exc}") from exc  # our configuration, not the mail
    except smtplib.SMTPResponseException as exc:
        raise _by_code(exc.smtp_code, exc.smtp_error) from exc
    except (OSError, smtplib.SMTPException) as exc:  # refused, reset, timed out, dropped
        raise Temporary(f"{type(exc).__name__}: {exc}") from exc
    finally:
        smtp.close()


def _converse(smtp: smtplib.SMTP, message: OutboxMessage) -> None:
    cfg = current_app.config
    smtp.connect(cfg["MAIL_SERVER"], cfg["MAIL_PORT"])
    if cfg["MAIL_USE_TLS"]:
        smtp.starttls(context=ssl.create_default_context())
    if cfg["MAIL_USERNAME"]:
        smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
    smtp.send_message(compose.build(message), from_addr=compose.envelope_sender(),
                      to_addrs=[message.to_address])
    # The server has the message now: a failing QUIT must not make us send it twice.
    with contextlib.suppress(OSError, smtplib.SMTPException):
        smtp.quit()


def _by_code(code: int, text: bytes | str) -> Exception:
    said = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    error = f"{code} {said}".strip()
    return Permanent(error) if 500 <= code < 600 else Temporary(error)


def _finish(message_id: int, owner: str, **values) -> None:
    """Record an outcome, but only while this claim still owns the message."""
    leased_jobs.release(OutboxMessage, message_id, owner, **values)


def _first_retry() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8… times MAIL_RETRY_SECONDS after each failed attempt, at most six hours."""
    return leased_jobs.backoff(attempts, _first_retry())


def deliver(message: OutboxMessage, owner: str, report: Report) -> None:
    """Send one claimed message and write down what happened; skipped if the claim was lost."""
    seconds = current_app.config["MAIL_LEASE_SECONDS"]
    # Earlier sends of the batch may have outlasted the lease, and another worker may have
    # taken this message over: only a claim that still holds may send. Counted here, so a
    # worker killed mid-send has used an attempt.
    if not leased_jobs.renew(OutboxMessage, message.id, owner, seconds,
                        attempts=OutboxMessage.attempts + 1):
        report.taken_over += 1
        return
    attempts = message.attempts + 1
    try:
        with leased_jobs.kept(OutboxMessage, message.id, owner, seconds):  # a slow relay
            send(message)
    except Permanent as exc:
        _finish(message.id, owner, status=FAILED, last_error=str(exc)[:2000])
        report.failed += 1
        report.errors.append(str(exc))
    except Temporary as exc:
        _defer(message.id, owner, attempts, str(exc), report)
    except Exception as exc:  # a message we cannot even build: keep it visible, stop trying
        log.exception("outbox message %s could not be sent", message.id)
        _finish(message.id, owner, status=FAILED,
                last_error=f"{type(exc).__name__}: {exc}"[:2000])
        report.failed += 1
    else:
        _finish(message.id, owner, status=SENT, sent_at=utcnow(), last_error="")
        report.sent += 1


def _defer(message_id: int, owner: str, attempts: int, error: str, report: Report) -> None:
    again = leased_jobs.retry_at(attempts, current_app.config["MAIL_MAX_ATTEMPTS"],
                                 _first_retry())
    if again is None:
        _finish(message_id, owner, status=FAILED,
                last_error=f"Gave up after {attempts} attempts: {error}"[:2000])
        report.failed += 1
    else:
        _finish(message_id, owner, status=PENDING, last_error=error[:2000],
                next_attempt_at=again)
        report.retried += 1
    report.errors.append(error)


def run_once() -> Report:
    """Deliver everything that is due now, then return (what `caseloop worker --once` does)."""
    report, tried = Report(), set()
    while True:
        owner = f"{worker_name()}:{secrets.token_hex(4)}"
        # Each message at most once per run, even if a retry is due again at once.
        batch = claim(owner, skip=frozenset(tried))
        if not batch:
            return report
        for message in batch:
            tried.add(message.id)
            deliver(message, owner, report)


def run_forever(stop_after: int | None = None) -> None:
    """Poll the outbox every MAIL_POLL_SECONDS; survives database and SMTP hiccups."""
    rounds = 0
    while stop_after is None or rounds < stop_after:
        try:
            report = run_once()
            if report.sent or report.retried or report.failed or report.taken_over:
                log.info("outbox: %s", report)
        except Exception:  # e.g. the database restarting: wait, then carry on
            db.session.rollback()
            log.exception("outbox round failed")
        finally:
            db.session.remove()
        rounds += 1
        time.sleep(current_app.config["MAIL_POLL_SECONDS"])
