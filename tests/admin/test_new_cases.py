"""Staff pages for opening a case for a caller: find, take on, open; who may do it."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Case, User
from tests import factories

HX = {"HX-Request": "true"}


def _case_data(category, **extra) -> dict:
    return {"category": category.id, "channel": "phone", "title": "Brakes squeak",
            "written_as": "words", "body": "Since the service on Monday.", **extra}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_queue_offers_a_new_case(client, login, agent):
    login(client, agent)
    page = client.get("/admin/cases")
    assert 'href="/admin/new-case"' in page.text and "New case" in page.text


def test_the_search_answers_a_page_or_just_its_results(client, login, agent):
    factories.customer("Dana Whitfield", "dana@example.com")
    login(client, agent)
    page = client.get("/admin/new-case?q=whit")
    assert page.status_code == 200 and "<html" in page.text
    assert "Open a case for <bdi>Dana Whitfield</bdi>" in page.text
    fragment = client.get("/admin/new-case?q=whit", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Dana Whitfield" in fragment.text and "HX-Request" in fragment.headers["Vary"]
    nobody = client.get("/admin/new-case?q=nobody-here", headers=HX)
    assert "No customer matches" in nobody.text
    assert "/admin/new-case/details?name=nobody-here" in nobody.text  # prefilled


def test_a_phone_number_searched_for_prefills_the_new_customer(client, login, agent):
    login(client, agent)
    page = client.get("/admin/new-case?q=07700+900123")
    assert "/admin/new-case/details?phone=07700+900123" in page.text
    form = client.get("/admin/new-case/details?phone=07700+900123")
    assert 'value="07700 900123"' in form.text


def test_staff_take_on_a_caller_and_open_their_case(client, login, agent, category):
    login(client, agent)
    response = client.post("/admin/new-case/details", data=_case_data(
        category, name="Sam Okafor", email="sam@example.com", phone="07700 900456"))
    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert response.headers["Location"] == f"/admin/cases/{case.reference}"
    assert case.customer.name == "Sam Okafor" and case.department_id == category.department_id
    page = client.get(response.headers["Location"])
    assert "taken down by <bdi>Tom Berger</bdi>" in page.text


def test_a_case_for_a_known_customer_from_their_history(client, login, agent, category):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    factories.case(dana, cat=category)
    login(client, agent)
    history = client.get(f"/admin/customers/{dana.id}")
    assert f"/admin/new-case/details?customer={dana.id}" in history.text
    form = client.get(f"/admin/new-case/details?customer={dana.id}")
    assert "New case for <bdi>Dana Whitfield</bdi>" in form.text and 'id="name"' not in form.text
    response = client.post(f"/admin/new-case/details?customer={dana.id}",
                           data=_case_data(category, written_as="contact"))
    assert response.status_code == 302 and _count(Case) == 2


def test_bad_input_is_422_with_every_word_kept(client, login, agent, category):
    login(client, agent)
    response = client.post("/admin/new-case/details", data=_case_data(
        category, name="", email="sam@", phone="0770", title="",
        body="Everything the caller said."))
    assert response.status_code == 422
    assert "Enter the customer&#39;s name." in response.text
    assert "Give the case a short subject." in response.text
    assert "Everything the caller said." in response.text and 'value="0770"' in response.text
    assert _count(Case) == 0 and _count(User) == 1  # the agent alone


def test_a_taken_address_is_refused_next_to_the_email(client, login, agent, category):
    factories.customer("Dana Whitfield", "dana@example.com")
    login(client, agent)
    response = client.post("/admin/new-case/details", data=_case_data(
        category, name="Dana W", email="dana@example.com"))
    assert response.status_code == 422 and "Someone already has this email" in response.text
    assert _count(Case) == 0


def test_an_agent_cannot_open_a_case_in_another_departments_category(client, login, agent):
    finance = factories.category(factories.department("Finance"), "Invoices")
    login(client, agent)
    form = client.get("/admin/new-case/details")
    assert "Invoices" not in form.text  # not offered
    response = client.post("/admin/new-case/details",
                           data=_case_data(finance, name="Sam Okafor"))
    assert response.status_code == 422 and _count(Case) == 0
    assert db.session.scalar(select(User).where(User.name == "Sam Okafor")) is None


def test_customers_never_reach_these_pages(client, login, category):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, dana)
    assert client.get("/admin/new-case").status_code == 404
    assert client.get("/admin/new-case/details").status_code == 404
    assert client.post("/admin/new-case/details",
                       data=_case_data(category, name="X")).status_code == 404
    assert _count(Case) == 0


def test_a_deactivated_or_unknown_customer_is_a_404(client, login, agent):
    gone = factories.customer("Gone", "gone@example.com")
    gone.active = False
    db.session.commit()
    login(client, agent)
    assert client.get(f"/admin/new-case/details?customer={gone.id}").status_code == 404
    assert client.get(f"/admin/new-case/details?customer={agent.id}").status_code == 404


def test_the_customer_sees_the_case_in_my_cases(client, login, agent, category):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    login(client, agent)
    client.post(f"/admin/new-case/details?customer={dana.id}", data=_case_data(category))
    client.post("/admin/logout")
    login(client, dana)
    page = client.get("/cases")
    assert "Brakes squeak" in page.text and "New update" in page.text
