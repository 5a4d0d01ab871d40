"""Who may call the API: bearer tokens, read versus write, departments, hashed storage."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from portal.extensions import db
from portal.models import Case, User
from portal.models.api import ApiToken
from portal.services import api_tokens as tokens
from tests import factories

PROBLEM = "application/problem+json"


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer cl_not-a-real-token",
    "Bearer " + "x" * 5000, "bearer cl_" + "y" * 43,
])
def test_missing_or_unknown_tokens_get_401_problem(client, header):
    headers = {"Authorization": header} if header is not None else {}
    response = client.get("/api/v1/cases", headers=headers)
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.json["status"] == 401 and response.json["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_stops_working_at_once(api_as, make_token, admin):
    token, secret = make_token()
    assert api_as(secret).get("/cases").status_code == 200
    tokens.revoke(admin, token)
    response = api_as(secret).get("/cases")
    assert response.status_code == 401 and response.mimetype == PROBLEM


def test_a_read_token_reads_but_may_not_write(api_as, make_token):
    case = factories.case()
    _, secret = make_token("read")
    reader = api_as(secret)
    assert reader.get(f"/cases/{case.reference}").status_code == 200
    assert reader.get(f"/cases/{case.reference}/events").status_code == 200
    cases_before, users_before = _count(Case), _count(User)
    attempts = [
        reader.post("/customers", {"email": "new@example.com"}),
        reader.post("/cases", {"customer_email": "x@example.com", "title": "t", "body": "b",
                               "category": case.category_id}),
        reader.post(f"/cases/{case.reference}/events", {"channel": "phone", "body": "hi"}),
        reader.post(f"/cases/{case.reference}/status", {"status": "in_progress"}),
    ]
    for response in attempts:
        assert response.status_code == 403 and response.mimetype == PROBLEM
    assert (_count(Case), _count(User)) == (cases_before, users_before)


def test_a_department_token_sees_only_its_departments(api_as, make_token):
    branch, finance = factories.department("Northside"), factories.department("Finance")
    mine = factories.case(cat=factories.category(branch))
    theirs = factories.case(cat=factories.category(finance))
    _, secret = make_token("write", [branch])
    scoped = api_as(secret)
    assert scoped.get(f"/cases/{mine.reference}").status_code == 200
    for path in ("", "/events", "/promises", "/feedback"):
        response = scoped.get(f"/cases/{theirs.reference}{path}")
        assert response.status_code == 404 and response.mimetype == PROBLEM
    for path, body in (("/status", {"status": "in_progress"}),
                       ("/events", {"channel": "phone", "body": "hello"})):
        assert scoped.post(f"/cases/{theirs.reference}{path}", body).status_code == 404
    listed = [c["reference"] for c in scoped.get("/cases").json["items"]]
    assert listed == [mine.reference]
    assert scoped.get(f"/cases?department={finance.id}").json["items"] == []


def test_a_department_token_cannot_open_cases_elsewhere_or_read_their_customers(api_as,
                                                                                  make_token):
    branch, finance = factories.department("Northside"), factories.department("Finance")
    elsewhere = factories.case(cat=factories.category(finance, "Payments"))
    _, secret = make_token("write", [branch])
    scoped = api_as(secret)
    response = scoped.post("/cases", {"customer_email": "dana@example.com", "title": "t",
                                      "body": "b", "category": "Payments"})
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "category"
    assert scoped.get(f"/customers/{elsewhere.customer_id}").status_code == 404


def test_tokens_are_stored_hashed_and_never_in_clear(make_token):
    token, secret = make_token()
    assert token.token_hash == tokens.hash_secret(secret) and len(token.token_hash) == 64
    assert secret.startswith(token.prefix) and len(token.prefix) < 16
    db.session.commit()
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            assert secret not in repr(tuple(row)), table.name
    dump = "\n".join(str(r) for r in db.session.execute(text("SELECT * FROM api_tokens")))
    assert secret[len(token.prefix):] not in dump


def test_last_use_is_noted_but_not_on_every_request(api_as, make_token):
    token, secret = make_token()
    assert token.last_used_at is None
    api_as(secret).get("/cases")
    first = db.session.get(ApiToken, token.id).last_used_at
    assert first is not None
    api_as(secret).get("/cases")
    assert db.session.get(ApiToken, token.id).last_used_at == first
    db.session.get(ApiToken, token.id).last_used_at = first - timedelta(minutes=10)
    db.session.commit()
    api_as(secret).get("/cases")
    assert db.session.get(ApiToken, token.id).last_used_at > first


def test_the_openapi_document_needs_no_token(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.json["openapi"].startswith("3.1")
