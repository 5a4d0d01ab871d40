"""JSON Schemas (OpenAPI 3.1 dialect) of what the API accepts and returns."""

from __future__ import annotations

from typing import Any

from ..models import (
    Channel,
    EventKind,
    Priority,
    ProblemStatus,
    PromiseState,
    Sharing,
    Solved,
    Status,
    Visibility,
)
from ..services.case_details import LOGGABLE_CHANNELS
from .validation import MAX_ID

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(required: list[str] | None = None, closed: bool = False, **properties: Schema) -> Schema:
    """An object schema; `closed` refuses unknown properties, as the API does for inputs."""
    schema: Schema = {"type": "object", "properties": properties,
                      "required": required if required is not None else list(properties)}
    if closed:
        schema["additionalProperties"] = False
    return schema


def text(most: int, least: int = 1, **extra: Any) -> Schema:
    return {"type": "string", "minLength": least, "maxLength": most, **extra}


def optional(schema: Schema) -> Schema:
    """The same schema, or null: an optional input field that is null counts as absent."""
    kind = schema["type"]
    nullable: Schema = {**schema, "type": [kind, "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


STRING: Schema = {"type": "string"}
MOMENT: Schema = {"type": "string", "format": "date-time"}
MAYBE_MOMENT: Schema = {"type": ["string", "null"], "format": "date-time"}
ID: Schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
BOOL: Schema = {"type": "boolean"}


def enum(values: list[str]) -> Schema:
    return {"type": "string", "enum": values}


def values(kind: Any) -> list[str]:
    return [m.value for m in kind]


NAMED = obj(id=ID, name=STRING)
FIELD_ERROR = obj(field=STRING, pointer={**STRING, "description": (
    "An RFC 6901 JSON pointer to the value in the body, like /title or "
    "/references/0/value; for a query parameter, its name as /name.")}, detail=STRING)

SCHEMAS: dict[str, Schema] = {
    "Problem": obj(["type", "title", "status", "detail"], type=STRING, title=STRING,
                   status={"type": "integer"}, detail=STRING,
                   errors={"type": "array", "items": FIELD_ERROR}),
    # No email: a customer staff took on by phone or at the desk who gave none.
    "Customer": obj(id=ID, email={"type": ["string", "null"]}, name=STRING,
                    external_id={"type": ["string", "null"]}, created_at=MOMENT),
    "CustomerInput": obj(["email"], closed=True, email=text(254, format="email"),
                         name=optional(text(120, 0)), external_id=optional(text(120, 0))),
    "CustomerReceipt": obj(email={**STRING, "description": "The address, normalised."},
                           external_id={"type": ["string", "null"]}),
    "Notifications": obj(
        channel={**enum(["email", "portal"]), "description": "`portal`: no email about case "
                 "changes. Sign-in links and what the customer must act on always come."},
        timing=enum(["immediate", "daily"]),
        muted_cases={"type": "array", "items": STRING, "description": (
            "References of the cases the customer muted (in the token's departments).")}),
    "NotificationsInput": obj(
        [], closed=True, channel=optional(enum(["email", "portal"])),
        timing=optional(enum(["immediate", "daily"])),
        mute={"type": ["array", "null"], "maxItems": 100, "items": STRING},
        follow={"type": ["array", "null"], "maxItems": 100, "items": STRING}),
    "Reference": obj(closed=True, system=text(60), value=text(120)),
    "Case": obj(
        reference=STRING, title=STRING, status=enum(values(Status)), status_label=STRING,
        next_step=STRING, priority=enum(values(Priority)), department=NAMED,
        category={"oneOf": [NAMED, {"type": "null"}]},
        customer=obj(id=ID, email={"type": ["string", "null"]}, name=STRING),
        references={"type": "array", "items": ref("Reference")},
        created_at=MOMENT, last_activity_at=MOMENT, resolved_at=MAYBE_MOMENT,
        closed_at=MAYBE_MOMENT, version={"type": "integer"}),
    "CustomerEscalation": obj(
        id=ID, reason=STRING, manager=optional(obj(name=STRING, email=STRING)),
        answer_due_at=MAYBE_MOMENT,
        answer_state={"type": ["string", "null"], "enum": [*values(PromiseState), None],
                      "description": "The state of the public promise of an answer."},
        business_day={"type": "string", "format": "date"}, created_at=MOMENT),
    "CaseInput": obj(
        ["customer_email", "title", "body", "category"], closed=True,
        customer_email=text(254, format="email"), customer_name=optional(text(120, 0)),
        title=text(200), body=text(20_000),
        category={"oneOf": [ID, text(80)],
                  "description": "A category id, or its name (any letter case)."},
        priority=optional(enum(values(Priority))),
        references={"type": ["array", "null"], "maxItems": 20, "items": ref("Reference")},
        written_by=optional({**enum(["customer", "business"]), "description":
                             "Whose words the body is: the customer's (default), or the "
                             "business's own to the customer, which is emailed to them."})),
    "CaseList": obj(items={"type": "array", "items": ref("Case")},
                    next_cursor={"type": ["string", "null"]}),
    "StatusInput": obj(["status"], closed=True, status=enum(values(Status)),
                       explanation=optional(text(20_000, 0)),
                       version=optional({**ID, "description": "409 if the case moved on."})),
    "Event": obj(
        id=ID, kind=enum(values(EventKind)), channel=enum(values(Channel)), public=BOOL,
        author={"oneOf": [obj(name=STRING, staff=BOOL), {"type": "null"}]},
        body=STRING, data={"type": "object"},
        attachments={"type": "array", "items": obj(filename=STRING, content_type=STRING,
                                                    size={"type": "integer"})},
        created_at=MOMENT),
    "EventInput": obj(["channel", "body"], closed=True,
                      channel=enum([c.value for c in LOGGABLE_CHANNELS]), body=text(20_000),
                      public=optional({**BOOL, "default": False,
                                       "description": "Whether the customer sees it."}),
                      label=optional(text(80, 0))),
    "EventList": obj(items={"type": "array", "items": ref("Event")}),
    "Promise": obj(id=ID, what=STRING, owner=optional(obj(name=STRING, email=STRING)),
                   owner_department=optional(STRING), due_at=MOMENT,
                   public=BOOL, state=enum(values(PromiseState)), outcome=STRING,
                   created_at=MOMENT, closed_at=MAYBE_MOMENT,
                   resolved_by=optional(obj(name=STRING, email=STRING))),
    "PromiseInput": obj(["what", "owner_email", "due_at"], closed=True, what=text(500),
                        owner_email=text(254, format="email"), due_at=MOMENT,
                        public=optional({**BOOL, "default": True})),
    "MessageInput": obj(["body"], closed=True, body=text(20_000),
                        visibility=optional({**enum(values(Visibility)), "default": "public",
                                             "description": "public: a reply the customer "
                                             "is sent; internal: a staff-only note."})),
    "PromiseOutcomeInput": obj(
        ["state", "outcome"], closed=True,
        state=enum([s.value for s in PromiseState if s != PromiseState.OPEN]),
        outcome=text(2000, description="What was done, why it was not kept, or why it no "
                                       "longer applies, in words the customer can read.")),
    "PromiseList": obj(items={"type": "array", "items": ref("Promise")}),
    "Feedback": obj(id=ID, resolution_round={"type": "integer"}, solved=enum(values(Solved)),
                    rating={"type": ["integer", "null"]}, comment=STRING, created_at=MOMENT),
    "FeedbackList": obj(items={"type": "array", "items": ref("Feedback")}),
    "ProblemUpdate": obj(id=ID, body=STRING, status=enum(values(ProblemStatus)),
                         created_at=MOMENT, cases={"type": "integer"},
                         delivered={"type": "integer"}, finished_at=MAYBE_MOMENT),
    "KnownProblem": obj(
        id=ID, title=STRING, public_text=STRING, status=enum(values(ProblemStatus)),
        status_label=STRING, outside_reference={"type": ["string", "null"]},
        categories={"type": "array", "items": NAMED}, linked_cases={"type": "integer"},
        created_at=MOMENT, updated_at=MOMENT, resolved_at=MAYBE_MOMENT,
        updates={"type": "array", "items": ref("ProblemUpdate")}),
    "KnownProblemList": obj(items={"type": "array", "items": ref("KnownProblem")}),
    "KnownProblemInput": obj(
        ["title", "public_text", "categories"], closed=True, title=text(200),
        public_text=text(20_000, description="What we know, in public words: the status "
                                             "page shows it to anyone."),
        categories={"type": "array", "minItems": 1, "maxItems": 50,
                    "items": {"oneOf": [ID, text(80)]},
                    "description": "Category ids or names (any letter case)."},
        outside_reference=optional(text(120, 0, description=(
            "Another system's reference, e.g. RC-42: cases carrying it (now or later) "
            "link themselves.")))),
    "ProblemStatusInput": obj(["status"], closed=True, status=enum(values(ProblemStatus))),
    "ProblemUpdateInput": obj(["body"], closed=True, body=text(20_000),
                              status=optional(enum(values(ProblemStatus)))),
    "ProblemCasesInput": obj(["references"], closed=True, references={
        "type": "array", "minItems": 1, "maxItems": 200,
        "items": {"type": "string", "pattern": r"^CL-[0-9]{6,12}$"}}),
    "ProblemLinks": obj(linked={"type": "integer"}, linked_cases={"type": "integer"}),
}

# Help articles (portal/api/articles.py).
_ARTICLE_CATEGORY: Schema = {"oneOf": [ID, text(80)],
                             "description": "A category id, or its name (any letter case)."}
SCHEMAS |= {
    "Article": obj(
        id=ID, slug=STRING, title=STRING,
        body={**STRING, "description": "Markdown, as written."},
        body_html={**STRING, "description": "The body rendered and sanitised, as customers "
                                            "see it."},
        category=NAMED, state=enum(["draft", "published"]), published_at=MAYBE_MOMENT,
        created_at=MOMENT, updated_at=MOMENT,
        url={"type": ["string", "null"], "description": "The public page, once published."}),
    "ArticleList": obj(items={"type": "array", "items": ref("Article")}),
    "ArticleInput": obj(["title", "body", "category"], closed=True, title=text(160),
                        body=text(20_000), category=_ARTICLE_CATEGORY),
    "ArticleChange": obj([], closed=True, title=optional(text(160)),
                         body=optional(text(20_000)), category={**_ARTICLE_CATEGORY,
                                   "oneOf": [*_ARTICLE_CATEGORY["oneOf"], {"type": "null"}]}),
    "PublishInput": obj([], closed=True, published=optional({**BOOL, "default": True})),
    "Organisation": obj(
        ["id", "name", "domains", "auto_join", "sharing", "created_at"], id=ID, name=STRING,
        domains={"type": "array", "items": STRING}, auto_join=BOOL,
        sharing=enum(values(Sharing)), created_at=MOMENT,
        members={"type": "array", "description": "In the answers about one organisation.",
                 "items": obj(id=ID, name=STRING, email={"type": ["string", "null"]})}),
    "OrganisationInput": obj(
        ["name"], closed=True, name=text(120),
        domains={"type": ["array", "null"], "maxItems": 20, "items": text(253),
                 "description": "Email domains like example.com."},
        auto_join=optional({**BOOL, "default": False, "description":
                            "Customers who verify an address at a domain join by themselves."}),
        sharing=optional({**enum(values(Sharing)), "default": "private", "description":
                          "private: members see their own cases; all: every member's; "
                          "shared: the cases a member shares."})),
    "OrganisationList": obj(items={"type": "array", "items": ref("Organisation")}),
    "EmailInput": obj(["email"], closed=True, email=text(254, format="email")),
    "Participant": obj(id=ID, customer=obj(id=ID, name=STRING,
                                           email={"type": ["string", "null"]}),
                       added_by={"type": ["string", "null"]}, created_at=MOMENT),
    "ParticipantInput": obj(["email"], closed=True, email=text(254, format="email"),
                            name=optional(text(120, 0))),
    "ParticipantList": obj(items={"type": "array", "items": ref("Participant")}),
}


# One case read alone: the list's shape and what the customer escalated (once per working day).
SCHEMAS["CaseDetail"] = {**SCHEMAS["Case"], "properties": {
    **SCHEMAS["Case"]["properties"],
    "escalations": {"type": "array", "items": ref("CustomerEscalation"), "description": (
        "Each \"This is taking too long\" from the customer, newest first.")}},
    "required": [*SCHEMAS["Case"]["required"], "escalations"]}
