"""What hangs off a case: its timeline events, messages, promises and feedback."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from ..extensions import db
from ..models import Case, CaseEvent, Channel, Promise, PromiseState, Visibility
from ..services import case_details, cases, promises, serializers
from ..services.case_details import LOGGABLE_CHANNELS
from ..services.errors import NotFound, ServiceError
from . import bp, lookups
from .auth import actor, current_token
from .idempotency import idempotent
from .validation import Body, accepts, query_int

EVENT_FIELDS = ("channel", "body", "public", "label")
PROMISE_FIELDS = ("what", "owner_email", "due_at", "public")
MESSAGE_FIELDS = ("body", "visibility")
OUTCOME_FIELDS = ("state", "outcome")
ENDINGS = (PromiseState.KEPT, PromiseState.BROKEN, PromiseState.WITHDRAWN)
MAX_EVENTS = 500


def _posted(reference: str, fields: tuple[str, ...]) -> tuple[Case, Body]:
    """The case this token may see, then the JSON body read with the fields the endpoint takes."""
    return lookups.find_case(current_token(), reference), Body(fields)


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
    case, body = _posted(reference, EVENT_FIELDS)
    channel = body.choice("channel", Channel, LOGGABLE_CHANNELS)
    text = body.text("body", 20_000)
    public = body.boolean("public", False)
    label = body.text("label", 80, required=False)
    with body.checked():
        event = case_details.log_contact(case, actor(), channel, text, public, label)
    return jsonify(serializers.event(event)), 201


@bp.post("/cases/<reference>/messages")
@idempotent
def post_message(reference: str) -> tuple[Response, int]:
    """A reply the customer is sent (public, the default) or a staff-only note (internal)."""
    case, body = _posted(reference, MESSAGE_FIELDS)
    text = body.text("body", cases.MAX_BODY)
    visibility = body.choice("visibility", Visibility, default=Visibility.PUBLIC)
    with body.checked():
        event = cases.add_staff_reply(case, actor(), text, channel=Channel.API,
                                      internal=visibility == Visibility.INTERNAL)
    return jsonify(serializers.event(event)), 201


@bp.get("/cases/<reference>/promises")
def list_promises(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify({"items": [serializers.promise(p) for p in case.promises]})


@bp.post("/cases/<reference>/promises")
@idempotent
def make_promise(reference: str) -> tuple[Response, int]:
    """Record a promise owned by a named staff member who can see the case."""
    case, body = _posted(reference, PROMISE_FIELDS)
    what = body.text("what", promises.MAX_WHAT)
    owner_email = body.text("owner_email", 254)
    due_at = body.moment("due_at")
    public = body.boolean("public", True)
    with body.checked(owner="owner_email"):
        owner = lookups.staff_member(owner_email)
        if owner is None:
            raise ServiceError("No active staff member has that email.", "owner")
        promise = promises.make(case, actor(), what, owner, due_at, public)
    return jsonify(serializers.promise(promise)), 201


@bp.post("/cases/<reference>/promises/<int:promise_id>/outcome")
@idempotent
def settle_promise(reference: str, promise_id: int) -> Response:
    """Mark an open promise of this case kept, broken or withdrawn, by the token's user."""
    case = lookups.find_case(current_token(), reference)
    promise = db.session.get(Promise, promise_id)
    if promise is None or promise.case_id != case.id:
        raise NotFound()
    body = Body(OUTCOME_FIELDS)
    state = body.choice("state", PromiseState, ENDINGS)
    outcome = body.text("outcome", 2000)
    with body.checked():
        promises.resolve(promise, state, by=actor(), note=outcome)
    return jsonify(serializers.promise(promise))


@bp.get("/cases/<reference>/feedback")
def list_feedback(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify({"items": [serializers.feedback(f) for f in case.feedback]})
