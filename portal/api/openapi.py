"""The OpenAPI 3.1 description of the API, served without a token at /api/v1/openapi.json.

tests/api/test_openapi.py keeps it true: every route is documented, every documented
path exists, and schemathesis checks the answers against it.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from ..models import ProblemStatus, Status
from . import bp
from .idempotency import HEADER
from .openapi_schemas import ID, SCHEMAS, Schema, enum, ref, values

PROBLEM_CODES = {
    400: "Malformed JSON, query parameter or Idempotency-Key.",
    401: "No token, or an unknown or revoked one.",
    403: "A read-only token tried to write.",
    404: "Not there, or outside the token's departments.",
    409: "Changed meanwhile, or the same Idempotency-Key is still running.",
    413: "The body is larger than 1 MiB.",
    415: "The body is not JSON.",
    422: "Fields missing or invalid; `errors` lists each one.",
    503: "The database is briefly unavailable; retry.",
}
READ_CODES = (401, 404, 503)
WRITE_CODES = (400, 401, 403, 404, 409, 413, 415, 422, 503)


def _param(name: str, where: str, schema: Schema, description: str = "",
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema, "description": description}


REFERENCE = _param("reference", "path", {"type": "string", "pattern": r"^CL-[0-9]{6,12}$"},
                   "The case reference, like CL-000123.")
CUSTOMER_ID = _param("customer_id", "path", ID)
ORGANISATION_ID = _param("organisation_id", "path", ID)
PARTICIPANT_ID = _param("participant_id", "path", ID, "A colleague on this case (`id` in its "
                        "list).")
PROMISE_ID = _param("promise_id", "path", ID, "A promise of this case (`id` in its list).")
IDEMPOTENCY = _param(HEADER, "header", {"type": "string", "pattern": "^[!-~]{1,200}$"},
                     "Repeat a POST safely: the same key from the same token returns the "
                     "first successful answer and does the work once.")
LIST_FILTERS = [
    _param("status", "query", enum(values(Status))),
    _param("department", "query", ID, "A department id."),
    _param("updated_since", "query", {"type": "string", "format": "date-time"},
           "Cases with customer-visible activity at or after this time."),
    _param("reference", "query", {"type": "string", "minLength": 1, "maxLength": 120},
           "An OUTSIDE reference: a value another system gave the case, e.g. the recall "
           "code RC-42 (see `references` on a case). Not the case's own reference: use "
           "case_reference for that."),
    _param("case_reference", "query", {"type": "string", "pattern": r"^CL-[0-9]{6,12}$"},
           "The case's own reference, like CL-000123: at most one case."),
    _param("cursor", "query", {"type": "string", "minLength": 1, "maxLength": 200},
           "next_cursor of the previous page."),
    _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 25}),
]
PROBLEM_ID = _param("problem_id", "path", ID, "A known problem's id.")
PROBLEM_UPDATE = (
    "Written on the timeline of every case linked when it is posted, one line per case, and "
    "emailed to each case's customer (by their email preferences) and to the problem's "
    "followers. The first 1,000 cases are written before the answer; the minute job writes "
    "the rest (`delivered` of `cases`). A retry never writes a case twice.")
AFTER = _param("after", "query", {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
               "Only events with a larger id (for polling).")


def _json(schema: Schema, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(op_id: str, summary: str, answers: dict[int, dict[str, Any]],
               codes: tuple[int, ...], parameters: list[dict[str, Any]] | None = None,
               body: str | None = None) -> dict[str, Any]:
    """One operation; `codes` adds the shared problem responses."""
    responses: dict[str, Any] = {str(k): v for k, v in answers.items()}
    responses |= {str(c): {"$ref": f"#/components/responses/Problem{c}"} for c in codes}
    operation: dict[str, Any] = {"operationId": op_id, "summary": summary,
                                 "parameters": parameters or [], "responses": responses}
    if body is not None:
        operation["parameters"] = [*operation["parameters"], IDEMPOTENCY]
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return operation


def _read(op_id: str, summary: str, schema: str, *parameters: dict[str, Any],
          codes: tuple[int, ...] = READ_CODES) -> dict[str, Any]:
    return _operation(op_id, summary, {200: _json(ref(schema), "OK")}, codes, list(parameters))


def _write(op_id: str, summary: str, body: str, result: str, status: int,
           *parameters: dict[str, Any]) -> dict[str, Any]:
    answers = {status: _json(ref(result), "Done")}
    return _operation(op_id, summary, answers, WRITE_CODES, list(parameters), body)


def _removal(op_id: str, summary: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return _operation(op_id, summary, {204: {"description": "Removed"}},
                      (401, 403, 404, 503), list(parameters))


PARTICIPANT = (
    "The colleague sees the case in their portal, is emailed its public updates and may "
    "reply in their own name; feedback stays the customer's. A new address becomes a "
    "customer account, invited by a sign-in link to the case. Organisations need a token "
    "for every department: a token limited to some gets 404 there.")

CREATE_CUSTOMER = (
    "Creates the customer when the address is new and matches the existing one otherwise, "
    "linking `external_id` to it for this token. The answer is 202 with the same fields "
    "either way, so nobody can use the API to learn which addresses have an account; an "
    "address that belongs to a staff account gets the same answer and is not made a "
    "customer. Only a malformed body is refused. The customer's id reaches a token through "
    "the cases it may see (`customer.id`).")

NOTIFICATIONS = (
    "`channel` is `email` or `portal` (no email about case changes), `timing` `immediate` or "
    "`daily` (one digest a day). `mute` and `follow` take references of the customer's own "
    "cases. Sign-in links and what the customer must act on are never muted. Each change is "
    "audited with the token as the one acting on the customer's request "
    "(docs/notifications.md).")

MESSAGE = (
    "`visibility: public` (the default) is a reply: the customer is emailed and sees it on "
    "their case, and a new case moves to in progress. `visibility: internal` is a note only "
    "staff see. The timeline names the token as the author.")

PATHS: dict[str, Any] = {
    "/openapi.json": {"get": {
        "operationId": "openapi", "summary": "This description.", "security": [],
        "responses": {"200": _json({"type": "object"}, "The OpenAPI document")}}},
    "/customers": {"post": {**_operation(
        "createCustomer", "Make sure a customer with this email exists.",
        {202: _json(ref("CustomerReceipt"), "Accepted: the same answer for every address")},
        WRITE_CODES, body="CustomerInput"), "description": CREATE_CUSTOMER}},
    "/customers/{customer_id}": {"get": {**_read(
        "getCustomer", "One customer the token may see.", "Customer", CUSTOMER_ID),
        "description": "A token limited to departments sees only customers with a case in "
                       "one of them; any other id is 404, like an id that does not exist."}},
    "/customers/{customer_id}/notifications": {
        "get": {**_read("getNotifications", "How the customer chose to hear about their cases.",
                        "Notifications", CUSTOMER_ID),
                "description": NOTIFICATIONS},
        "post": {**_write("setNotifications", "Change the customer's notification choices "
                          "on their request.", "NotificationsInput", "Notifications", 200,
                          CUSTOMER_ID),
                 "description": NOTIFICATIONS}},
    "/cases": {
        "get": _read("listCases", "Cases, most recently active first, a page at a time.",
                     "CaseList", *LIST_FILTERS, codes=(400, 401, 503)),
        "post": _write("createCase", "Open a case for a customer (created when new).",
                       "CaseInput", "Case", 201)},
    "/cases/{reference}": {"get": _read("getCase", "One case, with the customer's escalations.",
                                        "CaseDetail", REFERENCE)},
    "/cases/{reference}/status": {"post": _write(
        "changeStatus", "Move the case to a status, telling the customer why.",
        "StatusInput", "Case", 200, REFERENCE)},
    "/cases/{reference}/events": {
        "get": _read("listEvents", "The whole timeline, internal notes included.",
                     "EventList", REFERENCE, AFTER, codes=(400, 401, 404, 503)),
        "post": _write("logContact", "Log a contact made through another channel.",
                       "EventInput", "Event", 201, REFERENCE)},
    "/cases/{reference}/promises": {
        "get": _read("listPromises", "The case's promises.", "PromiseList", REFERENCE),
        "post": _write("makePromise", "Promise something, owned by a staff member.",
                       "PromiseInput", "Promise", 201, REFERENCE)},
    "/cases/{reference}/messages": {"post": {**_write(
        "postMessage", "Reply to the customer, or add a staff-only note.",
        "MessageInput", "Event", 201, REFERENCE), "description": MESSAGE}},
    "/cases/{reference}/promises/{promise_id}/outcome": {"post": _write(
        "settlePromise", "Mark an open promise kept, broken or withdrawn.",
        "PromiseOutcomeInput", "Promise", 200, REFERENCE, PROMISE_ID)},
    "/problems": {
        "get": _read("listProblems", "Known problems, open ones first.", "KnownProblemList",
                     _param("status", "query", enum(values(ProblemStatus))),
                     codes=(400, 401, 503)),
        "post": _write("createProblem", "Open a known problem; cases carrying its outside "
                       "reference link themselves.", "KnownProblemInput", "KnownProblem",
                       201)},
    "/problems/{problem_id}": {"get": _read("getProblem", "One known problem.",
                                            "KnownProblem", PROBLEM_ID)},
    "/problems/{problem_id}/status": {"post": _write(
        "changeProblemStatus", "Move the problem: investigating, identified, fixing, resolved.",
        "ProblemStatusInput", "KnownProblem", 200, PROBLEM_ID)},
    "/problems/{problem_id}/updates": {"post": {**_write(
        "postProblemUpdate", "Post a public update to every linked case and follower.",
        "ProblemUpdateInput", "ProblemUpdate", 201, PROBLEM_ID),
        "description": PROBLEM_UPDATE}},
    "/problems/{problem_id}/cases": {"post": _write(
        "linkProblemCases", "Link cases (within the token's departments) to the problem.",
        "ProblemCasesInput", "ProblemLinks", 200, PROBLEM_ID)},
    "/problems/{problem_id}/cases/{reference}": {"delete": _operation(
        "unlinkProblemCase", "Unlink a case from the problem.",
        {204: {"description": "Unlinked"}}, (401, 403, 404, 503), [PROBLEM_ID, REFERENCE])},
    "/cases/{reference}/feedback": {"get": _read(
        "listFeedback", "The customer's feedback, one per resolution.", "FeedbackList",
        REFERENCE)},
    "/cases/{reference}/participants": {
        "get": _read("listParticipants", "The customer's colleagues on the case (CC).",
                     "ParticipantList", REFERENCE),
        "post": {**_write("addParticipant", "Put a colleague on the case by email.",
                          "ParticipantInput", "Participant", 201, REFERENCE),
                 "description": PARTICIPANT}},
    "/cases/{reference}/participants/{participant_id}": {"delete": _removal(
        "removeParticipant", "Take a colleague off the case.", REFERENCE, PARTICIPANT_ID)},
    "/organisations": {
        "get": _read("listOrganisations", "Every organisation.", "OrganisationList",
                     codes=(401, 404, 503)),
        "post": _write("createOrganisation", "Create an organisation.", "OrganisationInput",
                       "Organisation", 201)},
    "/organisations/{organisation_id}": {"get": _read(
        "getOrganisation", "One organisation with its members.", "Organisation",
        ORGANISATION_ID)},
    "/organisations/{organisation_id}/members": {"post": _write(
        "addOrganisationMember", "Add a customer (by email) to the organisation.",
        "EmailInput", "Organisation", 200, ORGANISATION_ID)},
    "/organisations/{organisation_id}/members/{customer_id}": {"delete": _removal(
        "removeOrganisationMember", "Take a customer out of the organisation.",
        ORGANISATION_ID, CUSTOMER_ID)},
}

ARTICLE_ID = _param("article_id", "path", ID, "The article's `id`.")
PATHS |= {
    "/articles": {
        "get": _read("listArticles", "Published articles for `q`, best first; without `q`, "
                     "every article of the token's departments, by title.", "ArticleList",
                     _param("q", "query", {"type": "string", "minLength": 1, "maxLength": 200},
                            "Words to search for (full text on PostgreSQL)."),
                     _param("state", "query", enum(["draft", "published"])),
                     _param("limit", "query", {"type": "integer", "minimum": 1,
                                               "maximum": 100, "default": 25}),
                     codes=(400, 401, 503)),
        "post": _write("createArticle", "Write a help article (a draft).", "ArticleInput",
                       "Article", 201)},
    "/articles/{article_id}": {
        "get": _read("getArticle", "One help article, draft or published.", "Article",
                     ARTICLE_ID),
        "post": _write("updateArticle", "Change the fields sent; each change is a revision.",
                       "ArticleChange", "Article", 200, ARTICLE_ID)},
    "/articles/{article_id}/publish": {"post": _write(
        "publishArticle", "Publish (`published: true`) or take off the help pages.",
        "PublishInput", "Article", 200, ARTICLE_ID)},
}

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Caseloop API", "version": "1",
             "description": "Cases, customers, contacts and promises for other systems. "
                            "Errors are application/problem+json (RFC 9457)."},
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
        "responses": {f"Problem{code}": {"description": text, "content": {
            "application/problem+json": {"schema": ref("Problem")}}}
            for code, text in PROBLEM_CODES.items()},
    },
}


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(SPEC)
