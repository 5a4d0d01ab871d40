"""Bad numbers are 400s: every route in `app.url_map`, as every kind of visitor, never a 500.

Ids are `Integer` columns (int4 on PostgreSQL, which raises NumericValueOutOfRange past
2**31-1); SQLite refuses anything past 64 bits with an OverflowError. Either would be a
500. So every route is called with huge, negative and malformed numbers in its path,
its query string (each name the view reads, recorded while it runs, plus common ones) and
its form (each field it reads, one at a time over otherwise plausible values, so a
validation error on one field cannot hide a crash behind another). The API gets the
same in its JSON bodies, field by field from its own OpenAPI description. A route added
tomorrow is swept the same way without anyone listing it here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask, got_request_exception
from sqlalchemy import func, select
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import Rule

from portal.extensions import db
from portal.models import (
    Attachment,
    Case,
    CaseEvent,
    CustomerFact,
    EventKind,
    FollowUp,
    OutboxMessage,
    Promise,
    Role,
    Standard,
    User,
)
from portal.models.api import ApiToken, Webhook
from portal.models.mail import InboundMail
from portal.services import api_tokens as tokens
from portal.services import passwords
from portal.web.numbers import record_id, whole_number
from portal.web.pagination import encode_cursor
from portal.web.urls import IdConverter
from tests import demo_world, factories

INT8_PAST = str(2**63)
# Past int4 (PostgreSQL's Integer), within int8: fine on SQLite, NumericValueOutOfRange on PG.
INT4_PAST = str(2**31)
BAD_NUMBERS = (INT8_PAST, str(2**64), "1" + "0" * 30, str(-(2**63) - 1), INT4_PAST,
               str(-(2**31) - 1), "1e9", "\uff10\uff11", "-1", "NaN", "1.5", "0x1F", "")
# One field at a time gets these: past each backend's range, and not a number at all.
EACH_FIELD = (INT8_PAST, INT4_PAST, "NaN")
# Paths: past each range, and digits int() reads but routing and references must not.
PATH_VALUES = (INT8_PAST, "1" + "0" * 30, INT4_PAST, "\uff10\uff11")
# Cursors as this app makes them, around ids past int4 and int8 and the ends of time.
_MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
CRAFTED = {"cursor": tuple(encode_cursor(moment, key) for moment, key in (
    (_MOMENT, 2**31), (_MOMENT, 2**63 - 1), (_MOMENT, -(2**63)), (_MOMENT, 0),
    (datetime.max.replace(tzinfo=UTC), 1), (datetime.min.replace(tzinfo=UTC), 1),
    (2**31, 1), (None, 2**31)))}
# Free text: a number there is words, and sweeping it only costs time.
TEXT = frozenset({"body", "title", "comment", "note", "name", "email", "password", "confirm",
                  "reason", "what", "outcome", "explanation", "value", "what_was_done",
                  "told_customer", "customer_line", "url", "system", "new_what", "code",
                  "link-email", "csrf_token", "_probe"})
# Names commonly read from query strings, sent to every GET whether or not it reads them.
COMMON_QUERY = ("page", "cursor", "before", "after", "limit", "id", "department", "category",
                "agent", "assignee", "weeks", "actor", "status", "seen", "version", "q")
# Sign-in and account routes last: they may change who the client is.
LAST = ("logout", "login", "signup", "reset", "link", "two_factor", "two-factor")
SERVER_ERROR = 500
# Answers of a view that stopped a visitor before it read the request.
REFUSED = frozenset({302, 401, 403, 404, 405})


# --- recording which parameters a view reads ------------------------------------------

READ: set[str] = set()


class RecordingMultiDict(ImmutableMultiDict):
    """Query strings and forms that note each name a view (or its form) asks for."""

    def __getitem__(self, key):
        READ.add(key)
        return super().__getitem__(key)

    def getlist(self, key, type=None):  # noqa: A002 - werkzeug's own signature
        READ.add(key)
        return super().getlist(key, type)

    def __contains__(self, key):
        READ.add(key)
        return super().__contains__(key)




@pytest.fixture
def recording(app: Flask, monkeypatch) -> None:
    base = app.request_class
    monkeypatch.setattr(app, "request_class",
                        type("RecordingRequest", (base,),
                             {"parameter_storage_class": RecordingMultiDict}))


# --- the world and plausible values -------------------------------------------------------

def _first(model, *where) -> int:
    return db.session.scalar(select(model.id).where(*where).order_by(model.id)) or 1


@dataclass
class Visitor:
    """Who sweeps, and the real ids that bring them past the 404 into each view."""

    user: User | None
    path_ids: dict[str, Any] = field(default_factory=dict)
    form: dict[str, Any] = field(default_factory=dict)

    @property
    def form_items(self) -> tuple[tuple[str, Any], ...]:
        return tuple(self.form.items())


def _visible_case(user: User | None) -> Case:
    query = select(Case).order_by(Case.id)
    if user is not None and user.role == Role.CUSTOMER:
        query = query.where(Case.customer_id == user.id)
    elif user is not None and user.role != Role.ADMIN:
        query = query.where(Case.department_id.in_(user.department_ids))
    return db.session.scalar(query)


def visitor(email: str | None) -> Visitor:
    """Real ids for the path and plausible form values for what this person can reach."""
    user = demo_world.user(email) if email else None
    if user is not None:  # the login fixture signs in with the factories' password
        user.password_hash = passwords.hashed(factories.PASSWORD)
        db.session.commit()
    case = _visible_case(user)
    tom = demo_world.user("tom@staff.example.com")
    return Visitor(user, _path_ids(case, tom), _plausible_form(case, tom))


def _path_ids(case: Case, colleague: User) -> dict[str, Any]:
    """A real value for each route argument, by its name (1 for a name not listed)."""
    return {
        "reference": case.reference, "attachment_id": _first(Attachment),
        "customer_id": case.customer_id, "follow_up_id": _first(FollowUp),
        "mail_id": _first(InboundMail), "message_id": _first(OutboxMessage),
        "promise_id": _first(Promise), "token_id": _first(ApiToken),
        "webhook_id": _first(Webhook), "category_id": case.category_id or 1,
        "department_id": case.department_id, "standard_id": _first(Standard),
        "user_id": colleague.id,  # never the visitor: an admin must not lock themself out
        "event_id": _first(CaseEvent, CaseEvent.case_id == case.id,
                           CaseEvent.kind == EventKind.STAFF_REPLY),
        "fact_id": _first(CustomerFact, CustomerFact.customer_id == case.customer_id),
        "filename": "x.png", "token": "not-a-token",
    }


def _plausible_form(case: Case, colleague: User) -> dict[str, Any]:
    """Values that pass the forms' checks, so a bad number in one field gets all the way in.

    The address and password match nobody: a sign-in form must not change who is swept.
    """
    return {
        "body": "Thanks, that helps.", "title": "Brakes squeak", "kind": "public",
        "seen": db.session.scalar(select(func.max(CaseEvent.id))
                                  .where(CaseEvent.case_id == case.id)),
        "category": case.category_id, "department": case.department_id,
        "assignee": colleague.id, "owner": colleague.id, "status": "in_progress",
        "priority": "high", "solved": "partly", "rating": "7", "comment": "Fine",
        "helpful": "no", "reason": "Slow", "due": "2030-01-01T10:00",
        "new_due": "2030-01-02T10:00", "state": "kept", "outcome": "Done",
        "what": "Call back", "note": "Yours", "channel": "phone",
        "email": "nobody@example.com", "password": "wrong password here",
        "name": "Nobody Here", "value": "VIN-1", "system": "CRM", "role": "agent",
        "active": "1", "first_response_minutes": "60", "update_minutes": "120",
        "resolution_minutes": "600", "weeks": "12", "email_updates": "daily",
        "what_was_done": "Called", "told_customer": "Yes", "scope": "read",
        "url": "https://example.com/hook", "events": "case.created",
        "departments": case.department_id, "code": "000000", "explanation": "Because",
    }


# --- building requests for a rule ------------------------------------------------------

@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: tuple[tuple[str, Any], ...] = ()
    form: tuple[tuple[str, Any], ...] = ()
    bad: str = ""  # what this call makes bad, for the report

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.bad}".rstrip()


def _methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _build(rule: Rule, values: dict[str, Any]) -> str:
    return rule.build(values, append_unknown=False)[1]


def _real_path(rule: Rule, who: Visitor) -> str:
    return _build(rule, {name: who.path_ids.get(name, 1) for name in rule.arguments})


def _is_id(rule: Rule, name: str) -> bool:
    return isinstance(rule._converters[name], IdConverter)  # noqa: SLF001 - only kept there


def _bad_paths(rule: Rule, who: Visitor, only_ids: bool = False,
               values: tuple[str, ...] = PATH_VALUES) -> Iterator[str]:
    """The rule with each argument in turn a bad number (as a case reference too).

    `<int:…>` arguments are written into the path by hand: url building would refuse them.
    """
    for name in rule.arguments:
        if name == "filename" or (only_ids and not _is_id(rule, name)):
            continue
        for bad in values:
            if _is_id(rule, name):
                real = _real_path(rule, who)
                good = str(who.path_ids.get(name, 1))
                yield _swap_segment(rule, real, name, good, bad or "0")
            else:
                filler = f"CL-{bad}" if name == "reference" else bad or "0"
                yield _build(rule, {**{n: who.path_ids.get(n, 1) for n in rule.arguments},
                                    name: filler})


def _swap_segment(rule: Rule, path: str, name: str, good: str, bad: str) -> str:
    """The real path with the segment of argument `name` replaced by `bad`."""
    template = rule.rule.split("/")
    parts = path.split("/")
    index = next(i for i, part in enumerate(template) if part.endswith(f":{name}>"))
    assert parts[index] == good, (path, name)
    parts[index] = bad
    return "/".join(parts)


def _probe(client, call: Call) -> tuple[int, set[str]]:
    """The status and the names the view read, for a request with plausible values."""
    READ.clear()
    response = client.open(call.path, method=call.method, query_string=list(call.query),
                           data=dict(call.form) if call.method != "GET" else None)
    response.close()
    assert response.status_code < SERVER_ERROR, f"{call} with plausible values"
    return response.status_code, {name for name in READ if name not in TEXT}


def _refused(status: int, names: set[str]) -> bool:
    """Stopped at the door (sign-in, role, scope) before reading anything we send."""
    return status in REFUSED and not names


def plan(client, rule: Rule, method: str, who: Visitor) -> tuple[bool, list[Call]]:
    """Whether the view let this visitor in, and every request to send it.

    A probe with plausible values finds which names the view reads. Then: all those
    names bad at once, with each bad number; then each name alone over plausible values,
    so that another field's validation error cannot hide a crash behind it. A visitor
    refused at the door gets only the `<int:…>` paths, which routing checks first.
    """
    path, form = _real_path(rule, who), who.form_items if method != "GET" else ()
    query = (("_probe", "1"),) if method == "GET" else ()
    status, names = _probe(client, Call(method, path, query=query, form=form))
    refused = _refused(status, names)
    calls = [Call(method, bad_path, form=form) for bad_path in _bad_paths(rule, who, refused)]
    if not refused:
        calls += _bad_fields(method, path, names, who)
    return not refused, calls


def _bad_fields(method: str, path: str, names: set[str], who: Visitor) -> list[Call]:
    # Names the view did not read can only matter on a path the probe did not take.
    values = BAD_NUMBERS if names else EACH_FIELD
    if method == "GET":
        return ([Call(method, path, query=tuple(dict.fromkeys(names | set(COMMON_QUERY), bad)
                                                .items()), bad=f"every query name={bad!r}")
                 for bad in values] +
                [Call(method, path, query=((name, bad),), bad=f"?{name}={bad}")
                 for name in sorted(names) for bad in EACH_FIELD + CRAFTED.get(name, ())])
    return ([Call(method, path, form=tuple({**who.form, **dict.fromkeys(names, bad)}.items()),
                  bad=f"form fields {sorted(names)}={bad!r}") for bad in values] +
            [Call(method, path, form=tuple({**who.form, name: bad}.items()),
                  bad=f"form {name}={bad!r}")
             for name, bad in itertools.product(sorted(names), EACH_FIELD)])


def _ordered_rules(app: Flask) -> list[Rule]:
    """Every rule but static files and the API (swept with a token below); sign-in last."""
    rules = [r for r in app.url_map.iter_rules()
             if r.endpoint != "static" and not r.rule.startswith("/api/")]
    return sorted(rules, key=lambda r: (any(word in r.rule for word in LAST), r.rule))


@pytest.fixture
def server_errors(app: Flask, monkeypatch) -> list[str]:
    """500s are answered as in production, and each one's exception noted for the report."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    seen: list[str] = []

    def note(_sender, exception, **_extra):
        seen.append(f"{type(exception).__name__}: {str(exception)[:160]}")

    got_request_exception.connect(note, app)
    yield seen
    got_request_exception.disconnect(note, app)


