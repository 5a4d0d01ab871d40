"""Department scope, common passwords, no-store caching and the smaller holes people notice.

Each test asserts what someone sees: a page, a status, a header, a stored row.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from portal.models import OutboxMessage, Role, User
from portal.models.outbox import FAILED
from portal.services import accounts, passwords
from portal.services.errors import ServiceError
from portal.services.outbox import queue_email
from tests import factories
from tests.helpers import last_link, mails_to

PROBLEM = "application/problem+json"
COMMON = "This password is too common; choose one that is harder to guess."


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# Outbox: managers see and resend only their departments' mail -------------------------------

def _mail_about(case, subject: str, failed: bool = False) -> OutboxMessage:
    message = queue_email(case.customer.email, subject, "sign_in_link", case_id=case.id,
                          user=case.customer, link="https://x.example/l", minutes=10)
    if failed:
        message.status, message.attempts, message.last_error = FAILED, 1, "550 no"
    db.session.commit()
    return message



def test_a_manager_sees_only_their_departments_mail(client, login, two_departments):
    north, ours, theirs = two_departments
    _mail_about(ours, "Subject-North-recall")
    _mail_about(theirs, "Subject-South-refund", failed=True)
    queue_email("someone@example.com", "Subject-account-link", "sign_in_link", user=None,
                link="l", minutes=1)
    db.session.commit()
    login(client, factories.staff(Role.MANAGER, [north]))
    page = client.get("/admin/outbox").text
    assert "Subject-North-recall" in page
    assert "Subject-South-refund" not in page and "Subject-account-link" not in page
    assert "Subject-South-refund" not in client.get("/admin/outbox?status=failed").text


def test_a_manager_cannot_resend_another_departments_mail(client, login, two_departments):
    north, ours, theirs = two_departments
    mine, foreign = _mail_about(ours, "Ours", failed=True), _mail_about(theirs, "Theirs",
                                                                       failed=True)
    login(client, factories.staff(Role.MANAGER, [north]))
    assert client.post(f"/admin/outbox/{foreign.id}/retry").status_code == 404
    assert client.post("/admin/outbox/999999/retry").status_code == 404  # the same answer
    assert client.post(f"/admin/outbox/{mine.id}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, foreign.id).status == FAILED
    assert db.session.get(OutboxMessage, mine.id).status == "pending"


def test_an_admin_sees_every_message(client, login, two_departments):
    _, ours, theirs = two_departments
    _mail_about(ours, "Subject-North-recall")
    _mail_about(theirs, "Subject-South-refund")
    login(client, factories.staff(Role.ADMIN))
    page = client.get("/admin/outbox").text
    assert "Subject-North-recall" in page and "Subject-South-refund" in page


# Common passwords --------------------------------------------------------------------------

@pytest.mark.parametrize("password", ["password123", "QWERTYuiop", " 1234567890 "])
def test_sign_up_refuses_a_common_password_and_says_why(client, password):
    response = client.post("/signup", data={"name": "Dana", "email": "dana@example.com",
                                            "password": password, "confirm": password})
    assert response.status_code == 422 and COMMON in response.text
    assert _count(User) == 0 and mails_to("dana@example.com") == []


def test_a_password_reset_refuses_a_common_password(client):
    dana = factories.customer(email="dana@example.com")
    old_hash = dana.password_hash
    client.post("/reset", data={"email": dana.email})
    link = last_link(dana.email)
    refused = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert refused.status_code == 422 and COMMON in refused.text
    db.session.expire_all()
    assert db.session.get(User, dana.id).password_hash == old_hash
    done = client.post(link, data={"password": "a rare long phrase", "confirm":
                                   "a rare long phrase"})
    assert done.status_code == 302  # the link still works for a good password


def test_staff_and_the_command_line_cannot_set_a_common_password():
    with pytest.raises(ServiceError) as refused:
        accounts.create_user("ops@example.com", "Ops", Role.ADMIN, "qwertyuiop")
    assert refused.value.message == COMMON and refused.value.field == "password"
    agent = factories.staff()
    with pytest.raises(ServiceError):
        accounts.set_password(agent, "1234567890")


# Cache-Control: no-store on signed-in pages and exports ----------------------------------

def test_signed_in_customer_pages_are_not_stored(client, login):
    case = factories.case()
    login(client, case.customer)
    for url in ("/cases", f"/cases/{case.reference}"):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "no-store", url


def test_the_live_poll_still_revalidates_with_its_etag(client, login):
    """no-store would make the browser drop the fragment and its ETag: every poll would then
    render the whole case instead of getting a 304."""
    case = factories.case()
    login(client, case.customer)
    first = client.get(f"/cases/{case.reference}/live")
    assert first.headers["Cache-Control"] == "private, no-cache" and first.headers["ETag"]
    again = client.get(f"/cases/{case.reference}/live",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_signed_in_staff_pages_and_exports_are_not_stored(client, login):
    login(client, factories.staff(Role.ADMIN))
    for url in ("/admin/cases", "/admin/outbox", "/admin/audit.csv", "/admin/feedback.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_public_pages_and_static_files_keep_their_caching(client, login):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(client, factories.customer())
    static = client.get("/static/css/app.css")
    static.close()  # a file response: let go of the file
    assert static.status_code == 200
    assert "max-age=31536000" in static.headers["Cache-Control"]


# API errors, health, sign-up timing ------------------------------------------------------

@pytest.mark.parametrize("method, path, status", [
    ("get", "/api/v1/nothing-here", 404), ("get", "/api/v1/cases/CL-000001/nope", 404),
    ("delete", "/api/v1/cases", 405), ("put", "/api/v1/customers", 405)])
def test_unknown_api_paths_and_methods_answer_problem_json(client, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status and response.mimetype == PROBLEM
    assert response.json["status"] == status and "<html" not in response.text
    if status == 405:
        assert "POST" in response.headers["Allow"]


def test_health_503_says_when_to_retry(tmp_path):
    broken = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI":
                         f"sqlite:///{tmp_path}/missing/dir/x.db"})
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0


def _without_csrf(html: str) -> str:
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_sign_up_does_the_same_work_for_known_and_unknown_addresses(client, monkeypatch):
    known = factories.customer(email="known@example.com")
    staff = factories.staff(email="staffer@example.com")
    hashes: list[str] = []
    real_hashed = passwords.hashed

    def counting(password: str) -> str:
        hashes.append(password)
        return real_hashed(password)

    monkeypatch.setattr(passwords, "hashed", counting)
    pages = []
    for address in ("new@example.com", known.email, staff.email):
        hashes.clear()
        before = _count(OutboxMessage)
        pages.append(client.post("/signup", data={
            "name": "Probe", "email": address, "password": "a rare long phrase",
            "confirm": "a rare long phrase"}))
        assert len(hashes) == 1, address  # one password hash, whoever owns the address
        if address != staff.email:
            assert _count(OutboxMessage) == before + 1  # one email through the outbox
    # The same page for all three (the CSRF token is signed with the second it was made).
    assert len({(p.status_code, _without_csrf(p.text)) for p in pages}) == 1
    assert "but you already" in mails_to(known.email)[-1].body_text
