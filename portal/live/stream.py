"""Server-Sent Events responses that hold no database connection while they wait."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from flask import Response, current_app

from ..extensions import db
from . import LiveUnavailable, listen

# While live updates are down, how long a page should wait before trying its stream again
# (htmx's SSE extension backs off by itself; the page polls with ETags meanwhile).
RETRY_SECONDS = 30


def sse_response(channels: Iterable[str], still_allowed: Callable[[], bool]) -> Response:
    """Stream `changed` events for these channels until the viewer's session ends; 503
    when live updates are unavailable, which the page's script turns into polling."""
    app = current_app._get_current_object()
    if app.config.get("SERVE_POOL") == "pages":
        # A proxy sent a stream to the sync pool, where it would hold a worker until
        # gunicorn's timeout killed it: refuse, and the page polls instead.
        return unavailable()
    try:
        messages = listen(channels)  # subscribed before the first byte goes out
    except LiveUnavailable:
        return unavailable()
    # Give the connection back now: a stream may stay open for hours.
    db.session.remove()

    def generate():
        yield "retry: 3000\n\n"
        for message in messages:
            if message is not None:
                yield f"event: changed\ndata: {json.dumps(message)}\n\n"
                continue
            # A quiet heartbeat: is the viewer still signed in? (A short, separate session.)
            with app.app_context():
                allowed = still_allowed()
                db.session.remove()
            if not allowed:
                yield "event: ended\ndata: {}\n\n"
                return
            yield ": heartbeat\n\n"

    response = Response(generate(), mimetype="text/event-stream",
                        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    response.call_on_close(messages.close)  # unsubscribe however the stream ends
    return response


def unavailable() -> Response:
    """No stream now: an EventSource that gets this stops, and the page polls instead."""
    return Response("Live updates are unavailable; this page refreshes itself.\n", 503,
                    mimetype="text/plain",
                    headers={"Retry-After": str(RETRY_SECONDS), "Cache-Control": "no-store"})


def session_checker(user_id: int, session_version: int) -> Callable[[], bool]:
    """True while the user is active and has not signed out (their session version holds)."""
    from ..models import User

    def check() -> bool:
        user = db.session.get(User, user_id)
        return bool(user and user.active and user.session_version == session_version)

    return check