def sweep(app: Flask, client, who: Visitor, errors: list[str]) -> tuple[list[str], int]:
    """Send every call for every rule: those answered with a 500 (and why), and how many
    rules and methods let the visitor in."""
    failures: list[str] = []
    reached = 0
    for rule in _ordered_rules(app):
        for method in _methods(rule):
            entered, calls = plan(client, rule, method, who)
            reached += entered
            for call in calls:
                response = client.open(call.path, method=call.method,
                                       query_string=list(call.query),
                                       data=dict(call.form) if call.form else None)
                response.close()  # a file download keeps its file open until closed
                if response.status_code >= SERVER_ERROR:
                    failures.append(f"{call}\n    {errors[-1] if errors else '?'}")
    return failures, reached


# --- the sweeps ---------------------------------------------------------------------------

# Rules and methods each visitor gets into in the demo world (when written: 11, 25, 31,
# 40, 67); a sweep that reaches far fewer has lost its way in.
MIN_REACHED = {"anonymous": 8, "customer": 20, "agent": 25, "manager": 32, "admin": 55}
VISITORS = {"anonymous": None, "customer": "dana@example.com",
            "agent": "tom@staff.example.com", "manager": "priya@staff.example.com",
            "admin": "admin@staff.example.com"}


@pytest.mark.slow  # every route × every role: a minute of CPU, `make test-slow`
@pytest.mark.parametrize("role", VISITORS)
def test_no_route_answers_a_bad_number_with_a_500(app, client, login, recording,
                                                  server_errors, role):
    demo_world.build()
    who = visitor(VISITORS[role])
    if who.user is not None:
        login(client, who.user)
    failures, reached = sweep(app, client, who, server_errors)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:30])
    # A sweep stopped at every door (a broken sign-in) would pass without testing much.
    assert reached >= MIN_REACHED[role], reached


