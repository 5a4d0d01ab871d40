"""Triage to a new case in one step, and the acknowledgement every email-opened case gets."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.mail import worker
from portal.mail.inbound import ingest
from portal.models import (
    Case,
    Channel,
    CustomerFact,
    EventKind,
    OutboxMessage,
    Role,
    Standard,
    User,
)
from portal.models.mail import InboundMail
from portal.services import accounts
from portal.web.formatting import fulltime
from tests import factories


@pytest.fixture
def category():
    return factories.category(factories.department("Home Delivery"), "Deliveries")


@pytest.fixture
def agent(category):
    return factories.staff(Role.AGENT, [category.department], name="June Park")


def _email(sender: str, subject: str = "Where is my sofa?", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"] = sender, "support@caseloop.localhost"
    message["Subject"], message["Message-ID"] = subject, make_msgid(domain="mail.example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("It was due on Monday and nobody called.")
    return bytes(message)


def _outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def _open(client, mail: InboundMail, category, **data):
    return client.post(f"/admin/inbox/{mail.id}/open", data={
        "who": "new", "category": category.id, "title": "Where is my sofa?", **data})


def test_an_unknown_sender_becomes_a_customer_with_a_case_and_is_acknowledged(
        client, login, agent, category, smtp):
    mail = ingest(_email("Sam Okafor <Sam@Example.com>"))
    assert mail.status == "triage"
    login(client, agent)
    page = client.get(f"/admin/inbox/{mail.id}")
    assert 'value="Sam Okafor"' in page.text and 'value="sam@example.com"' in page.text
    assert 'value="Where is my sofa?"' in page.text  # confirm, prefilled from the headers

    response = _open(client, mail, category, name="Sam Okafor", email="sam@example.com")

    assert response.status_code == 302
    sam = accounts.find_user("sam@example.com")
    case = db.session.scalar(select(Case))
    assert case.customer_id == sam.id and response.headers["Location"].endswith(case.reference)
    first = case.events.first()
    assert (first.kind, first.author_id, first.channel) == (EventKind.OPENED, sam.id,
                                                            Channel.EMAIL)
    assert first.body == "It was due on Monday and nobody called."
    db.session.refresh(mail)
    assert (mail.status, mail.case_id, mail.handled_by_id) == ("processed", case.id, agent.id)
    worker.run_once()
    [ack] = smtp.handler.messages()
    assert ack["To"] == "sam@example.com" and f"[{case.reference}]" in ack["Subject"]
    text = ack.get_body(("plain",)).get_content()
    assert "We received your email and opened case " + case.reference in text
    assert "What happens next:" in text


def test_the_sender_joins_a_customer_found_by_the_search(client, login, agent, category):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    mail = ingest(_email("Dana <dana.home@example.net>"))
    login(client, agent)
    page = client.get(f"/admin/inbox/{mail.id}?q=whitfield")
    assert f'value="{dana.id}"' in page.text and "add this address to them" in page.text

    response = _open(client, mail, category, who=str(dana.id), q="whitfield")

    assert response.status_code == 302
    case = db.session.scalar(select(Case))
    assert case.customer_id == dana.id
    fact = db.session.scalar(select(CustomerFact).where(CustomerFact.customer_id == dana.id))
    assert (fact.kind, fact.value) == ("other_email", "dana.home@example.net")
    # The receipt goes to the address on record: a From header proves nothing.
    assert [m.to_address for m in _outbox()] == ["dana@example.com"]


def test_a_phone_only_customer_gets_the_senders_address(client, login, agent, category):
    johnson = User(name="Mr Johnson", role=Role.CUSTOMER)
    db.session.add(johnson)
    db.session.commit()
    mail = ingest(_email("johnson@example.org"))
    login(client, agent)
    _open(client, mail, category, who=str(johnson.id), q="johnson")
    db.session.refresh(johnson)
    assert johnson.email == "johnson@example.org"
    assert [m.to_address for m in _outbox()] == ["johnson@example.org"]


def test_automatic_mail_opens_a_case_but_is_never_answered(client, login, agent, category):
    mail = ingest(_email("Out of office <sam@example.com>", Auto_Submitted="auto-replied"))
    assert mail.status == "automatic"
    login(client, agent)
    response = _open(client, mail, category, name="Sam Okafor", email="sam@example.com")
    assert response.status_code == 302 and db.session.scalar(select(Case)) is not None
    assert _outbox() == []


@pytest.mark.parametrize("headers", [{"Precedence": "bulk"}, {"Precedence": "list"}])
def test_bulk_and_list_mail_is_never_answered(client, login, agent, category, headers):
    mail = ingest(_email("news@example.com", **headers))
    login(client, agent)
    _open(client, mail, category, name="News", email="news@example.com")
    assert _outbox() == []


def test_a_no_reply_sender_is_never_answered(client, login, agent, category):
    mail = ingest(_email("no-reply@shop.example.com"))
    login(client, agent)
    _open(client, mail, category, name="Shop", email="no-reply@shop.example.com")
    assert db.session.scalar(select(Case)) is not None and _outbox() == []


def test_bad_input_keeps_the_words_and_changes_nothing(client, login, agent, category):
    mail = ingest(_email("sam@example.com"))
    login(client, agent)
    response = _open(client, mail, category, name="", email="sam@example.com",
                     title="My own subject")
    assert response.status_code == 422 and "Enter the customer&#39;s name." in response.text
    assert 'value="My own subject"' in response.text
    db.session.refresh(mail)
    assert mail.status == "triage" and db.session.scalar(select(Case)) is None


def test_an_agent_cannot_open_it_in_another_departments_category(client, login, agent):
    finance = factories.category(factories.department("Finance"), "Invoices")
    mail = ingest(_email("sam@example.com"))
    login(client, agent)
    response = _open(client, mail, finance, name="Sam", email="sam@example.com")
    assert response.status_code == 422 and db.session.scalar(select(Case)) is None
    assert accounts.find_user("sam@example.com") is None


def test_a_known_customers_vouched_email_is_acknowledged_with_the_due_time(
        agent, category, trusted_mta):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    db.session.add(Standard(category_id=category.id, first_response_minutes=240,
                            update_minutes=1440, resolution_minutes=10080))
    db.session.commit()
    with time_machine.travel(datetime(2026, 11, 30, 15, 0, tzinfo=UTC), tick=False):
        mail = ingest(trusted_mta(_email("Dana Whitfield <dana@example.com>")))
    assert mail.status == "processed"
    case = db.session.get(Case, mail.case_id)
    [ack] = _outbox()
    assert ack.to_address == "dana@example.com" and case.reference in ack.subject
    # Four working hours from Monday 15:00, with the desk open 09:00-17:00: Tuesday 11:00.
    due = fulltime(datetime(2026, 12, 1, 11, 0, tzinfo=UTC), dana)
    assert f"You will hear from us by {due}." in ack.body_text
