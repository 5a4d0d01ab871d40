"""Cases: open one for a customer, read one, list with filters, change its status."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from flask import Response, jsonify, url_for
from sqlalchemy import Select, select

from ..models import Case, CaseReference, Channel, Priority, Status, parse_reference
from ..models.api import ApiToken
from ..services import case_details, cases, customer_escalations, serializers
from ..web.pagination import InvalidCursor, Keyset, decode_cursor, paginate
from . import bp, lookups
from .auth import actor, current_token
from .errors import ApiError, field_error, renamed
from .idempotency import idempotent
from .validation import (
    MAX_ID,
    Body,
    accepts,
    query_choice,
    query_int,
    query_moment,
    query_text,
)

CASE_FIELDS = ("customer_email", "customer_name", "title", "body", "category", "priority",
               "references", "written_by")
STATUS_FIELDS = ("status", "explanation", "version")
MAX_REFERENCES = 20
KEYSET = Keyset(Case.last_activity_at, Case.id)


class Writer(StrEnum):
    """Whose words a new case's body is: the customer's, relayed (a web form), or the
    business's own to the customer (head office's recall notice), signed by this token."""

    CUSTOMER = "customer"
    BUSINESS = "business"


def _references(body: Body) -> list[tuple[str, str]]:
    """The (system, value) pairs asked for, without repeats; errors noted on `body`."""
    pairs: list[tuple[str, str]] = []
    for index, item in enumerate(body.items("references", MAX_REFERENCES)):
        where = ("references", index)
        if not isinstance(item, dict) or set(item) - {"system", "value"}:
            body.fail(where, "Must be an object with only system and value.")
            continue
        inner = Body.nested(item, body, where)
        pair = (inner.text("system", 60), inner.text("value", 120))
        if all(pair) and pair not in pairs:
            pairs.append(pair)
    return pairs


@bp.post("/cases")
@idempotent
def create_case() -> tuple[Response, int, dict[str, str]]:
    body = Body(CASE_FIELDS)
    email = body.text("customer_email", 254)
    name = body.text("customer_name", 120, required=False)
    title = body.text("title", cases.MAX_TITLE)
    text = body.text("body", cases.MAX_BODY)
    wanted = body.category()
    priority = body.choice("priority", Priority, default=Priority.NORMAL)
    pairs = _references(body)
    writer = body.choice("written_by", Writer, default=Writer.CUSTOMER)
    with body.checked(email="customer_email"):
        category = lookups.category(current_token(), wanted)
        customer, _ = lookups.match_customer(email, name)
        case = cases.open_case(customer, title, text, category, channel=Channel.API,
                               priority=priority or Priority.NORMAL,
                               written_by=actor() if writer == Writer.BUSINESS else None)
        for system, value in pairs:
            case_details.add_reference(case, actor(), system, value)
    location = url_for("api.get_case", reference=case.reference)
    return jsonify(serializers.case(case)), 201, {"Location": location}


@bp.get("/cases/<reference>")
def get_case(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    return jsonify(serializers.case_detail(case, customer_escalations.of_case(case)))


def _filtered(token: ApiToken) -> Select:
    """The token's cases narrowed by the query's filters (400 on unusable values)."""
    query = select(Case)
    if token.department_ids:
        query = query.where(Case.department_id.in_(token.department_ids))
    status = query_choice("status", Status)
    if status is not None:
        query = query.where(Case.status == status)
    department = query_int("department")
    if department is not None:
        query = query.where(Case.department_id == department)
    since = query_moment("updated_since")
    if since is not None:
        query = query.where(Case.last_activity_at >= since)
    value = query_text("reference", 120)
    if value is not None:  # another system's reference attached to the case (RC-42)
        query = query.where(Case.id.in_(
            select(CaseReference.case_id).where(CaseReference.value == value)))
    own = _case_reference()
    if own is not None:
        query = query.where(Case.id == own)
    return query


def _case_reference() -> int | None:
    """The id in the case_reference parameter (CL-000123); 400 when it is not one."""
    value = query_text("case_reference", 20)
    if value is None:
        return None
    case_id = parse_reference(value)
    if case_id is None or case_id > MAX_ID:
        raise ApiError(400, "The case_reference parameter must be a case reference.",
                       [field_error("case_reference", "A reference like CL-000123.")])
    return case_id


def _after() -> tuple[Any, Any] | None:
    cursor = query_text("cursor", 200)
    try:
        return decode_cursor(cursor, KEYSET) if cursor else None
    except InvalidCursor:
        raise ApiError(400, "The cursor is not one this API gave out.",
                       [field_error("cursor", "Use next_cursor from the previous page.")]) \
            from None


@bp.get("/cases")
@accepts("status", "department", "updated_since", "reference", "case_reference", "cursor",
         "limit")
def list_cases() -> Response:
    query = _filtered(current_token())
    limit = query_int("limit", 1, 100) or 25
    page = paginate(query, KEYSET, _after(), limit)
    return jsonify({"items": [serializers.case(c) for c in page.items],
                    "next_cursor": page.next_cursor})


@bp.post("/cases/<reference>/status")
@idempotent
def change_status(reference: str) -> Response:
    case = lookups.find_case(current_token(), reference)
    body = Body(STATUS_FIELDS)
    status = body.choice("status", Status)
    explanation = body.text("explanation", cases.MAX_BODY, required=False)
    version = body.integer("version")
    body.check()
    if version is not None and version != case.version:
        raise ApiError(409, f"The case changed since version {version}; it is at "
                            f"{case.version}. Read it again before changing it.")
    with renamed():
        cases.change_status(case, actor(), status, explanation)
    return jsonify(serializers.case(case))
