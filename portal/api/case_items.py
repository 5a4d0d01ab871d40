"""What hangs off a case: its timeline events, promises and feedback."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from ..extensions import db
from ..models import CaseEvent, Channel
from ..services import case_details, promises
from ..services.case_details import LOGGABLE_CHANNELS
from ..services.errors import ServiceError
from . import bp, lookups, serializers
from .auth import actor, current_token
from .errors import renamed
from .idempotency import idempotent
from .validation import Body, accepts, query_int

EVENT_FIELDS = ("channel", "body", "public", "label")
PROMISE_FIELDS = ("what", "owner_email", "due_at", "public")
MAX_EVENTS = 500


@bp.get("/cases/<reference>/events")
@accepts("after")
def list_events(reference: str) -> Response:
    """The whole timeline, internal notes included (API clients are staff-like systems)."""
    case = lookups.find_case(current_token(), reference)
    after = query_int("after", 0) or 0
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.id > after)
        .order_by(CaseEvent.id).limit(MAX_EVENTS))
    return jsonify({"items": [serializers.event(e) for e in events]})


@bp.post("/cases/<reference>/events")
@idempotent
def log_contact(reference: str) -> tuple[Response, int]:
    """Put a contact that happened elsewhere on the timeline; internal unless public is true."""
    case = lookups.find_case(current_token(), reference)
    body = Body(EVENT_FIELDS)
    channel = body.choice("channel", Channel, LOGGABLE_CHANNELS)
    text = body.text("body", 20_000)
    public = body.boolean("public", False)
    label = body.text("label", 80, required=False)
    body.check()
    with renamed():
        event = case_details.log_contact(case, actor(), channel, text, public, label)
    return jsonify(serializers.event(event)), 201


@bp.get("/cases/<reference>/promises")
def list_promises(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify({"items": [serializers.promise(p) for p in case.promises]})


@bp.post("/cases/<reference>/promises")
@idempotent
def make_promise(reference: str) -> tuple[Response, int]:
    """Record a promise owned by a named staff member who can see the case."""
    case = lookups.find_case(current_token(), reference)
    body = Body(PROMISE_FIELDS)
    what = body.text("what", promises.MAX_WHAT)
    owner_email = body.text("owner_email", 254)
    due_at = body.moment("due_at")
    public = body.boolean("public", True)
    body.check()
    with renamed(owner="owner_email"):
        owner = lookups.staff_member(owner_email)
        if owner is None:
            raise ServiceError("No active staff member has that email.", "owner")
        promise = promises.make(case, actor(), what, owner, due_at, public)
    return jsonify(serializers.promise(promise)), 201


@bp.get("/cases/<reference>/feedback")
def list_feedback(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify({"items": [serializers.feedback(f) for f in case.feedback]})
