"""Error pages: one template, a fragment for htmx swaps, a rollback after failures."""

from __future__ import annotations

import re

from flask import Flask, g, render_template, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from portal.web.lazy_text import lazy_gettext as _l

from .. import ratelimit
from ..api import errors as api_errors
from ..database import SAFE_METHODS, committed_in_request, discard_session
from ..extensions import db, login_manager
from .htmx import htmx_response, wants_fragment

MESSAGES = {
    400: (_l("Bad request"), _l("We could not understand that request. Nothing was changed.")),
    403: (_l("Not allowed"), _l("Your account is not allowed to do that.")),
    404: (_l("Not found"), _l("There is nothing here, or it is not yours to see.")),
    405: (_l("Not allowed"), _l("That page cannot be used this way.")),
    409: (_l("Changed meanwhile"),
          _l("Someone changed this in the meantime. Reload and try again.")),
    413: (_l("Too large"), _l("That upload is too large. Nothing was saved.")),
    429: (_l("Slow down"), _l("Too many attempts. Wait a moment and try again.")),
    500: (_l("Something went wrong"),
          _l("It is our fault, not yours. Nothing you sent was lost.")),
    503: (_l("We're having trouble"), _l("We're having trouble right now. Nothing you wrote "
                                         "was lost: try again in a few seconds.")),
}
SAVED = _l("We're having trouble showing the next page, but what you sent was saved. "
           "Reload in a few seconds to see it; there is no need to send it again.")
# The prose fields a failed form's 503 page shows back (never passwords, codes or tokens).
WORDS_FIELD = re.compile(r"(^|[-_])(body|comment|note|explanation|outcome|reason|summary|"
                         r"title|what|what_was_done|told_customer|customer_line)$")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, (str(code), ""))
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    # str(): Jinja does not escape lazy strings (their __html__ is the raw text).
    body = render_template(template, code=code, title=str(title),
                           message=str(detail or message))
    return body, code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if api_errors.is_api_path():  # an unknown API path or method: JSON like the rest
            return api_errors.unrouted(exc)
        detail = exc.description if exc.code == 400 and _is_csrf(exc) else None
        response = exc.get_response()
        body, code = render_error(exc.code or 500, detail)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(RateLimitExceeded)
    def _too_many(exc: RateLimitExceeded):
        seconds = ratelimit.retry_after()
        body, code = render_error(429, _("Too many attempts. For your safety, please wait "
                                         "%(wait)s and try again.",
                                         wait=ratelimit.wait_text(seconds)))
        return body, code, {"Retry-After": str(seconds)}

    # Lost or refused connections, SQLite lock timeouts: the database, not the request.
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _db_trouble(exc):
        app.logger.warning("database unavailable: %s", exc)
        return database_trouble()

    @app.errorhandler(500)
    def _server_error(exc):
        discard_session(db)
        return render_error(500)


def database_trouble():
    """A 503 rendered without the database, saying whether this request's change was saved."""
    discard_session(db)
    saved = request.method not in SAFE_METHODS and committed_in_request()
    # The signed-in user's row cannot be read now: the page is drawn for nobody.
    g._login_user = login_manager.anonymous_user()
    headers = {"Retry-After": "5"}
    if wants_fragment():
        body, code = render_error(503, SAVED if saved else None)
        # Once saved, reload to show what was saved rather than invite a second copy of it.
        return htmx_response(body, code, headers, refresh=saved)
    words = [] if saved else _words_sent()
    body = render_template("errors/unavailable.html", saved=saved, words=words,
                           message=str(SAVED if saved else MESSAGES[503][1]))
    return body, 503, headers


def _words_sent() -> list[str]:
    """The prose the person typed into the failed form, so that none of it is lost."""
    try:
        values = request.form.items(multi=True)
        return [v for k, v in values if v.strip() and WORDS_FIELD.search(k)]
    except HTTPException:  # a body too large to read again: the browser still has it
        return []


def _is_csrf(exc: HTTPException) -> bool:
    return "CSRF" in (exc.description or "") and request.method not in ("GET", "HEAD")
