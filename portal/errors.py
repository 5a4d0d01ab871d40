"""Error pages: one template, a fragment for htmx swaps, a rollback after failures."""

from __future__ import annotations

from flask import Flask, render_template, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .htmx import wants_fragment

MESSAGES = {
    400: ("Bad request", "We could not understand that request. Nothing was changed."),
    403: ("Not allowed", "Your account is not allowed to do that."),
    404: ("Not found", "There is nothing here, or it is not yours to see."),
    405: ("Not allowed", "That page cannot be used this way."),
    409: ("Changed meanwhile", "Someone changed this in the meantime. Reload and try again."),
    413: ("Too large", "That upload is too large. Nothing was saved."),
    429: ("Slow down", "Too many attempts. Wait a moment and try again."),
    500: ("Something went wrong", "It is our fault, not yours. Nothing you sent was lost."),
    503: ("Unavailable", "We are briefly unavailable. Try again in a few seconds."),
}


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, (str(code), ""))
    template = "errors/_error.html" if wants_fragment() else "errors/error.html"
    body = render_template(template, code=code, title=title, message=detail or message)
    return body, code


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        detail = exc.description if exc.code == 400 and _is_csrf(exc) else None
        response = exc.get_response()
        body, code = render_error(exc.code or 500, detail)
        response.set_data(body)
        response.content_type = "text/html; charset=utf-8"
        return response

    @app.errorhandler(OperationalError)
    def _db_down(exc: OperationalError):
        db.session.rollback()
        app.logger.warning("database unavailable: %s", exc)
        body, code = render_error(503)
        return body, code, {"Retry-After": "5"}

    @app.errorhandler(500)
    def _server_error(exc):
        db.session.rollback()
        return render_error(500)


def _is_csrf(exc: HTTPException) -> bool:
    return "CSRF" in (exc.description or "") and request.method not in ("GET", "HEAD")
