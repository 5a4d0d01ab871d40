"""The session cookie: slid forward by page loads only, never by background requests."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

from .htmx import is_htmx


def is_background_request() -> bool:
    """A live refresh, an htmx swap or an event stream: the page stays, only a part changes."""
    return is_htmx() or "text/event-stream" in request.headers.get("Accept", "")


class PageSessionInterface(SecureCookieSessionInterface):
    """Background answers set no cookie unless they changed the session.

    The cookie holds the whole session. A live refresh sent before a form post answers and
    answered after it would carry the older session back and overwrite the newer cookie,
    losing what the post stored, such as its "Saved." message. Sliding the expiry on page
    loads alone keeps sign-ins alive just the same.
    """

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        return super().should_set_cookie(app, session) and not is_background_request()


def init_app(app: Flask) -> None:
    app.session_interface = PageSessionInterface()
