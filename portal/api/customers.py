"""Customers: create-or-match by email (with the other system's own id), and read one."""

from __future__ import annotations

from flask import Response, jsonify, url_for

from . import bp, lookups, serializers
from .auth import current_token
from .idempotency import idempotent
from .validation import Body

CUSTOMER_FIELDS = ("email", "name", "external_id")


@bp.post("/customers")
@idempotent
def create_customer() -> tuple[Response, int] | tuple[Response, int, dict[str, str]]:
    body = Body(CUSTOMER_FIELDS)
    email = body.text("email", 254)
    name = body.text("name", 120, required=False)
    external = body.text("external_id", 120, required=False)
    body.check()
    token = current_token()
    user, created = lookups.match_customer(email, name)
    if external:
        lookups.link_customer(token, user, external)
    data = serializers.customer(user, lookups.external_id(token, user))
    if not created:
        return jsonify(data), 200
    return jsonify(data), 201, {"Location": url_for("api.get_customer", customer_id=user.id)}


# A plain string in the route: with <int:…> a malformed id would miss the route and get
# the site's HTML 404 page instead of a problem+json answer.
@bp.get("/customers/<customer_id>")
def get_customer(customer_id: str) -> Response:
    token = current_token()
    user = lookups.find_customer(token, customer_id)
    return jsonify(serializers.customer(user, lookups.external_id(token, user)))