# --- the one parser the views share ----------------------------------------------------

@pytest.mark.parametrize("raw", ["2147483648", "9223372036854775808", "1" + "0" * 30, "0",
                                 "-1", "1e9", "NaN", "\uff10\uff11", "\u0661", "1_000",
                                 " 7", "0x1F", "1.5", ""])
def test_an_id_from_a_request_is_ascii_digits_within_the_column(raw):
    with pytest.raises(ValueError):
        record_id(raw)


def test_ids_and_whole_numbers_within_range_are_read():
    assert record_id("1") == 1 and record_id(str(2**31 - 1)) == 2**31 - 1
    assert whole_number("-5", low=-10) == -5


# --- the JSON API --------------------------------------------------------------------------

def _api_value(schema: dict[str, Any], who: Visitor) -> Any:
    """A plausible value for a property of the OpenAPI schema."""
    kinds = schema.get("type", "string")
    kind = kinds[0] if isinstance(kinds, list) else kinds
    if "enum" in schema:
        return schema["enum"][0]
    if "oneOf" in schema:
        return who.path_ids["category_id"]
    return {"integer": 1, "boolean": True, "array": [], "object": {}}.get(
        kind, "2030-01-01T10:00:00Z" if schema.get("format") == "date-time"
        else "nobody@example.com" if schema.get("format") == "email" else "Words")


