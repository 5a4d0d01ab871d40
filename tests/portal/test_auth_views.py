import pytest

from tests import factories
from tests.helpers import last_link


def test_password_sign_in_then_my_cases(client, login):
    dana = factories.customer()
    response = login(client, dana)
    assert response.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_answer(client):
    dana = factories.customer()
    wrong = client.post("/login", data={"email": dana.email, "password": "nope nope"})
    unknown = client.post("/login", data={"email": "ghost@example.com", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 422
    message = "That email and password do not match an account."
    assert message in wrong.text and message in unknown.text
    assert f'value="{dana.email}"' in wrong.text  # the email the person typed is kept


def test_pages_need_sign_in(client):
    response = client.get("/cases/CL-000001")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("target", [
    "//evil.com", "/\\evil.com", "https:evil.com", "%09//evil.com", "\t//evil.com",
    "https://portal@evil.com", "javascript:alert(1)", "http://evil.com/cases",
])
def test_next_can_never_leave_the_site(client, target):
    dana = factories.customer()
    response = client.post("/login", query_string={"next": target},
                           data={"email": dana.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == "/cases"


def test_next_to_a_local_page_is_followed(client):
    dana = factories.customer()
    case = factories.case(dana)
    response = client.post("/login", query_string={"next": f"/cases/{case.reference}"},
                           data={"email": dana.email, "password": factories.PASSWORD})
    assert response.headers["Location"] == f"/cases/{case.reference}"


def test_emailed_link_signs_in_only_after_a_post(client):
    dana = factories.customer()
    sent = client.post("/login/link", data={"link-email": dana.email})
    assert "If that address has an account" in sent.text
    link = last_link(dana.email)
    page = client.get(link)  # what a mail scanner does
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/cases").status_code == 302  # the GET signed nobody in
    done = client.post(link)
    assert done.status_code == 302 and done.headers["Location"] == "/cases"  # token gone
    assert client.get("/cases").status_code == 200
    again = client.post(link)  # signed in as its owner: a used link just goes on
    assert again.status_code == 302 and again.headers["Location"] == "/cases"
    client.post("/logout")
    spent = client.post(link)
    assert spent.status_code == 404 and "Send me a new link" in spent.text
    assert client.get("/cases").status_code == 302


def test_link_request_for_unknown_email_looks_the_same(client):
    factories.customer(email="known@example.com")
    known = client.post("/login/link", data={"link-email": "known@example.com"})
    unknown = client.post("/login/link", data={"link-email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text


def test_sign_out_is_a_post_and_revokes_the_old_cookie(client, login):
    dana = factories.customer()
    login(client, dana)
    stolen = client.get_cookie("session").value
    assert client.get("/logout").status_code == 405
    client.post("/logout")
    assert client.get("/cases").status_code == 302
    client.set_cookie("session", stolen)  # replaying the old cookie does not work
    assert client.get("/cases").status_code == 302


def test_sign_up_asks_to_confirm_by_email_and_then_signs_in(client):
    response = client.post("/signup", data={
        "name": "Ravi Menon", "email": "ravi@example.com",
        "password": "a long password", "confirm": "a long password"})
    assert "Check your email" in response.text
    client.post(last_link("ravi@example.com"))
    page = client.get("/cases")
    assert page.status_code == 200 and "No cases yet" in page.text


def test_sign_up_errors_sit_next_to_their_fields(client):
    response = client.post("/signup", data={
        "name": "", "email": "ravi@example.com", "password": "short", "confirm": "other"})
    assert response.status_code == 422
    assert 'id="name-error"' in response.text and "Tell us your name." in response.text
    assert 'id="password-error"' in response.text
    assert 'value="ravi@example.com"' in response.text


def test_password_reset_by_link(client):
    dana = factories.customer()
    client.post("/reset", data={"email": dana.email})
    link = last_link(dana.email)
    response = client.post(link, data={"password": "my new password", "confirm":
                                       "my new password"})
    assert response.headers["Location"] == "/login"
    ok = client.post("/login", data={"email": dana.email, "password": "my new password"})
    assert ok.status_code == 302
    assert client.get(link).status_code == 404


def test_staff_cannot_use_the_customer_sign_in(client):
    agent = factories.staff()
    response = client.post("/login", data={"email": agent.email,
                                           "password": factories.PASSWORD})
    assert response.status_code == 422
