"""Live updates: what a change announces, and on which channels; streams to open pages.

Nothing here runs by itself: `portal.services.effects` publishes after a commit, calling
`messages_for` before it (the transaction can still read) and `publish` after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, current_app

from .brokers import (
    HEARTBEAT_SECONDS,
    Broker,
    InProcessBroker,
    LiveUnavailable,
    RedisBroker,
    Subscription,
)

if TYPE_CHECKING:
    from ..models import Case

__all__ = ["LiveUnavailable", "Message", "Subscription", "broker", "listen", "messages_for",
           "publish"]

Message = tuple[str, dict]


def case_channel(case_id: int, internal: bool = False) -> str:
    return f"case:{case_id}:{'staff' if internal else 'public'}"


def customer_channel(customer_id: int) -> str:
    return f"customer:{customer_id}"


def department_channel(department_id: int) -> str:
    return f"department:{department_id}"


def broker() -> Broker:
    return current_app.extensions["caseloop_broker"]


def listen(channels: Iterable[str], timeout: float | None = None) -> Subscription:
    """Subscribe at once; the iterator yields messages, and None on each quiet heartbeat.

    Raises LiveUnavailable when the broker cannot be reached (Redis down).
    """
    if timeout is None:
        timeout = current_app.config.get("LIVE_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS)
    return broker().listen(channels, timeout)


def messages_for(case: Case, internal_only: bool,
                 customer_ids: Iterable[int] = ()) -> list[Message]:
    """What to publish for a changed case: staff always hear; unless internal, every customer
    who may see it (`customer_ids`, worked out by services.customer_access; the requester
    always)."""
    message = {"case": case.id, "reference": case.reference, "version": case.version}
    channels = [case_channel(case.id, internal=True), department_channel(case.department_id)]
    if not internal_only:
        viewers = dict.fromkeys([case.customer_id, *customer_ids])
        channels += [case_channel(case.id), *(customer_channel(c) for c in viewers)]
    return [(channel, message) for channel in channels]


def publish(messages: Iterable[Message]) -> None:
    """Send committed changes to open pages; a broker that is down logs it and drops them."""
    broker().publish_all(messages)


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    app.extensions["caseloop_broker"] = RedisBroker(url) if url else InProcessBroker()
