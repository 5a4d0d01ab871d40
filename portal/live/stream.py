"""Server-Sent Events responses that hold no database connection while they wait."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from flask import Response, current_app

from ..extensions import db
from . import listen


def sse_response(channels: Iterable[str], still_allowed: Callable[[], bool]) -> Response:
    """Stream `changed` events for these channels until the viewer's session ends."""
    app = current_app._get_current_object()
    messages = listen(channels)  # subscribed before the first byte goes out
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


def session_checker(user_id: int, session_version: int) -> Callable[[], bool]:
    """True while the user is active and has not signed out (their session version holds)."""
    from ..models import User

    def check() -> bool:
        user = db.session.get(User, user_id)
        return bool(user and user.active and user.session_version == session_version)

    return check