def _api_bad_values(schema: dict[str, Any]) -> list[Any]:
    """Huge and odd numbers as JSON numbers (NaN too: Python's json reads it), and as
    strings where the field takes a number; a text field gets a few numbers only."""
    if not _takes_number(schema):
        return [2**63, 1e9, math.nan]
    numbers: list[Any] = [2**63, 2**64, 10**30, -(2**63) - 1, 2**31, -(2**31) - 1, 1e9, -1,
                          math.nan, math.inf, 1.5, True]
    return numbers + list(BAD_NUMBERS)


def _takes_number(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type", [])
    return "integer" in kinds or "number" in kinds or any(
        _takes_number(option) for option in schema.get("oneOf", []))


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def api_calls(app: Flask, spec: dict[str, Any], who: Visitor) -> Iterator[tuple[str, str, Any]]:
    """(method, path, json) for every API rule: bad paths, query parameters and body fields."""
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        for method in _methods(rule):
            for path in _bad_paths(rule, who, values=BAD_NUMBERS):
                yield method, path, {} if method == "POST" else None
            path = _real_path(rule, who)
            if method == "GET":
                for name in getattr(view, "query_params", ()):
                    for bad in BAD_NUMBERS + CRAFTED.get(name, ()):
                        yield method, f"{path}?{name}={bad}", None
                continue
            template = rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
            operation = spec["paths"].get(template, {}).get(method.lower(), {})
            body = operation.get("requestBody", {}).get("content", {})
            schema = _resolve(spec, body.get("application/json", {}).get("schema", {}))
            props = schema.get("properties", {})
            base = {name: _api_value(_resolve(spec, s), who) for name, s in props.items()}
            for name, prop in props.items():
                for bad in _api_bad_values(_resolve(spec, prop)):
                    yield method, path, {**base, name: bad}


def test_the_api_answers_bad_numbers_with_problems_not_500s(app, client):
    demo_world.build()
    admin = demo_world.user("admin@staff.example.com")
    _, secret = tokens.create(admin, "Sweep", "write", [])
    who = visitor("admin@staff.example.com")
    who.path_ids["customer_id"] = str(who.path_ids["customer_id"])
    headers = {"Authorization": f"Bearer {secret}"}
    spec = client.get("/api/v1/openapi.json", headers=headers).json
    failures = []
    for method, path, body in api_calls(app, spec, who):
        response = client.open(path, method=method, json=body, headers=headers)
        if response.status_code >= SERVER_ERROR:
            failures.append(f"{response.status_code}: {method} {path} {body}")
        elif response.status_code >= 400:
            assert response.mimetype == "application/problem+json", (method, path)
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:40])

