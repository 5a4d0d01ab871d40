"""Reading what the app sent: the outbox is the customer's mailbox in tests."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyotp
import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.models import OutboxMessage, TwoFactor, utcnow


def require(condition: object, reason: str) -> None:
    """Skip a test whose browser or service is missing; under CI=true fail it instead.

    CI installs and starts everything the suite needs, so a missing part there is a broken
    set-up, never a reason to report green with the tests that need it skipped.
    """
    if condition:
        return
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)

TRANSACTION_STATEMENTS = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def is_query(statement: str) -> bool:
    """A statement that reads or writes rows, not one that only manages the transaction."""
    return not statement.lstrip().upper().startswith(TRANSACTION_STATEMENTS)


@contextmanager
def statements_sent(keep: Callable[[str], bool] | None = None) -> Iterator[list[str]]:
    """Every SQL statement the app sends while the block runs (those `keep` accepts)."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if keep is None or keep(statement):
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_up(url: str) -> bool:
    """Whether a Redis server answers a ping at this URL within a second."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id)))


def last_link(address: str) -> str:
    """The path of the last link emailed to this address (not the "Manage notifications"
    link every customer email ends with: manage_link gives that one)."""
    body = mails_to(address)[-1].body_text
    return [p for p in re.findall(r"https?://[^/\s]+(/\S+)", body)
            if not p.startswith("/notifications/")][-1]


def manage_link(address: str) -> str:
    """The path of the signed "Manage notifications" link in the last email to this address."""
    body = mails_to(address)[-1].body_text
    return re.findall(r"https?://[^/\s]+(/notifications/\S+)", body)[-1]


def two_factor_code(user) -> str:
    """The code an authenticator app would show that the app still accepts now.

    Codes are single use (a replayed step is refused), so this takes the oldest step of the
    ±1 window that is newer than the last one used: three sign-ins of one person per step.
    """
    db.session.expire_all()
    record = db.session.get(TwoFactor, user.id)
    totp = pyotp.TOTP(record.secret)
    moment = utcnow()
    now = totp.timecode(moment)
    # The previous step lapses at the next 30-second boundary: near it, the server could
    # check the code a step later and refuse it, so then start from the current step.
    seconds_left = totp.interval - moment.timestamp() % totp.interval
    oldest = now - 1 if seconds_left > 5 else now
    step = oldest if record.last_step is None else max(oldest, record.last_step + 1)
    assert step <= now + 1, "every code of this 30-second window is used: travel in time"
    return totp.generate_otp(step)
