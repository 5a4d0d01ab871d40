"""One history per customer, facts asked once, seen by every department."""

from portal.models import Role
from portal.services import case_details, cases, customers
from tests import factories


def _world():
    service = factories.department("Northside Service Centre")
    finance = factories.department("Finance")
    agent = factories.staff(departments=[service], name="Tom Berger")
    fatima = factories.staff(departments=[finance], name="Fatima Noor")
    dana = factories.customer("Dana Whitfield")
    recall = factories.case(dana, "Recall RC-42", cat=factories.category(service))
    invoice = factories.case(dana, "Invoice address wrong", cat=factories.category(finance))
    return service, finance, agent, fatima, dana, recall, invoice


def test_history_shows_every_department_but_internal_notes_only_where_allowed(client, login):
    _, _, agent, fatima, dana, recall, invoice = _world()
    cases.add_staff_reply(invoice, fatima, "Corrected invoice sent.")
    cases.add_staff_reply(invoice, fatima, "FINANCE-ONLY note", internal=True)
    case_details.log_contact(recall, agent, case_details.Channel.PHONE, "Called Dana.", True)
    login(client, agent)
    page = client.get(f"/admin/customers/{dana.id}").text
    assert "Recall RC-42" in page and "Invoice address wrong" in page
    assert "Corrected invoice sent." in page and "Called Dana." in page
    assert "FINANCE-ONLY" not in page
    assert f'href="/admin/cases/{invoice.reference}"' not in page  # cannot open Finance's case
    contacts_only = client.get(f"/admin/customers/{dana.id}?show=contacts").text
    assert "Corrected invoice sent." in contacts_only
    assert client.get(f"/admin/customers/{dana.id}?show=evil").status_code == 400


def test_history_of_a_customer_with_no_case_in_my_departments_is_404(client, login):
    _, _, agent, _, _, _, _ = _world()
    stranger = factories.customer("Ravi Menon")
    factories.case(stranger, "Other department", cat=factories.category())
    login(client, agent)
    assert client.get(f"/admin/customers/{stranger.id}").status_code == 404
    assert client.get(f"/admin/customers/{agent.id}").status_code == 404  # staff aren't customers
    admin = factories.staff(Role.ADMIN)
    client.post("/admin/logout")
    login(client, admin)
    assert client.get(f"/admin/customers/{stranger.id}").status_code == 200


def test_a_fact_recorded_by_one_department_is_seen_by_another_and_by_the_customer(
        client, login):
    _, _, agent, fatima, dana, recall, invoice = _world()
    login(client, agent)
    response = client.post(f"/admin/customers/{dana.id}/facts",
                           data={"kind": "vin", "value": "WVWZZZ1KZAW000123"})
    assert response.status_code == 302
    client.post("/admin/logout")
    login(client, fatima)
    assert "WVWZZZ1KZAW000123" in client.get(f"/admin/cases/{invoice.reference}").text
    client.post("/admin/logout")
    login(client, dana)
    profile = client.get("/profile").text
    assert "WVWZZZ1KZAW000123" in profile and "please check" in profile


def test_fact_with_an_unknown_kind_is_refused(client, login):
    _, _, agent, _, dana, _, _ = _world()
    login(client, agent)
    response = client.post(f"/admin/customers/{dana.id}/facts",
                           data={"kind": "password", "value": "x"})
    assert response.status_code == 422
    assert customers.facts_for(dana) == []
