"""The customer's own details: see, correct, confirm, remove; never someone else's."""

import re

from portal.extensions import db
from portal.models import EmailUpdates, User
from portal.services import customers
from tests import factories


def test_customer_adds_corrects_and_confirms_their_details(client, login):
    dana = factories.customer()
    staff = factories.staff()
    customers.set_fact(dana, staff, "address", "1 Old Road")
    login(client, dana)
    page = client.get("/profile").text
    assert "1 Old Road" in page and "please check" in page
    [fact] = customers.facts_for(dana)
    client.post(f"/profile/facts/{fact.id}", data={"kind": "address", "value": "12 Elm Street"})
    client.post("/profile/facts", data={"kind": "vin", "value": "WVWZZZ1KZAW000123"})
    client.post("/profile/confirm")
    facts = {f.kind: f for f in customers.facts_for(dana)}
    assert facts["address"].value == "12 Elm Street"
    assert all(f.confirmed_at for f in facts.values())
    client.post(f"/profile/facts/{facts['vin'].id}/remove")
    assert [f.kind for f in customers.facts_for(dana)] == ["address"]


def test_customers_cannot_touch_someone_elses_details(client, login):
    dana, mei = factories.customer(), factories.customer()
    fact = customers.set_fact(mei, mei, "address", "Mei's address")
    login(client, dana)
    assert "Mei's address" not in client.get("/profile").text
    edit = client.post(f"/profile/facts/{fact.id}", data={"kind": "address", "value": "x"})
    remove = client.post(f"/profile/facts/{fact.id}/remove")
    assert edit.status_code == remove.status_code == 404
    assert customers.facts_for(mei)[0].value == "Mei's address"


def test_empty_detail_is_refused_next_to_the_field(client, login):
    login(client, factories.customer())
    response = client.post("/profile/facts", data={"kind": "vin", "value": ""})
    assert response.status_code == 422 and 'id="value-error"' in response.text


def test_customer_chooses_a_daily_digest_and_back_on_the_profile_page(client, login):
    dana = factories.customer()
    login(client, dana)
    page = client.get("/profile").text
    assert "How we email you" in page
    assert re.search(r'<input[^>]*checked[^>]*value="immediate"', page)

    saved = client.post("/profile/email-updates", data={"email_updates": "daily"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#email-updates")
    assert db.session.get(User, dana.id).email_updates == EmailUpdates.DAILY
    page = client.get("/profile").text
    assert "one summary a day" in page and re.search(r'checked[^>]*value="daily"', page)

    client.post("/profile/email-updates", data={"email_updates": "immediate"})
    assert db.session.get(User, dana.id).email_updates == EmailUpdates.IMMEDIATE


def test_a_made_up_email_choice_is_refused_next_to_the_field(client, login):
    dana = factories.customer()
    login(client, dana)
    response = client.post("/profile/email-updates", data={"email_updates": "hourly"})
    assert response.status_code == 422 and 'id="email_updates-error"' in response.text
    assert db.session.get(User, dana.id).email_updates == EmailUpdates.IMMEDIATE
