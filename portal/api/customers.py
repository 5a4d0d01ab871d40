"""Customers: create-or-match by email (with the other system's own id), and read one."""

from __future__ import annotations

import logging

from flask import Response, jsonify

from ..models import EmailUpdates
from ..services import accounts, notification_prefs, serializers
from ..services.errors import NotFound
from ..services.notification_prefs import Delivery
from . import bp, lookups
from .auth import actor, current_token
from .idempotency import idempotent
from .validation import Body

CUSTOMER_FIELDS = ("email", "name", "external_id")
NOTIFICATION_FIELDS = ("channel", "timing", "mute", "follow")
MAX_CASES = 100
log = logging.getLogger(__name__)


@bp.post("/customers")
@idempotent
def create_customer() -> tuple[Response, int]:
    """Make sure a customer has this address; the same 202 whether it was new or known."""
    # Saying which would make every token a way to learn who has an account here.
    body = Body(CUSTOMER_FIELDS)
    email = body.text("email", 254)
    name = body.text("name", 120, required=False)
    external = body.text("external_id", 120, required=False)
    body.check()
    address = accounts.normalise_email(email)
    token = current_token()
    try:
        user, _ = lookups.match_customer(address, name)
    except lookups.StaffAddress:
        # A staff address is never made a customer, but saying so would reveal it.
        log.info("API token %s asked for a customer with a staff address", token.id)
        return jsonify(serializers.customer_receipt(address, external)), 202
    if external:
        lookups.link_customer(token, user, external)
    return jsonify(serializers.customer_receipt(address, external)), 202


# A plain string in the route: with <int:…> a malformed id would miss the route and get
# the site's HTML 404 page instead of a problem+json answer.
@bp.get("/customers/<customer_id>")
def get_customer(customer_id: str) -> Response:
    token = current_token()
    user = lookups.find_customer(token, customer_id)
    return jsonify(serializers.customer(user, lookups.external_id(token, user)))



def _notifications(user) -> dict:
    """The customer's choices; muted cases only in the departments this token covers."""
    token = current_token()
    return {"channel": (Delivery.EMAIL if user.updates_by_email else Delivery.PORTAL).value,
            "timing": user.email_updates.value,
            "muted_cases": [c.reference for c in notification_prefs.muted_cases(user)
                            if token.covers(c.department_id)]}


@bp.get("/customers/<customer_id>/notifications")
def get_notifications(customer_id: str) -> Response:
    user = lookups.find_customer(current_token(), customer_id)
    return jsonify(_notifications(user))


@bp.post("/customers/<customer_id>/notifications")
@idempotent
def set_notifications(customer_id: str) -> Response:
    """Change what the customer asked for (channel, timing, cases muted or followed again);
    audited with the token's staff row as the one acting on the customer's request."""
    token = current_token()
    user = lookups.find_customer(token, customer_id)
    body = Body(NOTIFICATION_FIELDS)
    channel = body.choice("channel", Delivery) if body.data.get("channel") is not None \
        else None
    timing = body.choice("timing", EmailUpdates) if body.data.get("timing") is not None \
        else None
    changes = {name: _own_cases(body, token, user, name) for name in ("mute", "follow")}
    body.check()
    notification_prefs.set_settings(user, actor(), by_email=None if channel is None
                                    else channel == Delivery.EMAIL,
                                    timing=timing.value if timing else None)
    for name, found in changes.items():
        for case in found:
            notification_prefs.set_following(user, case, name == "follow", actor())
    return jsonify(_notifications(user))


def _own_cases(body: Body, token, user, name: str) -> list:
    """The customer's cases named in a list of references (an error for any other)."""
    found = []
    for i, reference in enumerate(body.items(name, MAX_CASES)):
        try:
            case = lookups.find_case(token, reference) if isinstance(reference, str) else None
        except NotFound:
            case = None
        if case is None or case.customer_id != user.id:
            body.fail((name, i), "Not a case of this customer.")
        else:
            found.append(case)
    return found
