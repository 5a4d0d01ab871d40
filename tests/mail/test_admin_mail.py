"""Staff pages: the outbox's delivery state (managers) and the inbox's triage (agents)."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.mail.inbound import ingest
from portal.models import AuditEntry, EventKind, Role
from portal.models.mail import InboundMail
from portal.services import timeline
from portal.services.outbox import queue_email
from tests import factories


@pytest.fixture
def department():
    return factories.department("Home Delivery")


@pytest.fixture
def agent(department):
    return factories.staff(Role.AGENT, [department])


def test_outbox_page_is_for_managers_and_admins(client, login, agent):
    queue_email("dana@example.com", "Your sign-in", "sign_in_link", user=agent,
                link="https://x.example/l/SECRET-TOKEN", minutes=10)
    db.session.commit()
    login(client, agent)
    assert client.get("/admin/outbox").status_code == 403
    client.post("/admin/logout")
    # Account mail belongs to no department: admins see it (managers see their departments').
    login(client, factories.staff(Role.ADMIN))
    page = client.get("/admin/outbox")
    assert page.status_code == 200 and "Your sign-in" in page.text and "Pending" in page.text
    assert "SECRET-TOKEN" not in page.text  # bodies carry sign-in links: never shown


def test_outbox_page_rejects_an_unknown_status_filter(client, login):
    login(client, factories.staff(Role.ADMIN))
    assert client.get("/admin/outbox?status=drop").status_code == 400


def test_a_failed_message_can_be_sent_again(client, login):
    message = queue_email("gone@example.com", "Hi", "sign_in_link", user=None, link="l",
                          minutes=1)
    message.status, message.attempts, message.last_error = "failed", 1, "550 no"
    db.session.commit()
    login(client, factories.staff(Role.ADMIN))  # account mail: no department's manager's
    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    db.session.expire_all()
    assert message.status == "pending" and message.attempts == 0
    assert db.session.query(AuditEntry).filter_by(action="mail_retried").count() == 1
    again = client.post(f"/admin/outbox/{message.id}/retry", follow_redirects=True)
    assert "Only a failed message" in again.text


def _triaged(eml) -> InboundMail:
    mail = ingest(eml("spoofed.eml", "stranger@example.org",
                      "support@caseloop.localhost").replace(
        b"Subject: Re: [CL-000001] please change my bank details",
        b"Subject: <img src=x onerror=alert(1)> help"))
    assert mail.status == "triage"
    return mail


def test_inbox_lists_triage_and_automatic_mail_escaped(client, login, agent, eml):
    _triaged(eml)
    ingest(eml("bounce.eml"))
    login(client, agent)
    page = client.get("/admin/inbox")
    assert page.status_code == 200
    assert "stranger@example.org" in page.text and "Unknown sender" in page.text
    assert "MAILER-DAEMON" in page.text.upper() and "Delivery report" in page.text
    assert "<img src=x" not in page.text and "&lt;img src=x onerror=alert(1)&gt;" in page.text
    only = client.get("/admin/inbox?status=automatic").text
    assert "stranger@example.org" not in only
    assert client.get("/admin/inbox?status=processed").status_code == 400


def test_inbox_is_for_staff_only(client, login, eml):
    mail = _triaged(eml)
    login(client, factories.customer())
    assert client.get("/admin/inbox").status_code == 404
    assert client.get(f"/admin/inbox/{mail.id}").status_code == 404


def test_inbox_detail_shows_the_parsed_text_escaped(client, login, agent, eml):
    raw = eml("html_only.eml", "stranger@example.org", "support@caseloop.localhost")
    mail = ingest(raw)
    login(client, agent)
    page = client.get(f"/admin/inbox/{mail.id}")
    assert page.status_code == 200 and "The new part is fine now." in page.text
    assert "<svg onload" not in page.text and "&lt;svg onload=alert(3)&gt;" in page.text
    assert client.get("/admin/inbox/999999").status_code == 404


def test_staff_attach_a_triaged_mail_to_a_case_they_can_see(client, login, agent, department,
                                                           eml):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana, cat=factories.category(department))
    mail = _triaged(eml)
    login(client, agent)
    response = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": case.reference})
    assert response.status_code == 302
    db.session.expire_all()
    assert mail.status == "processed" and mail.case_id == case.id
    assert mail.handled_by_id == agent.id and "Attached" in mail.reason
    [event] = [e for e in timeline.public_events(case) if e.kind == EventKind.CUSTOMER_MESSAGE]
    assert event.author_id == dana.id and "99-99-99" in event.body
    assert db.session.query(AuditEntry).filter_by(action="mail_attached").count() == 1
    second = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": case.reference})
    assert second.status_code == 422 and "already been dealt with" in second.text


def test_attaching_to_a_case_in_another_department_is_refused(client, login, agent, eml):
    other = factories.case(cat=factories.category(factories.department("Finance")))
    mail = _triaged(eml)
    login(client, agent)
    response = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": other.reference})
    assert response.status_code == 422 and "that you can see" in response.text
    db.session.expire_all()
    assert mail.status == "triage" and timeline.public_events(other)[-1].kind == EventKind.OPENED


def test_attach_needs_a_reference_and_keeps_the_typed_words(client, login, agent, eml):
    mail = _triaged(eml)
    login(client, agent)
    response = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": ""})
    assert response.status_code == 422 and "Enter a case reference." in response.text
    response = client.post(f"/admin/inbox/{mail.id}/attach", data={"reference": "CL-9x"})
    assert response.status_code == 422 and 'value="CL-9x"' in response.text


def test_dismissing_takes_it_off_the_list_and_keeps_the_raw(client, login, agent, eml):
    mail = _triaged(eml)
    login(client, agent)
    assert client.post(f"/admin/inbox/{mail.id}/dismiss").status_code == 302
    db.session.expire_all()
    assert mail.status == "dismissed" and mail.raw
    assert "stranger@example.org" not in client.get("/admin/inbox").text


def test_gets_never_change_inbox_state(client, login, agent, eml):
    mail = _triaged(eml)
    login(client, agent)
    assert client.get(f"/admin/inbox/{mail.id}/dismiss").status_code == 405
    assert client.get(f"/admin/inbox/{mail.id}/attach").status_code == 405


def test_mail_placed_on_a_case_of_another_department_is_not_shown(client, login, agent, eml,
                                                                  token_for):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    other = factories.case(dana, cat=factories.category(factories.department("Finance")))
    mail = ingest(eml("reply_quoted.eml", "dana@example.com", token_for(other)))
    assert mail.status == "processed"
    login(client, agent)
    assert client.get(f"/admin/inbox/{mail.id}").status_code == 404
