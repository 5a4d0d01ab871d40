"""Idempotency-Key on POSTs: a repeated key replays the first successful answer.

The key is claimed (a row with a unique (token, key) index, committed) before the work
starts, so two requests racing with one key cannot both do it: the loser sees the
claim and gets 409 while the first runs, or the stored answer once it has finished.
Only successful answers are kept; a refused request changed nothing and may be retried.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, make_response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models.api import ApiIdempotency
from .auth import current_token
from .errors import PROBLEM, ApiError, from_exception, problem

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # visible ASCII, as the IETF draft suggests
REPLAYED = "Idempotent-Replayed"


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _claim(token_id: int, key: str, fingerprint: str) -> ApiIdempotency | None:
    """Claim the key for this request; the earlier row when someone already has it."""
    for _ in range(2):
        db.session.add(ApiIdempotency(token_id=token_id, key=key, fingerprint=fingerprint))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        else:
            return None
        earlier = db.session.scalar(select(ApiIdempotency).where(
            ApiIdempotency.token_id == token_id, ApiIdempotency.key == key))
        if earlier is not None:
            return earlier
        # The other request released its claim between our insert and our look: try again.
    raise ApiError(409, f"A request with this {HEADER} is still running. Retry shortly.",
                   headers={"Retry-After": "1"})


def _replay(record: ApiIdempotency, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise ApiError(422, f"This {HEADER} was used for a different request.")
    if record.status_code is None:
        raise ApiError(409, f"A request with this {HEADER} is still running. Retry shortly.",
                       headers={"Retry-After": "1"})
    mimetype = PROBLEM if record.status_code >= 400 else "application/json"
    response = Response(record.body, status=record.status_code, mimetype=mimetype)
    if record.location:
        response.headers["Location"] = record.location
    response.headers[REPLAYED] = "true"
    return response


def _settle(token_id: int, key: str, response: Response) -> None:
    """Keep a successful answer for replays; release the claim of anything else."""
    query = select(ApiIdempotency).where(ApiIdempotency.token_id == token_id,
                                         ApiIdempotency.key == key)
    if response.status_code < 300:
        record = db.session.scalars(query).one()
        record.status_code = response.status_code
        record.body = response.get_data(as_text=True)
        record.location = response.headers.get("Location")
    else:
        db.session.execute(delete(ApiIdempotency).where(ApiIdempotency.token_id == token_id,
                                                        ApiIdempotency.key == key))
    db.session.commit()


def _run(view: Callable[..., Any], kwargs: dict[str, Any]) -> Response:
    """The view's response, with refusals turned into problem responses here."""
    try:
        return make_response(view(**kwargs))
    except Exception as exc:  # from_exception re-raises what it does not know
        db.session.rollback()
        return from_exception(exc)


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Honour an Idempotency-Key header on this POST view (400 for a malformed key)."""

    @wraps(view)
    def wrapped(**kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(**kwargs)
        if not KEY_RE.match(key):
            return problem(400, f"{HEADER} must be 1 to 200 visible ASCII characters.")
        token_id, fingerprint = current_token().id, _fingerprint()
        earlier = _claim(token_id, key, fingerprint)
        if earlier is not None:
            return _replay(earlier, fingerprint)
        try:
            response = _run(view, kwargs)
        except BaseException:
            _settle(token_id, key, Response(status=500))
            raise
        _settle(token_id, key, response)
        return response

    return wrapped
