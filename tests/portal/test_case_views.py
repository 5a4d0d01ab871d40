import html
import io
import re
from datetime import timedelta

from portal.extensions import db
from portal.models import Attachment, Status
from portal.services import cases
from tests import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HX = {"HX-Request": "true"}


def _my_case(client, login, **fields):
    """A case of a new customer, who is signed in."""
    dana = factories.customer()
    case = factories.case(dana, **fields)
    login(client, dana)
    return case


def test_my_cases_shows_only_my_cases_in_plain_words(client, login):
    dana, other = factories.customer(), factories.customer()
    factories.case(dana, "My recall", status=Status.WAITING_ON_CUSTOMER)
    factories.case(other, "Somebody else's refund")
    login(client, dana)
    page = client.get("/cases").text
    assert "My recall" in page and "Waiting on you" in page
    assert "We need something from you" in page
    assert "Somebody else" not in page


def test_my_cases_pages_through_a_long_history_newest_first(client, login):
    busy, other = factories.customer(), factories.customer()
    made = [factories.case(busy, f"Order {n:02d}") for n in range(30)]
    for n, case in enumerate(made):  # Order 29 was active most recently
        case.last_activity_at = case.last_activity_at + timedelta(minutes=n)
    factories.case(other, "Somebody else's refund")
    db.session.commit()
    login(client, busy)
    first = client.get("/cases").text
    titles = re.findall(r'case-card__title">([^<]+)<', first)
    assert titles == [f"Order {n:02d}" for n in range(29, 4, -1)]  # 25, newest first
    older = re.search(r'rel="next" href="([^"]+)">Older cases<', first)
    assert older and "Most recent cases" not in first
    second = client.get(html.unescape(older.group(1))).text
    assert re.findall(r'case-card__title">([^<]+)<', second) == [
        f"Order {n:02d}" for n in range(4, -1, -1)]
    assert "Older cases" not in second and "Most recent cases" in second
    assert "Somebody else" not in first + second
    broken = client.get("/cases?cursor=not-a-cursor")
    assert broken.status_code == 400 and "start again from the first page" in broken.text


def test_my_cases_fragment_for_htmx_and_page_otherwise(client, login):
    dana = factories.customer()
    factories.case(dana, "My recall")
    login(client, dana)
    fragment = client.get("/cases", headers=HX)
    assert "<html" not in fragment.text and 'id="case-list"' in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = client.get("/cases", headers=HX | {"HX-Boosted": "true"})
    assert "<html" in boosted.text


def test_unseen_updates_are_marked_until_the_case_is_viewed(client, login):
    dana = factories.customer()
    case = factories.case(dana, "My recall")
    cases.add_staff_reply(case, factories.staff(), "Booked for Thursday.")
    login(client, dana)
    assert "New update" in client.get("/cases").text
    client.get(f"/cases/{case.reference}")
    assert "New update" not in client.get("/cases").text


def test_case_page_shows_the_public_timeline_but_never_internal_notes(client, login):
    dana = factories.customer()
    case = factories.case(dana, "My recall")
    agent = factories.staff(name="Hana Okafor")
    cases.add_staff_reply(case, agent, "Head office confirms RC-42.")
    cases.add_staff_reply(case, agent, "SECRET: customer called twice", internal=True)
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "Head office confirms RC-42." in page and "<bdi>Hana Okafor</bdi> replied" in page
    assert "SECRET" not in page and "Internal note" not in page


def test_other_customers_cases_are_404_and_say_nothing(client, login):
    case = factories.case()
    stranger = factories.customer()
    login(client, stranger)
    for url in (f"/cases/{case.reference}", "/cases/CL-999999", "/cases/nonsense"):
        response = client.get(url)
        assert response.status_code == 404 and case.title not in response.text
    reply = client.post(f"/cases/{case.reference}/replies", data={"body": "hijack"})
    assert reply.status_code == 404
    assert "hijack" not in [e.body for e in case.events]


def test_staff_do_not_use_customer_pages(client, login):
    case = factories.case()
    login(client, factories.staff())
    assert client.get(f"/cases/{case.reference}").status_code == 404


def test_open_a_case_then_land_on_its_page(client, login):
    dana = factories.customer()
    cat = factories.category(name="Vehicle service")
    login(client, dana)
    form = client.get("/cases/new")
    assert "Vehicle service" in form.text and '<label for="title">Subject</label>' in form.text
    response = client.post("/cases/new", data={"category": cat.id, "title": "Recall RC-42",
                                               "body": "Garage cannot see it."})
    [case] = cases.cases_for(dana).items
    assert response.headers["Location"] == f"/cases/{case.reference}"
    page = client.get(response.headers["Location"]).text
    assert "Garage cannot see it." in page and "Received" in page


