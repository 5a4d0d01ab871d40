"""Injection and input: literal searches, allowlisted sorts, NUL bytes, bad Unicode, huge fields."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import (
    Case,
    User,
)
from portal.services import accounts, timeline
from portal.services import api_tokens as tokens
from tests import factories
from tests.security.catalogue import assert_nothing_stored, bearer, last_staff_reply, row_counts

# --- 10. SQL injection and unknown parameters in searches, filters and sorts -------------

SEARCHES = ["' OR 1=1--", "') OR ('1'='1", '"; DROP TABLE cases; --', "%", "_", "\\",
            "CL-000001' OR '1'='1", "*", "%' UNION SELECT email FROM users --"]


@pytest.mark.parametrize("q", SEARCHES)
def test_queue_search_matches_text_literally(client, login, world, q):
    login(client, world.agent)
    response = client.get("/admin/cases", query_string={"q": q})
    assert response.status_code == 200
    assert world.elsewhere.title not in response.text  # never another department's case
    assert "Private loan" not in response.text and world.mine.title not in response.text
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


def test_queue_search_for_a_percent_sign_finds_only_a_literal_percent(client, login, world):
    factories.case(world.dana, "Refund of 100% of the deposit", cat=world.mine.category)
    login(client, world.agent)
    text = client.get("/admin/cases", query_string={"q": "0%"}).text
    assert "100% of the deposit" in text and "Private loan" not in text


QUEUE_PARAMS = {"sort": "updated; DROP TABLE cases", "dir": "desc, id",
                "status": "open' OR '1'='1", "department": "1 OR 1=1", "assignee": "-1",
                "priority": "high'--", "category": "1e9", "cursor": "' OR 1=1--",
                "view": "all"}


@pytest.mark.parametrize("name,value", QUEUE_PARAMS.items(), ids=QUEUE_PARAMS.keys())
def test_queue_filters_and_sorts_outside_the_allowlist_are_400(client, login, world, name,
                                                               value):
    login(client, world.agent)
    response = client.get("/admin/cases", query_string={name: value})
    assert response.status_code == 400 and "<h1" in response.text
    assert "Private loan" not in response.text
    assert db.session.scalar(select(func.count()).select_from(Case)) == 3


API_PARAMS = {"status": "open' OR 1=1--", "department": "1 OR 1=1",
              "updated_since": "2020-01-01' OR '1'='1", "limit": "1;DROP TABLE cases",
              "cursor": "' OR 1=1--", "order_by": "id", "reference": "' OR '1'='1"}


@pytest.mark.parametrize("name,value", API_PARAMS.items(), ids=API_PARAMS.keys())
def test_api_list_filters_are_typed_and_never_widen_the_answer(client, world, name, value):
    _, secret = tokens.create(world.admin, "Service system", "read", [world.service.id])
    response = client.get("/api/v1/cases", query_string={name: value}, headers=bearer(secret))
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json["items"] == []
    assert world.elsewhere.title not in response.text


# --- 13. Oversize input and malformed Unicode --------------------------------------------

NUL_FIELDS = {
    "case title": ("customer", "/cases/new", {"category": "{cat}", "title": "a\x00b",
                                              "body": "b"}),
    "case body": ("customer", "/cases/new", {"category": "{cat}", "title": "t",
                                             "body": "a\x00b"}),
    "reply": ("customer", "/cases/{mine}/replies", {"body": "a\x00b"}),
    "sign-up name": ("nobody", "/signup", {"name": "Eve\x00", "email": "nul@example.com",
                                           "password": "x" * 12, "confirm": "x" * 12}),
    "sign-up email": ("nobody", "/signup", {"name": "Eve", "email": "nul\x00@example.com",
                                            "password": "x" * 12, "confirm": "x" * 12}),
    "sign-in email": ("nobody", "/login", {"email": "dana@example.com\x00",
                                           "password": "x" * 12}),
    "profile detail": ("customer", "/profile/facts", {"kind": "vin", "value": "a\x00b"}),
    "reaction reason": ("customer", "/cases/{mine}/replies/{reply}/reaction",
                        {"helpful": "no", "reason": "a\x00b"}),
    "staff reply": ("staff", "/admin/cases/{mine}/replies",
                    {"kind": "public", "body": "a\x00b", "confirm": "yes"}),
    "logged contact": ("staff", "/admin/cases/{mine}/contacts",
                       {"channel": "phone", "body": "a\x00b", "confirm": "yes"}),
    "reference": ("staff", "/admin/cases/{mine}/references",
                  {"system": "CRM", "value": "a\x00b", "confirm": "yes"}),
    "handoff note": ("staff", "/admin/cases/{mine}/handoff",
                     {"department": "{service}", "assignee": "0", "note": "a\x00b",
                      "confirm": "yes"}),
    "queue search": ("staff", "/admin/cases?q=a%00b", None),
    "audit search": ("admin", "/admin/audit?q=a%00b", None),
    "invite name": ("admin", "/admin/settings/staff/new",
                    {"name": "a\x00b", "email": "n@example.com", "role": "agent"}),
    "department name": ("admin", "/admin/settings/departments", {"name": "a\x00b"}),
}


@pytest.mark.parametrize("who,url,data", NUL_FIELDS.values(), ids=NUL_FIELDS.keys())
def test_nul_bytes_are_refused_with_a_message_never_a_500(client, login, world, who, url, data):
    values = {"mine": world.mine.reference, "cat": world.mine.category_id,
              "service": world.service.id, "reply": last_staff_reply(world.mine).id}
    person = {"customer": world.dana, "staff": world.agent, "admin": world.admin}.get(who)
    if person:
        login(client, person)
    before = row_counts()
    if data is None:
        response = client.get(url)
    else:
        response = client.post(url.format(**values), follow_redirects=True,
                               data={k: v.format(**values) for k, v in data.items()})
    if response.status_code == 200:  # refused, and said so at the top of the page it went back to
        assert "cannot store" in response.text and response.history
    else:
        assert response.status_code in (400, 422), response.status_code
        assert "<h1" in response.text or 'class="error"' in response.text
    assert_nothing_stored(before)


@pytest.mark.parametrize("field", ["title", "body", "customer_name"])
@pytest.mark.parametrize("bad", ["\\ud800", "\\udfff", "\\u0000"])
def test_api_text_with_lone_surrogates_or_nul_is_refused(client, world, field, bad):
    _, secret = tokens.create(world.admin, "Service system", "write", [])
    fields = {"customer_email": "new@example.com", "title": "t", "body": "b",
              "category": "Recalls", "customer_name": "New"}
    body = ", ".join(f'"{k}": "{v}{bad if k == field else ""}"' for k, v in fields.items())
    before = row_counts()
    response = client.post("/api/v1/cases", data="{" + body + "}",
                           content_type="application/json", headers=bearer(secret))
    assert response.status_code in (400, 422), response.text
    assert response.json["errors"] or response.json["detail"]
    after = row_counts()
    after.pop("api_tokens"), before.pop("api_tokens")
    assert after == before


def test_invalid_utf8_in_a_form_is_refused_and_changes_nothing(client, login, world):
    login(client, world.dana)
    before = len(timeline.all_events(world.mine))
    ref = world.mine.reference
    responses = [
        client.post(f"/cases/{ref}/replies", data=b"body=raw\xff\xfe\xed\xa0\x80",
                    content_type="application/x-www-form-urlencoded"),
        client.post(f"/cases/{ref}/replies", data=b"body=escaped%ED%A0%80%FF",
                    content_type="application/x-www-form-urlencoded"),
        client.post(f"/cases/{ref}/replies", content_type="multipart/form-data; boundary=B",
                    data=b'--B\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
                         b"multi\xed\xa0\x80\xff\r\n--B--\r\n"),
    ]
    assert [r.status_code for r in responses] == [400, 400, 400]
    assert "Nothing was changed" in responses[0].text
    assert len(timeline.all_events(world.mine)) == before
    good = client.post(f"/cases/{ref}/replies", content_type="multipart/form-data; boundary=B",
                       data='--B\r\nContent-Disposition: form-data; name="body"\r\n\r\n'
                            'Grüße, Ærø 👍\r\n--B--\r\n'.encode())
    assert good.status_code == 302
    assert timeline.all_events(world.mine)[-1].body == "Grüße, Ærø 👍"


def test_a_bidi_override_in_a_name_or_title_is_neutralised(client, login, world):
    client.post("/signup", data={"name": "Dana \u202egnp.exe", "email": "rtl@example.com",
                                 "password": "x" * 12, "confirm": "x" * 12})
    assert "\u202e" not in accounts.find_user("rtl@example.com").name
    login(client, world.dana)
    client.post("/cases/new", data={"category": world.mine.category_id,
                                    "title": "Refund \u202e\u2066due\u2069", "body": "b"})
    title = db.session.scalar(select(Case.title).order_by(Case.id.desc()).limit(1))
    assert title.startswith("Refund") and not {"\u202e", "\u2066", "\u2069"} & set(title)


@pytest.mark.parametrize("where,field,limit_text", [
    ("/cases/{mine}/replies", "body", "20000"),
    ("/cases/new", "title", "200"),
    ("/signup", "name", "120"),
])
def test_a_megabyte_field_is_refused_with_a_message(client, login, world, where, field,
                                                    limit_text):
    if where != "/signup":
        login(client, world.dana)
    data = {"category": world.mine.category_id, "title": "t", "body": "b", "name": "n",
            "email": "big@example.com", "password": "x" * 12, "confirm": "x" * 12}
    data[field] = "x" * (1024 * 1024)
    before = row_counts()
    response = client.post(where.format(mine=world.mine.reference), data=data)
    assert response.status_code in (413, 422)
    assert limit_text in response.text.replace(",", "") or "too large" in response.text
    assert_nothing_stored(before)


def test_an_oversize_multipart_field_is_413_while_parsing(app, client, login, world,
                                                         monkeypatch):
    """MAX_FORM_MEMORY_SIZE (1 MB) caps each text field; lowered here to keep the test small."""
    monkeypatch.setitem(app.config, "MAX_FORM_MEMORY_SIZE", 64 * 1024)
    login(client, world.dana)
    before = row_counts()
    response = client.post(f"/cases/{world.mine.reference}/replies",
                           content_type="multipart/form-data",
                           data={"body": "x" * (128 * 1024)})
    assert response.status_code == 413 and "Nothing was saved" in response.text
    assert_nothing_stored(before)


def test_the_same_email_in_other_letter_case_does_not_make_a_second_account(client, world):
    before = row_counts()
    client.post("/signup", data={"name": "Dana again", "email": "DANA@Example.COM",
                                 "password": "x" * 12, "confirm": "x" * 12})
    after = row_counts()
    assert after["users"] == before["users"]
    assert db.session.get(User, world.dana.id).name == "Dana Whitfield"
