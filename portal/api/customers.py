"""Customers: create-or-match by email (with the other system's own id), and read one."""

from __future__ import annotations

import logging

from flask import Response, jsonify

from ..services import accounts, serializers
from . import bp, lookups
from .auth import current_token
from .idempotency import idempotent
from .validation import Body

CUSTOMER_FIELDS = ("email", "name", "external_id")
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