def test_open_a_case_errors_next_to_the_field_and_words_kept(client, login):
    dana = factories.customer()
    factories.category()
    login(client, dana)
    response = client.post("/cases/new", data={"category": 0, "title": "",
                                               "body": "Every word I typed"})
    assert response.status_code == 422
    assert 'id="title-error"' in response.text and 'id="category-error"' in response.text
    assert "Every word I typed" in response.text
    assert cases.cases_for(dana).items == []


def test_same_topic_offers_the_open_case_first(client, login):
    dana = factories.customer()
    cat = factories.category()
    existing = factories.case(dana, "Recall RC-42 not booked at Northside", cat=cat)
    login(client, dana)
    data = {"category": cat.id, "title": "Northside still has not booked recall RC-42",
            "body": "Second time I write."}
    offer = client.post("/cases/new", data=data)
    assert offer.status_code == 409
    assert f"Add my message to {existing.reference}" in offer.text
    assert "Second time I write." in offer.text  # nothing the customer wrote is lost
    assert len(cases.cases_for(dana).items) == 1
    confirmed = client.post("/cases/new", data=data | {"confirmed_new": "yes"})
    assert confirmed.status_code == 302 and len(cases.cases_for(dana).items) == 2


def test_reply_without_javascript_redirects_to_the_timeline(client, login):
    case = _my_case(client, login, status=Status.WAITING_ON_CUSTOMER)
    response = client.post(f"/cases/{case.reference}/replies", data={"body": "VIN is 123"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{case.reference}#latest"
    page = client.get(f"/cases/{case.reference}").text
    assert "VIN is 123" in page and "Waiting on us" in page


def test_reply_with_htmx_returns_the_refreshed_case_fragment(client, login):
    case = _my_case(client, login, status=Status.WAITING_ON_CUSTOMER)
    response = client.post(f"/cases/{case.reference}/replies", data={"body": "VIN is 123"},
                           headers=HX)
    assert response.status_code == 200
    assert "<html" not in response.text and 'id="case"' in response.text
    assert "VIN is 123" in response.text and "Waiting on us" in response.text
    assert "<textarea" in response.text and "VIN is 123</textarea>" not in response.text


def test_empty_reply_is_refused_with_a_message(client, login):
    case = _my_case(client, login)
    for headers in ({}, HX):
        response = client.post(f"/cases/{case.reference}/replies", data={"body": "  "},
                               headers=headers)
        assert response.status_code == 422 and "Write your reply first." in response.text


def test_reply_to_a_closed_case_goes_to_a_linked_new_case(client, login):
    case = _my_case(client, login, status=Status.CLOSED)
    response = client.post(f"/cases/{case.reference}/replies", data={"body": "Again"},
                           headers=HX)
    assert response.status_code == 204
    new_ref = response.headers["HX-Location"].rsplit("/", 1)[-1]
    assert new_ref != case.reference
    assert "Again" in client.get(f"/cases/{new_ref}").text


def _upload(client, case, name, data, content_type="application/octet-stream"):
    return client.post(f"/cases/{case.reference}/replies", content_type="multipart/form-data",
                       data={"body": "see file",
                             "attachments": [(io.BytesIO(data), name, content_type)]})


def test_attachments_are_stored_and_served_only_to_the_owner(client, login):
    case = _my_case(client, login)
    assert _upload(client, case, "../../etc/photo.png", PNG, "image/png").status_code == 302
    [stored] = db.session.query(Attachment).all()
    assert stored.filename == "photo.png"
    url = f"/attachments/{stored.id}/{stored.filename}"
    with client.get(url) as served:
        assert served.status_code == 200 and served.data == PNG
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served.headers["Content-Security-Policy"]
    client.post("/logout")
    login(client, factories.customer())
    assert client.get(url).status_code == 404


def test_hostile_attachments_are_refused_and_nothing_is_stored(client, login):
    case = _my_case(client, login)
    fake = _upload(client, case, "invoice.pdf", b"<html><script>alert(1)</script>")
    assert fake.status_code == 422 and "does not look like a PDF file" in fake.text
    html = _upload(client, case, "page.html", b"<html></html>")
    assert html.status_code == 422 and "not accepted" in html.text
    assert db.session.query(Attachment).count() == 0
    assert "see file" in fake.text  # the reply text is kept for another try


def test_oversize_upload_is_413_before_anything_is_stored(app, client, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    case = _my_case(client, login)
    response = _upload(client, case, "big.png", PNG + b"\x00" * 4096)
    assert response.status_code == 413 and "too large" in response.text
    assert db.session.query(Attachment).count() == 0
