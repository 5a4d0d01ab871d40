"""The session cookie: slid forward by page loads only, never by background requests."""

from __future__ import annotations

import copy
import functools
import time
from typing import Any

from flask import Flask, Request, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .htmx import is_htmx

# Sliding the expiry means re-signing (and compressing) the cookie. Doing it on every page
# load cost about a tenth of a signed-in request; once a minute keeps the same rule: the
# signature's own time is what ends an idle session (PERMANENT_SESSION_LIFETIME after it),
# so a sign-in now lapses at most this much sooner than before, never later.
REFRESH_AFTER_SECONDS = 60


def is_background_request() -> bool:
    """A live refresh, an htmx swap or an event stream: the page stays, only a part changes."""
    return is_htmx() or "text/event-stream" in request.headers.get("Accept", "")


class PageSession(SecureCookieSession):
    """The session, knowing when its cookie was signed (None: no valid cookie came)."""

    signed_at: int | None = None


class PageSessionInterface(SecureCookieSessionInterface):
    """Background answers set no cookie unless they changed the session.

    The cookie holds the whole session. A live refresh sent before a form post answers and
    answered after it would carry the older session back and overwrite the newer cookie,
    losing what the post stored, such as its "Saved." message. Sliding the expiry on page
    loads alone keeps sign-ins alive just the same.
    """

    session_class = PageSession

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        # Built once per set of keys, not twice per request (opening and saving).
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None and app.secret_key:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app: Flask, request: Request) -> PageSession | None:
        """Flask's, keeping the time the cookie was signed (see should_set_cookie)."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        cookie = request.cookies.get(self.get_cookie_name(app))
        if not cookie:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = _opened(serializer, cookie)
        except BadSignature:
            return self.session_class()
        age = int(time.time()) - signed_at
        if age < 0 or age > max_age:  # expired, as itsdangerous' own check words it
            return self.session_class()
        # A copy: the session is changed in place (flash appends to its list).
        session = self.session_class(copy.deepcopy(data))
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if session.modified:
            return True
        return (super().should_set_cookie(app, session) and not is_background_request()
                and _due_for_refresh(session))


# Checking a cookie's signature and decoding it cost ~70 µs, on every request, for the same
# few cookies a browser sends again and again. What one exact cookie holds never changes:
# a cookie seen before is read from here, its age still checked on every request. Only
# cookies that passed the check are kept (an exception is not cached).
@functools.lru_cache(maxsize=4096)
def _opened(serializer: URLSafeTimedSerializer, cookie: str) -> tuple[dict[str, Any], int]:
    data, signed = serializer.loads(cookie, return_timestamp=True)
    return data, int(signed.timestamp())


def _due_for_refresh(session: SessionMixin) -> bool:
    signed_at = getattr(session, "signed_at", None)
    return signed_at is None or time.time() - signed_at >= REFRESH_AFTER_SECONDS


def init_app(app: Flask) -> None:
    app.session_interface = PageSessionInterface()
