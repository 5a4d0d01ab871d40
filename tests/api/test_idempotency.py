"""Idempotency-Key: a repeated POST replays the first answer and does the work once."""

import threading

from sqlalchemy import func, select

from portal.api import idempotency
from portal.extensions import db
from portal.models import Case, CaseEvent, Role, User
from portal.models.api import ApiIdempotency
from tests import factories


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _customers() -> int:
    return _count(User, User.role == Role.CUSTOMER)


def test_a_repeated_key_returns_the_first_response_and_creates_one_case(api):
    cat = factories.category()
    body = {"customer_email": "dana@example.com", "title": "Recall", "body": "RC-42",
            "category": cat.id}
    key = {"Idempotency-Key": "order-2026-000042"}
    first = api.post("/cases", body, headers=key)
    again = api.post("/cases", body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(Case) == 1


def test_the_same_key_for_another_request_is_refused(api):
    key = {"Idempotency-Key": "k1"}
    assert api.post("/customers", {"email": "a@example.com"}, headers=key).status_code == 202
    other = api.post("/customers", {"email": "b@example.com"}, headers=key)
    assert other.status_code == 422 and other.mimetype == "application/problem+json"
    assert _customers() == 1


def test_keys_belong_to_one_token(api_as, make_token):
    _, one = make_token(name="One")
    _, two = make_token(name="Two")
    key = {"Idempotency-Key": "shared"}
    first = api_as(one).post("/customers", {"email": "a@example.com"}, headers=key)
    second = api_as(two).post("/customers", {"email": "a@example.com"}, headers=key)
    assert first.status_code == second.status_code == 202
    assert "Idempotent-Replayed" not in second.headers


def test_refusals_are_not_remembered_so_a_fixed_retry_can_use_the_key(api):
    case = factories.case()
    key = {"Idempotency-Key": "contact-1"}
    path = f"/cases/{case.reference}/events"
    assert api.post(path, {"channel": "phone"}, headers=key).status_code == 422
    assert _count(ApiIdempotency) == 0
    body = {"channel": "phone", "body": "Called."}
    assert api.post(path, body, headers=key).status_code == 201
    assert api.post(path, body, headers=key).status_code == 201
    assert _count(CaseEvent, CaseEvent.case_id == case.id, CaseEvent.body == "Called.") == 1


def test_malformed_keys_are_400(api):
    for key in ("", "x" * 201, "tab\there", "é"):
        response = api.client.post("/api/v1/customers", json={"email": "a@example.com"},
                                   headers=api.headers({"Idempotency-Key": key}))
        assert response.status_code == 400, key
    assert _customers() == 0


def test_a_key_still_running_elsewhere_gets_409_and_does_nothing(api, make_token):
    token, secret = make_token(name="Busy")
    db.session.add(ApiIdempotency(token_id=token.id, key="busy", fingerprint="?"))
    db.session.commit()
    api.secret = secret
    response = api.post("/customers", {"email": "a@example.com"},
                        headers={"Idempotency-Key": "busy"})
    # A different fingerprint is reported first: the key was used for something else.
    assert response.status_code == 422
    record = db.session.scalar(select(ApiIdempotency))
    record.fingerprint = _fingerprint_of("/api/v1/customers", {"email": "a@example.com"})
    db.session.commit()
    response = api.post("/customers", {"email": "a@example.com"},
                        headers={"Idempotency-Key": "busy"})
    assert response.status_code == 409 and response.headers["Retry-After"] == "1"
    assert _customers() == 0


def _fingerprint_of(path: str, body: dict) -> str:
    import hashlib
    import json

    digest = hashlib.sha256(f"POST {path}\n".encode())
    digest.update(json.dumps(body).encode())
    return digest.hexdigest()


def test_concurrent_duplicates_create_one_object(app, make_token, monkeypatch):
    _, secret = make_token()
    db.session.commit()
    barrier = threading.Barrier(2, timeout=10)
    claim = idempotency._claim

    def claim_together(*args):
        # End the request's read transaction (on SQLite a POST holds the write lock from its
        # first query), then let both requests try to claim the key at the same moment.
        db.session.commit()
        barrier.wait()
        return claim(*args)

    monkeypatch.setattr(idempotency, "_claim", claim_together)
    answers: list[int] = []

    def post() -> None:
        client = app.test_client()
        response = client.post("/api/v1/customers", json={"email": "same@example.com"},
                               headers={"Authorization": f"Bearer {secret}",
                                        "Idempotency-Key": "race"})
        answers.append(response.status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert sorted(answers) in ([202, 202], [202, 409]), answers
    db.session.expire_all()
    assert _customers() == 1
