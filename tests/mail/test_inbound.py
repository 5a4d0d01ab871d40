"""Inbound: real .eml messages land on a timeline, in triage or as automatic, raw always kept."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.mail.inbound import ingest
from portal.models import Case, CaseEvent, Channel, EventKind, OutboxMessage, Role, Solved, Status
from portal.models.mail import InboundMail
from portal.services import cases, feedback, timeline
from tests import factories


@pytest.fixture
def dana():
    return factories.customer("Dana Whitfield", "dana@example.com")


@pytest.fixture
def dana_case(dana):
    return factories.case(dana, title="Dishwasher door glass cracked on delivery")


def _messages(case) -> list[CaseEvent]:
    return [e for e in timeline.public_events(case) if e.kind == EventKind.CUSTOMER_MESSAGE]


def _raw_kept(mail: InboundMail, raw: bytes) -> bool:
    return db.session.get(InboundMail, mail.id).raw == raw


def test_a_reply_lands_on_its_case_without_quotes_or_signature(eml, dana_case, token_for):
    raw = eml("reply_quoted.eml", "dana@example.com", token_for(dana_case))
    mail = ingest(raw)
    assert mail.status == "processed" and mail.case_id == dana_case.id
    [event] = _messages(dana_case)
    assert event.channel == Channel.EMAIL and event.author_id == dana_case.customer_id
    assert event.body == ("Tuesday at 10 works for me.\nPlease confirm the courtesy car."
                          "\n\nThanks,\nDana")
    assert _raw_kept(mail, raw)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # no answer


def test_html_only_mail_is_sanitised_to_text(eml, dana_case, token_for):
    mail = ingest(eml("html_only.eml", "dana@example.com", token_for(dana_case)))
    assert mail.status == "processed"
    [event] = _messages(dana_case)
    assert "The new part is fine now." in event.body
    assert "<svg onload=alert(3)>" in event.body  # the words as text, rendered escaped later
    for gone in ("alert('x')", "color: red", "onerror", "javascript:", "hx-get", "Old quoted"):
        assert gone not in event.body


@pytest.mark.parametrize(("fixture", "expected"), [
    ("latin1.eml", "Bonjour, le café est prêt. Grüße aus München."),
    ("windows1252.eml", "“Quoted” refund of €42 – thanks."),
])
def test_non_utf8_charsets_are_decoded_per_part(eml, dana_case, token_for, fixture, expected):
    mail = ingest(eml(fixture, "dana@example.com", token_for(dana_case)))
    assert mail.status == "processed", mail.reason
    assert [e.body for e in _messages(dana_case)] == [expected]


def test_latin1_subject_is_decoded_for_staff(eml, dana_case, token_for):
    mail = ingest(eml("latin1.eml", "dana@example.com", token_for(dana_case)))
    assert mail.subject == "Réponse à votre message"


def test_vouched_new_mail_from_a_known_customer_opens_a_case(eml, dana, trusted_mta):
    factories.category(name="General")
    mail = ingest(trusted_mta(eml("multipart_alternative.eml", "dana@example.com")))
    case = db.session.get(Case, mail.case_id)
    assert mail.status == "processed" and case.customer_id == dana.id
    assert case.title == "Dishwasher arrived with a cracked door"
    [opened] = timeline.public_events(case)
    assert opened.kind == EventKind.OPENED and opened.channel == Channel.EMAIL
    assert "order 55-1023" in opened.body and "HTML VERSION" not in opened.body


def test_new_mail_uses_the_configured_default_category(eml, dana, app, monkeypatch,
                                                       trusted_mta):
    factories.category(name="Sales")
    wanted = factories.category(name="Email")
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_CATEGORY", "Email")
    mail = ingest(trusted_mta(eml("multipart_alternative.eml", "dana@example.com")))
    assert db.session.get(Case, mail.case_id).category_id == wanted.id


def test_new_mail_on_the_topic_of_an_open_case_opens_another_never_joins(eml, dana,
                                                                        trusted_mta):
    # Even vouched for: only a reply link joins a case, never a subject that resembles one.
    existing = factories.case(dana, title="Cracked door on the dishwasher")
    mail = ingest(trusted_mta(eml("multipart_alternative.eml", "dana@example.com")))
    assert mail.status == "processed" and mail.case_id != existing.id
    assert _messages(existing) == [] and len(timeline.public_events(existing)) == 1
    assert db.session.scalar(select(func.count()).select_from(Case)) == 2


def test_a_forwarded_message_keeps_the_forwarded_words(eml, dana, trusted_mta):
    factories.category()
    mail = ingest(trusted_mta(eml("forwarded.eml", "dana@example.com")))
    body = timeline.public_events(db.session.get(Case, mail.case_id))[0].body
    assert body.startswith("Is this letter really from you?")
    assert "Forwarded message" in body and "Your permit PX-7781 expires" in body


def test_a_message_forwarded_as_an_attachment_keeps_its_words(dana, trusted_mta):
    factories.category()
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "bank@example.org", "Your statement"
    inner.set_content("Balance: 12 GBP")
    outer = EmailMessage()
    outer["From"], outer["To"] = "dana@example.com", "support@caseloop.localhost"
    outer["Subject"], outer["Message-ID"] = "Fwd: statement", "<fwd-att-1@example.com>"
    outer.set_content("See the attached mail.")
    outer.add_attachment(inner)
    mail = ingest(trusted_mta(bytes(outer)))
    body = timeline.public_events(db.session.get(Case, mail.case_id))[0].body
    assert "See the attached mail." in body and "Balance: 12 GBP" in body


@pytest.mark.parametrize(("fixture", "sender", "reason"), [
    ("auto_reply.eml", "dana@example.com", "Auto-Submitted: auto-replied"),
    ("bounce.eml", "", "Delivery report"),
])
def test_auto_replies_and_bounces_are_automatic_and_never_posted(eml, dana_case, token_for,
                                                                 fixture, sender, reason):
    raw = eml(fixture, sender, token_for(dana_case))
    mail = ingest(raw)
    assert mail.status == "automatic" and reason in mail.reason
    assert _messages(dana_case) == [] and _raw_kept(mail, raw)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


@pytest.mark.parametrize(("header", "reason"), [
    ("Precedence: bulk", "Precedence: bulk"),
    ("Precedence: list", "Precedence: list"),
    ("X-Autorespond: 1", "X-Autorespond"),
    ("Return-Path: <>", "Empty Return-Path"),
])
def test_other_robot_signs_are_automatic(eml, dana_case, token_for, header, reason):
    raw = eml("reply_quoted.eml", "dana@example.com", token_for(dana_case))
    raw = raw.replace(b"Return-Path: <dana@example.com>\n", b"").replace(
        b"Subject:", header.encode() + b"\nSubject:", 1)
    mail = ingest(raw)
    assert mail.status == "automatic" and reason in mail.reason
    assert _messages(dana_case) == []


def test_mail_from_our_own_address_is_automatic(eml, dana_case, token_for):
    mail = ingest(eml("reply_quoted.eml", "support@caseloop.localhost", token_for(dana_case)))
    assert mail.status == "automatic" and "our own address" in mail.reason


def test_a_spoofed_sender_with_another_customers_valid_token_goes_to_triage(eml, dana_case,
                                                                           token_for):
    factories.customer("Mallory", "mallory@example.net")
    mail = ingest(eml("spoofed.eml", "mallory@example.net", token_for(dana_case)))
    assert mail.status == "triage" and "is not the customer" in mail.reason
    assert _messages(dana_case) == []


def test_a_tampered_token_goes_to_triage(eml, dana_case, token_for):
    address = token_for(dana_case)
    forged = address.replace(f"reply+{dana_case.id}.", f"reply+{dana_case.id + 1}.")
    mail = ingest(eml("reply_quoted.eml", "dana@example.com", forged))
    assert mail.status == "triage" and "invalid token" in mail.reason


def test_an_unknown_sender_goes_to_triage(eml):
    factories.category()
    mail = ingest(eml("multipart_alternative.eml", "stranger@example.org"))
    assert mail.status == "triage" and "Unknown sender" in mail.reason
    assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_png_is_attached_and_a_fake_pdf_is_refused_with_a_note(eml, dana_case, token_for):
    mail = ingest(eml("attachment_png.eml", "dana@example.com", token_for(dana_case)))
    assert mail.status == "processed"
    [event] = _messages(dana_case)
    assert [(a.filename, a.content_type) for a in event.attachments] == [("door.png", "image/png")]
    assert event.body.startswith("Here is a photo of the cracked door.")
    assert "(Not attached: invoice.pdf does not look like a PDF file.)" in event.body


def test_malformed_mime_goes_to_triage_with_the_raw_kept(eml):
    raw = eml("malformed.eml", "dana@example.com")
    mail = ingest(raw)
    assert mail.status == "triage" and "Malformed MIME" in mail.reason
    assert _raw_kept(mail, raw)


def test_a_very_large_message_goes_to_triage_before_parsing(eml, dana_case, token_for, app,
                                                            monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_BYTES", 64 * 1024)
    raw = eml("reply_quoted.eml", "dana@example.com", token_for(dana_case))
    raw += b"padding line to make it big\n" * 4000  # > 64 KiB
    mail = ingest(raw)
    assert mail.status == "triage" and "Too large" in mail.reason
    assert mail.sender == "dana@example.com" and mail.subject.startswith("Re: [CL-000001]")
    assert _raw_kept(mail, raw) and _messages(dana_case) == []


def test_garbage_bytes_go_to_triage(dana):
    mail = ingest(b"\x00\xff\xfe not an email at all \x00")
    assert mail.status == "triage" and _raw_kept(mail, b"\x00\xff\xfe not an email at all \x00")


def test_the_same_message_id_is_stored_and_posted_once(eml, dana_case, token_for):
    raw = eml("reply_quoted.eml", "dana@example.com", token_for(dana_case))
    first = ingest(raw)
    relayed = b"Received: from relay2.example.com by mx\n" + raw  # a second route, same mail
    second = ingest(relayed)
    assert first.status == "processed" and second.status == "duplicate"
    assert str(first.id) in second.reason and len(_messages(dana_case)) == 1
    ids = db.session.scalars(select(InboundMail.message_id)).all()
    assert ids.count("<reply-quoted-0001@mail.example.com>") == 1
    assert db.session.get(InboundMail, second.id).raw == b""  # the raw is stored once


def test_the_same_message_id_with_other_content_goes_to_triage(eml, dana_case, token_for):
    raw = eml("reply_quoted.eml", "dana@example.com", token_for(dana_case))
    ingest(raw)
    other = ingest(raw.replace(b"Tuesday at 10", b"Send the refund to 99-99"))
    assert other.status == "triage" and "different content" in other.reason
    assert len(_messages(dana_case)) == 1


def test_a_reply_to_a_closed_case_opens_a_linked_follow_up(eml, dana, token_for):
    closed = factories.case(dana, status=Status.CLOSED)
    mail = ingest(eml("reply_quoted.eml", "dana@example.com", token_for(closed)))
    assert mail.status == "processed" and mail.case_id != closed.id
    assert "follow-up" in mail.reason
    assert db.session.get(Case, mail.case_id).previous_case_id == closed.id


def test_an_emailed_reply_to_a_closed_case_says_why_it_is_new_and_what_is_still_owed(
        eml, token_for, client, login):
    dep = factories.department("Customer Care")
    agent = factories.staff(departments=[dep], name="Leo Marsh", email="leo@example.com")
    factories.staff(Role.MANAGER, [dep], "Grace Adeyemi", "grace@example.com")
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    old = factories.case(dana, "Card blocked abroad", cat=factories.category(dep))
    cases.add_staff_reply(old, agent, "We unblocked it.")
    cases.change_status(old, agent, Status.RESOLVED, "Your card works again.")
    feedback.answer(old, dana, Solved.NO, 1, "It was refused again in Porto.")
    cases.change_status(old, agent, Status.CLOSED, "Closed by hand.")
    mail = ingest(eml("reply_quoted.eml", "dana@example.com", token_for(old)))
    new = db.session.get(Case, mail.case_id)
    assert new.previous_case_id == old.id
    login(client, dana)
    page = client.get(f"/cases/{new.reference}").text
    start = page.index('id="follows-up"')
    why = page[start:page.index("</section>", start)]
    assert f'You wrote on <a href="/cases/{old.reference}">{old.reference}</a> after it was ' \
           "closed, so your message opened this new case." in why
    # The manager's follow-up of her "No" is still owed: shown on the new case too.
    assert f"Still open from {old.reference}" in why
    assert "Contact you about your feedback" in why and "Grace Adeyemi" in why
