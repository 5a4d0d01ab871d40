"""Organisations and the colleagues on a case (CC), for other systems."""

from __future__ import annotations

from flask import Response, jsonify

from ..models import Organisation, Sharing
from ..services import organisations, participants, serializers
from ..services.errors import NotFound
from . import bp, lookups
from .auth import actor, current_token
from .errors import renamed
from .idempotency import idempotent
from .validation import MAX_ID, Body

ORGANISATION_FIELDS = ("name", "domains", "auto_join", "sharing")
EMAIL_FIELDS = ("email", "name")


def _every_department() -> None:
    """Organisations span departments: a token limited to some never sees them (404)."""
    if current_token().department_ids:
        raise NotFound()


def _organisation(organisation_id: str) -> Organisation:
    _every_department()
    valid = organisation_id.isascii() and organisation_id.isdigit() and len(organisation_id) <= 10
    if not valid or int(organisation_id) > MAX_ID:
        raise NotFound()
    return organisations.get(int(organisation_id))


def _id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or int(raw) > MAX_ID:
        raise NotFound()
    return int(raw)


@bp.get("/organisations")
def list_organisations() -> Response:
    _every_department()
    return jsonify({"items": [serializers.organisation(o)
                              for o in organisations.all_organisations()]})


@bp.post("/organisations")
@idempotent
def create_organisation() -> tuple[Response, int]:
    _every_department()
    body = Body(ORGANISATION_FIELDS)
    name = body.text("name", 120)
    domains = body.items("domains", 20)
    auto_join = body.boolean("auto_join", False)
    sharing = body.choice("sharing", Sharing, default=Sharing.PRIVATE)
    if not all(isinstance(d, str) and len(d) <= 253 for d in domains):
        body.fail("domains", "Must be a list of email domains like example.com.")
    body.check()
    with renamed():
        org = organisations.create(actor(), name, " ".join(domains), auto_join,
                                   sharing or Sharing.PRIVATE)
    return jsonify(serializers.organisation(org, [])), 201


@bp.get("/organisations/<organisation_id>")
def get_organisation(organisation_id: str) -> Response:
    org = _organisation(organisation_id)
    return jsonify(serializers.organisation(org, organisations.members(org)))


@bp.post("/organisations/<organisation_id>/members")
@idempotent
def add_organisation_member(organisation_id: str) -> tuple[Response, int]:
    org = _organisation(organisation_id)
    body = Body(("email",))
    email = body.text("email", 254)
    body.check()
    with renamed():
        organisations.add_member(org, actor(), email)
    return jsonify(serializers.organisation(org, organisations.members(org))), 200


@bp.delete("/organisations/<organisation_id>/members/<customer_id>")
def remove_organisation_member(organisation_id: str, customer_id: str) -> tuple[str, int]:
    org = _organisation(organisation_id)
    organisations.remove_member(org, actor(), _id(customer_id))
    return "", 204


@bp.get("/cases/<reference>/participants")
def list_participants(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify({"items": [serializers.participant(p) for p in participants.of_case(case)]})


@bp.post("/cases/<reference>/participants")
@idempotent
def add_participant(reference: str) -> tuple[Response, int]:
    """Put a colleague of the customer on the case; a new address is invited by email."""
    case = lookups.find_case(current_token(), reference)
    body = Body(EMAIL_FIELDS)
    email = body.text("email", 254)
    name = body.text("name", 120, required=False)
    body.check()
    with renamed():
        added = participants.add(case, actor(), email, name)
    return jsonify(serializers.participant(added)), 201


@bp.delete("/cases/<reference>/participants/<participant_id>")
def remove_participant(reference: str, participant_id: str) -> tuple[str, int]:
    case = lookups.find_case(current_token(), reference)
    participants.remove(case, actor(), _id(participant_id))
    return "", 204
