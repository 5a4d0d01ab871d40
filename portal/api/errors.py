"""Problem details (RFC 9457) for every API error: JSON, never an HTML page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Response, current_app, request
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from .. import ratelimit
from ..extensions import db
from ..services.errors import Conflict, NotFound, ServiceError

PROBLEM = "application/problem+json"
API_ROOT = "/api"
# RFC 9110 renamed these two; Werkzeug still has the older names.
TITLES = HTTP_STATUS_CODES | {413: "Content Too Large", 422: "Unprocessable Content"}


class ApiError(Exception):
    """A refusal with an HTTP status, a sentence for people and optional field errors."""

    def __init__(self, status: int, detail: str, errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def json_pointer(*path: str | int) -> str:
    """An RFC 6901 JSON pointer to this place in the body: ("items", 0, "a/b") → /items/0/a~1b."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_error(field: str | tuple[str | int, ...], detail: str) -> dict[str, str]:
    """One entry of `errors`: the field's name, an RFC 6901 pointer to it, and what is wrong.

    `field` is a top-level name or the path to a nested value, like ("references", 0, "value").
    """
    path = field if isinstance(field, tuple) else (field,)
    return {"field": "/".join(str(part) for part in path), "pointer": json_pointer(*path),
            "detail": detail}


def problem(status: int, detail: str, errors: list[dict[str, str]] | None = None,
            headers: dict[str, str] | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": TITLES.get(status, "Error"),
                            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM)
    response.headers.update(headers or {})
    return response


def unauthorized(detail: str) -> ApiError:
    return ApiError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="caseloop"'})


@contextmanager
def renamed(**names: str) -> Iterator[None]:
    """Report a service's refusal under the API's name for the field (owner → owner_email)."""
    try:
        yield
    except (NotFound, Conflict):
        raise
    except ServiceError as exc:
        field = names.get(exc.field, exc.field) if exc.field else None
        raise ApiError(422, exc.message, [field_error(field, exc.message)] if field else []) \
            from exc


def from_exception(exc: Exception) -> Response:
    """The problem response for a known kind of exception; anything else is re-raised."""
    if isinstance(exc, ApiError):
        return problem(exc.status, exc.detail, exc.errors, exc.headers)
    if isinstance(exc, NotFound):
        return problem(404, "There is nothing here, or this token may not see it.")
    if isinstance(exc, Conflict):
        return problem(409, exc.message)
    if isinstance(exc, ServiceError):
        field = exc.field
        return problem(422, exc.message, [field_error(field, exc.message)] if field else [])
    if isinstance(exc, RateLimitExceeded):
        seconds = ratelimit.retry_after()
        return problem(429, f"Too many requests. Retry after {seconds} seconds.",
                       headers={"Retry-After": str(seconds)})
    if isinstance(exc, HTTPException):
        return problem(exc.code or 500, exc.description or "")
    raise exc


def is_api_path() -> bool:
    """True for any request under /api/, routed or not: it gets problem+json, never HTML."""
    return request.path == API_ROOT or request.path.startswith(API_ROOT + "/")


def unrouted(exc: HTTPException) -> Response:
    """The problem answer for an /api/ request no API rule matched (unknown path or method)."""
    # Flask sends these to the app's handlers, not the blueprint's: no API rule matched.
    code = exc.code or 500
    allow = exc.get_response().headers.get("Allow")
    if code == 404:
        detail = "There is no such API path; the paths are listed in /api/v1/openapi.json."
    elif code == 405 and allow:
        detail = f"{request.method} is not allowed here; use {allow}."
    else:
        detail = exc.description or ""
    return problem(code, detail, headers={"Allow": allow} if allow else None)


def init_app(bp: Blueprint) -> None:
    """Register the handlers on the API blueprint, so they only answer API requests."""

    @bp.errorhandler(ApiError)
    @bp.errorhandler(ServiceError)
    @bp.errorhandler(RateLimitExceeded)  # else the app's 429 page (by status code) comes first
    @bp.errorhandler(HTTPException)
    def _known(exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and (exc.code or 500) >= 500:
            db.session.rollback()
        return from_exception(exc)

    @bp.errorhandler(IntegrityError)
    def _race(exc: IntegrityError) -> Response:
        # Another request wrote the same unique row first; nothing of ours was kept.
        db.session.rollback()
        return problem(409, "This changed at the same time through another request. Retry.")

    @bp.errorhandler(OperationalError)
    def _db_down(exc: OperationalError) -> Response:
        db.session.rollback()
        current_app.logger.warning("database unavailable: %s", exc)
        return problem(503, "The database is briefly unavailable. Retry in a few seconds.",
                       headers={"Retry-After": "5"})

    @bp.errorhandler(500)
    def _server_error(exc: Exception) -> Response:
        db.session.rollback()
        return problem(500, "Something went wrong on our side; nothing was changed.")
