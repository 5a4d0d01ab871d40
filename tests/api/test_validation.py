"""Bad input: every refusal is application/problem+json, field errors for 422, never a 500."""

import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, User
from tests import factories

PROBLEM = "application/problem+json"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _fields(response) -> dict[str, str]:
    assert response.status_code == 422, response.json
    assert response.mimetype == PROBLEM
    assert {"type", "title", "status", "detail", "errors"} <= set(response.json)
    assert response.json["status"] == 422 and response.json["title"] == "Unprocessable Content"
    return {e["field"]: e["detail"] for e in response.json["errors"]}


def test_every_missing_field_is_listed_with_a_pointer(api):
    response = api.post("/cases", {})
    fields = _fields(response)
    assert set(fields) == {"customer_email", "title", "body", "category"}
    pointers = {e["pointer"] for e in response.json["errors"]}
    assert "/customer_email" in pointers


def test_pointers_are_rfc_6901_into_nested_values_with_escapes(api):
    cat = factories.category()
    response = api.post("/cases", {
        "customer_email": "dana@example.com", "title": "t", "body": "b", "category": cat.id,
        "references": [{"system": "recall", "value": "RC-1"}, {"system": "recall"}],
        "odd/name~": 1})
    pointers = {e["field"]: e["pointer"] for e in _problem_errors(response)}
    assert pointers["references/1/value"] == "/references/1/value"
    # "/" and "~" inside a name are escaped as ~1 and ~0 (RFC 6901 section 3).
    assert pointers["odd/name~"] == "/odd~1name~0"


def _problem_errors(response) -> list[dict[str, str]]:
    _fields(response)
    return response.json["errors"]


@pytest.mark.parametrize(("field", "value", "message"), [
    ("title", "a\x00b", "cannot store"),
    ("title", "x" * 201, "under 200"),
    ("body", "y" * 20_001, "under 20,000"),
    ("title", "   ", "cannot be empty"),
    ("title", 42, "string"),
    ("title", "\ud800 lone surrogate", "cannot store"),
    ("category", True, "string"),
    ("category", 2**40, ""),
    ("category", 1.5, "string"),
    ("priority", "whenever", "one of"),
    ("references", "RC-42", "list"),
    ("references", [{"system": "recall"}], "string"),
    ("references", [{"system": "a", "value": "b", "extra": 1}], "only system and value"),
    ("customer_email", "not-an-address", "not a valid email"),
])
def test_field_errors(api, field, value, message):
    cat = factories.category()
    body = {"customer_email": "dana@example.com", "title": "t", "body": "b",
            "category": cat.id, field: value}
    cases_before = _count(Case)
    fields = _fields(api.post("/cases", body))
    assert any(name.startswith(field) for name in fields), fields
    assert message in " ".join(fields.values())
    assert _count(Case) == cases_before


def test_unknown_fields_are_refused_not_ignored(api):
    fields = _fields(api.post("/customers", {"email": "a@example.com", "emial": "typo"}))
    assert fields == {"emial": "Unknown field."}
    assert _count(User) == 1  # only the admin who made the token


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b"[1, 2]", "application/json", 400),
    (b"\"text\"", "application/json", 400),
    (b"\xff\xfe{}", "application/json", 400),
    (b"[" * 100_000, "application/json", 400),
    (b"email=a@example.com", "application/x-www-form-urlencoded", 415),
    (b"{}", "text/plain", 415),
])
def test_bodies_that_are_not_a_json_object(api, data, content_type, status):
    response = api.client.post("/api/v1/customers", data=data, content_type=content_type,
                               headers=api.headers())
    assert response.status_code == status
    assert response.mimetype == PROBLEM


def test_a_body_over_one_megabyte_is_refused_before_reading(api):
    body = json.dumps({"email": "a@example.com", "name": "x" * (1024 * 1024)})
    response = api.client.post("/api/v1/customers", data=body, content_type="application/json",
                               headers=api.headers())
    assert response.status_code == 413 and response.mimetype == PROBLEM


def test_huge_numbers_and_odd_paths_are_not_500s(api):
    case = factories.case()
    assert api.post(f"/cases/{case.reference}/status",
                    {"status": "in_progress", "version": 10**30}).status_code == 422
    assert api.get(f"/cases/{case.reference}/events?after=-1").status_code == 400
    assert api.get("/cases/%00").status_code == 404
    assert api.post("/cases", {"customer_email": "a@example.com", "title": "t", "body": "b",
                               "category": "\x00"}).status_code == 422


def test_unknown_query_parameters_are_refused_like_unknown_fields(api):
    case = factories.case()
    for path in ("/cases?sort=title", f"/cases/{case.reference}?x=1",
                 f"/cases/{case.reference}/events?before=3", "/openapi.json?x=1"):
        response = api.get(path)
        assert response.status_code == 400, path
        assert response.mimetype == PROBLEM
    assert api.get("/cases?status=new&limit=5").status_code == 200
