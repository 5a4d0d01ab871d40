"""Live updates: changes are announced after they commit, and streamed to open pages.

Services never call this directly: `timeline.record` marks the case as changed on the
session, and the after-commit hook publishes, so a rolled-back change is never announced.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .brokers import HEARTBEAT_SECONDS, Broker, InProcessBroker, RedisBroker, Subscription

_PENDING = "caseloop_live"
_READY = "caseloop_live_ready"
_hooked = False


def case_channel(case_id: int, internal: bool = False) -> str:
    return f"case:{case_id}:{'staff' if internal else 'public'}"


def customer_channel(customer_id: int) -> str:
    return f"customer:{customer_id}"


def department_channel(department_id: int) -> str:
    return f"department:{department_id}"


def announce(session: Session, case, internal: bool) -> None:
    """Remember that this case changed; published only if the transaction commits."""
    pending = session.info.setdefault(_PENDING, {})
    key = case.id if case.id is not None else id(case)
    pending[key] = (case, pending.get(key, (case, True))[1] and internal)


def broker() -> Broker:
    return current_app.extensions["caseloop_broker"]


def listen(channels: Iterable[str], timeout: float | None = None) -> Subscription:
    """Subscribe at once; the iterator yields messages, and None on each quiet heartbeat."""
    if timeout is None:
        timeout = current_app.config.get("LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)
    return broker().listen(channels, timeout)


def _before_commit(session: Session) -> None:
    """Work out the messages while the transaction can still read (after commit it cannot)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    session.flush()
    ready = session.info.setdefault(_READY, [])
    for case, internal_only in pending.values():
        message = {"case": case.id, "reference": case.reference, "version": case.version}
        channels = [case_channel(case.id, internal=True), department_channel(case.department_id)]
        if not internal_only:
            channels += [case_channel(case.id), customer_channel(case.customer_id)]
        ready.extend((channel, message) for channel in channels)


def _after_commit(session: Session) -> None:
    for channel, message in session.info.pop(_READY, ()):
        broker().publish(channel, message)


def _after_rollback(session: Session, _previous_transaction=None) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_READY, None)


def init_app(app: Flask) -> None:
    global _hooked
    url = app.config.get("REDIS_URL")
    app.extensions["caseloop_broker"] = RedisBroker(url) if url else InProcessBroker()
    if _hooked:  # one set of listeners per process; each app finds its own broker
        return
    with app.app_context():
        session_class = db.session.session_factory.class_
    event.listen(session_class, "before_commit", _before_commit)
    event.listen(session_class, "after_commit", _after_commit)
    event.listen(session_class, "after_soft_rollback", _after_rollback)
    _hooked = True
