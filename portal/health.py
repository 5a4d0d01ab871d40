"""Liveness for load balancers: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import csrf, db

bp = Blueprint("health", __name__)
RETRY_AFTER_SECONDS = 5  # what the 503 pages say too: the database is usually back by then


@bp.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        # Load balancers and monitors wait this long before asking again.
        return ({"status": "unavailable", "database": "unreachable"}, 503,
                {"Retry-After": str(RETRY_AFTER_SECONDS)})
    return {"status": "ok", "database": "ok"}
