"""Outbound: what a real SMTP server receives from `caseloop worker --once`."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.mail import worker
from portal.models import OutboxMessage, Role
from portal.services import cases
from portal.services.mail_addresses import read_reply_address
from portal.services.outbox import case_root_id, outbox_for_case
from tests import factories


def _staff_reply(case, body="We booked your recall for Tuesday 10:00."):
    tom = factories.staff(Role.AGENT, [case.department], name="Tom Berger")
    cases.add_staff_reply(case, tom, body)
    return tom


def test_a_staff_reply_arrives_with_reference_parts_threading_and_reply_token(runner, smtp):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    _staff_reply(case)

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    [mail] = smtp.handler.messages()
    assert mail["To"] == "dana@example.com"
    assert f"[{case.reference}]" in mail["Subject"]
    assert mail.get_body(("plain",)).get_content().count("We booked your recall") == 1
    html = mail.get_body(("html",)).get_content()
    assert "We booked your recall" in html and "<html" in html
    assert mail["Message-ID"] and mail["In-Reply-To"] == case_root_id(case.id)
    assert case_root_id(case.id) in mail["References"]
    assert mail["Auto-Submitted"] == "auto-generated"
    reply_to = mail["Reply-To"].addresses[0].addr_spec
    assert reply_to.startswith("reply+")
    assert read_reply_address(reply_to) == (case.id, dana.id)
    [row] = outbox_for_case(case.id)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


def test_later_mails_about_a_case_reply_to_the_earlier_one(smtp):
    case = factories.case()
    _staff_reply(case, "First answer.")
    _staff_reply(case, "Second answer.")
    worker.run_once()
    first, second = smtp.handler.messages()
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in second["References"]
    assert case_root_id(case.id) in second["References"]


def test_markup_and_line_breaks_in_names_and_subjects_stay_inert(smtp):
    evil = "<img src=x onerror=alert(1)>\r\nBcc: victim@example.com"
    dana = factories.customer(name=evil)
    case = factories.case(dana, title=f"Broken {evil}")
    _staff_reply(case, body='<svg onload=alert(2)> "quoted" & done')

    worker.run_once()

    [raw] = smtp.handler.received
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers and b"\r\nBcc:" not in headers  # no header was smuggled
    [mail] = smtp.handler.messages()
    assert "Bcc" not in mail and "victim" not in str(mail["To"])
    assert "<img" in mail["Subject"]  # a header is plain text: shown, never run
    html = mail.get_body(("html",)).get_content()
    assert "<img src=x" not in html and "<svg" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;svg onload=alert(2)&gt; &#34;quoted&#34; &amp; done" in html


def test_mail_without_its_own_html_template_gets_an_escaped_html_part(smtp):
    case = factories.case()
    cases.change_status(case, factories.staff(Role.AGENT, [case.department]),
                        cases.Status.WAITING_ON_CUSTOMER, "Send us <b>the</b> photo")
    from portal.services.outbox import queue_email

    queue_email("x@example.com", "Sign in", "sign_in_link",
                user=case.customer, link="https://portal.example/l/<abc>", minutes=10)
    db.session.commit()
    worker.run_once()
    by_subject = {m["Subject"]: m for m in smtp.handler.messages()}
    status_html = next(m for s, m in by_subject.items() if "Waiting on you" in s)
    assert "Send us &lt;b&gt;the&lt;/b&gt; photo" in status_html.get_body(("html",)).get_content()
    link_html = by_subject["Sign in"].get_body(("html",)).get_content()
    assert "&lt;abc&gt;" in link_html and "<abc>" not in link_html
    assert by_subject["Sign in"]["Reply-To"] is None  # no case, no reply token


def test_outbox_rows_sent_are_not_sent_again(smtp):
    _staff_reply(factories.case())
    assert worker.run_once().sent == 1
    assert worker.run_once().sent == 0
    assert len(smtp.handler.received) == 1
    assert db.session.scalar(select(OutboxMessage.status)) == "sent"
