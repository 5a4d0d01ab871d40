"""Known problems for other systems: open one, move its status, post public updates, link
and unlink the cases it affects (cases within the token's departments)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, url_for

from ..models import KnownProblem, ProblemStatus, ProblemUpdate
from ..services import problem_links, problems
from ..services.errors import NotFound
from . import bp, lookups
from .auth import actor, current_token
from .errors import renamed
from .idempotency import idempotent
from .validation import MAX_ID, Body, accepts, category_value, query_choice

PROBLEM_FIELDS = ("title", "public_text", "categories", "outside_reference")
MOST_CATEGORIES = 50
MOST_CASES = 200


def _moment(value) -> str | None:
    return value.isoformat() if value else None


def _update(update: ProblemUpdate) -> dict[str, Any]:
    return {"id": update.id, "body": update.body, "status": update.status,
            "created_at": _moment(update.created_at), "cases": update.total,
            "delivered": update.delivered, "finished_at": _moment(update.finished_at)}


def _problem(problem: KnownProblem) -> dict[str, Any]:
    return {"id": problem.id, "title": problem.title, "public_text": problem.public_text,
            "status": problem.status.value, "status_label": str(problem.status_label),
            "outside_reference": problem.outside_reference,
            "categories": [{"id": c.id, "name": c.name} for c in problem.categories],
            "linked_cases": problem_links.linked_count(problem),
            "created_at": _moment(problem.created_at),
            "updated_at": _moment(problem.updated_at),
            "resolved_at": _moment(problem.resolved_at),
            "updates": [_update(u) for u in problem.updates]}


def _reference_value(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 20


def _find(problem_id: int) -> KnownProblem:
    if problem_id > MAX_ID:
        raise NotFound()
    return problems.get(problem_id)


@bp.get("/problems")
@accepts("status")
def list_problems() -> Response:
    status = query_choice("status", ProblemStatus)
    found = [p for p in problems.all_problems() if status is None or p.status == status]
    return jsonify({"items": [_problem(p) for p in found]})


@bp.post("/problems")
@idempotent
def create_problem() -> tuple[Response, int, dict[str, str]]:
    body = Body(PROBLEM_FIELDS)
    title = body.text("title", 200)
    text = body.text("public_text", 20_000)
    reference = body.text("outside_reference", 120, required=False)
    wanted = body.required_items("categories", MOST_CATEGORIES,
                                 "Required: at least one category id or name.",
                                 category_value, "A category id or name.")
    body.check()
    token = current_token()
    with renamed(title="title"):
        ids = [lookups.category(token, value).id for value in wanted]
        problem = problems.create(actor(), title, text, ids, reference)
    location = url_for("api.get_problem", problem_id=problem.id)
    return jsonify(_problem(problem)), 201, {"Location": location}


@bp.get("/problems/<int:problem_id>")
def get_problem(problem_id: int) -> Response:
    return jsonify(_problem(_find(problem_id)))


@bp.post("/problems/<int:problem_id>/status")
@idempotent
def change_problem_status(problem_id: int) -> Response:
    problem = _find(problem_id)
    body = Body(("status",))
    status = body.choice("status", ProblemStatus)
    body.check()
    with renamed():
        problems.change_status(actor(), problem, status)
    return jsonify(_problem(problem))


@bp.post("/problems/<int:problem_id>/updates")
@idempotent
def post_problem_update(problem_id: int) -> tuple[Response, int]:
    """A public update: written on every linked case (the first thousand now, the minute
    job the rest; `delivered` counts them) and emailed to customers and followers."""
    problem = _find(problem_id)
    body = Body(("body", "status"))
    text = body.text("body", 20_000)
    status = body.choice("status", ProblemStatus, default=problem.status)
    body.check()
    with renamed():
        update = problems.post_update(actor(), problem, text, status)
    return jsonify(_update(update)), 201


@bp.post("/problems/<int:problem_id>/cases")
@idempotent
def link_problem_cases(problem_id: int) -> Response:
    """Link cases by their references (CL-000123), each within the token's departments."""
    problem = _find(problem_id)
    body = Body(("references",))
    wanted = body.required_items("references", MOST_CASES,
                                 "Required: at least one case reference.",
                                 _reference_value, "A case reference, like CL-000123.")
    body.check()
    token = current_token()
    ids = [lookups.find_case(token, value).id for value in wanted]
    new = problems.link_cases(actor(), problem, ids, "hand")
    return jsonify({"linked": new, "linked_cases": problem_links.linked_count(problem)})


@bp.delete("/problems/<int:problem_id>/cases/<reference>")
def unlink_problem_case(problem_id: int, reference: str) -> tuple[str, int]:
    problem = _find(problem_id)
    case = lookups.find_case(current_token(), reference)
    problems.unlink(actor(), problem, case)
    return "", 204
