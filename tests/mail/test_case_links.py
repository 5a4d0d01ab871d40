"""Case links in notification emails sign the customer in: once, for a while, only them."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.mail import worker
from portal.mail.inbound import ingest
from portal.models import (
    AuthToken,
    Feedback,
    OutboxMessage,
    PromiseState,
    Role,
    Solved,
    Status,
    utcnow,
)
from portal.services import cases, feedback, follow_ups, promises, timeline
from portal.services.accounts import set_password
from portal.services.mail_addresses import reply_address
from tests import factories
from tests.helpers import mails_to

LINK = re.compile(r"https?://[^/\s]+(/login/link/[A-Za-z0-9_-]+)(\?solved=\w+)?")


def _links(text: str) -> list[str]:
    return [path + (query or "") for path, query in LINK.findall(text)]


def _answered_case(customer=None, title="Recall RC-42 not booked"):
    case = factories.case(customer, title=title)
    agent = factories.staff(Role.AGENT, [case.department], name="Tom Berger")
    cases.add_staff_reply(case, agent, "We booked your recall for Tuesday 10:00.")
    return case, agent


def _case_link(customer) -> str:
    [path] = _links(mails_to(customer.email)[-1].body_text)[-1:]
    return path


def test_the_emailed_link_signs_in_and_lands_on_the_case(client, smtp):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case, _ = _answered_case(dana)
    worker.run_once()

    [mail] = smtp.handler.messages()
    [link] = _links(mail.get_body(("plain",)).get_content())
    assert link in mail.get_body(("html",)).get_content()  # the button is the same link
    page = client.get(link)  # what a mail scanner or a preview does: it uses nothing up
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/cases").status_code == 302
    done = client.post(link)
    assert done.status_code == 302 and done.headers["Location"] == f"/cases/{case.reference}"
    shown = client.get(f"/cases/{case.reference}")
    assert shown.status_code == 200 and "We booked your recall" in shown.text


def test_a_used_link_does_not_sign_in_a_second_time(app, client):
    dana = factories.customer()
    _answered_case(dana)
    link = _case_link(dana)
    assert client.post(link).status_code == 302

    other_browser = app.test_client()
    again = other_browser.post(link)
    assert again.status_code == 404 and "Send me a new link" in again.text
    assert other_browser.get("/cases").status_code == 302  # still nobody


def test_the_signed_in_owner_following_a_used_link_simply_reaches_the_case(client):
    dana = factories.customer()
    case, _ = _answered_case(dana)
    link = _case_link(dana)
    client.post(link)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/cases/{case.reference}"


def test_the_token_is_stored_only_as_a_hash_and_lives_ten_minutes():
    dana = factories.customer()
    _answered_case(dana)
    raw = _case_link(dana).rsplit("/", 1)[1]
    [token] = db.session.scalars(select(AuthToken).where(AuthToken.user_id == dana.id))
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() != raw
    lifetime = token.expires_at - token.created_at
    assert timedelta(minutes=9, seconds=59) < lifetime <= timedelta(minutes=10)


def test_an_expired_link_leads_to_one_click_for_a_fresh_one(client):
    dana = factories.customer()
    case, _ = _answered_case(dana)
    link = _case_link(dana)
    with time_machine.travel(utcnow() + timedelta(minutes=11)):
        page = client.get(link)
        assert page.status_code == 404 and "no longer works" in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
        renew = re.search(r'action="([^"]+/renew)"', page.text).group(1)
        before = len(mails_to(dana.email))
        sent = client.post(renew)
        assert sent.status_code == 200 and "emailed a new one" in sent.text
        assert len(mails_to(dana.email)) == before + 1
        fresh = _case_link(dana)
        assert fresh != link
        landed = client.post(fresh)
    assert landed.headers["Location"] == f"/cases/{case.reference}"


def test_asking_with_an_unknown_link_looks_the_same_and_sends_nothing(client):
    dana = factories.customer()
    _answered_case(dana)
    real = client.get(_case_link(dana)).status_code
    assert real == 200
    mails = db.session.query(OutboxMessage).count()
    made_up = client.post("/login/link/not-a-token-we-issued/renew")
    assert made_up.status_code == 200 and "emailed a new one" in made_up.text
    assert db.session.query(OutboxMessage).count() == mails


def test_a_link_for_one_customer_never_shows_their_case_to_another(client, login):
    dana, mei = factories.customer("Dana Whitfield"), factories.customer("Mei Chen")
    case, _ = _answered_case(dana, title="Dana's private recall")
    link = _case_link(dana)
    login(client, mei)
    for method in (client.get, client.post):
        response = method(link)
        assert response.status_code == 403
        assert "Dana" not in response.text and case.reference not in response.text
        assert "another account" in response.text
    assert client.get(f"/cases/{case.reference}").status_code == 404  # still Mei
    assert "Mei Chen" in client.get("/profile").text
    client.post("/logout")
    assert client.post(link).headers["Location"] == f"/cases/{case.reference}"  # unused


def test_feedback_links_preselect_the_answer_and_record_nothing(client):
    dana = factories.customer()
    case, agent = _answered_case(dana)
    cases.change_status(case, agent, Status.RESOLVED, "The recall work is done.")
    body = mails_to(dana.email)[-1].body_text
    links = {q.rsplit("=", 1)[1]: p + q for p, q in LINK.findall(body) if q}
    assert set(links) == {"yes", "partly", "no"}

    client.get(links["no"])
    landed = client.post(links["no"])
    assert landed.headers["Location"] == f"/cases/{case.reference}?solved=no#feedback"
    page = client.get(landed.headers["Location"])
    assert re.search(r'<input[^>]*checked[^>]*value="no"|<input[^>]*value="no"[^>]*checked',
                     page.text)
    # The same email's "Yes" (its token now used) still works for the signed-in owner.
    assert client.get(links["yes"]).headers["Location"].endswith("?solved=yes#feedback")
    assert db.session.query(Feedback).count() == 0
    assert db.session.get(type(case), case.id).status == Status.RESOLVED


def test_every_email_to_the_customer_carries_a_sign_in_link():
    dana = factories.customer()
    case, agent = _answered_case(dana)
    manager = factories.staff(Role.MANAGER, [case.department], name="Grace Lindqvist")
    promise = promises.make(case, agent, "Call you back", agent, utcnow() + timedelta(days=1))
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="We called you.")
    cases.change_status(case, agent, Status.RESOLVED, "Done.")
    answer = feedback.answer(case, dana, Solved.NO, 1, "It is not done.")
    follow_ups.complete(follow_ups.for_feedback(answer), manager, "Called her.",
                        "We rebooked the recall for Friday.")

    mails = mails_to(dana.email)
    subjects = " | ".join(m.subject for m in mails)
    assert len(mails) >= 6, subjects  # reply, promise, kept, resolved, follow-up made/kept
    assert "We rebooked the recall for Friday." in mails[-1].body_text
    for mail in mails:
        assert _links(mail.body_text), mail.subject
        assert f"/cases/{case.reference}" not in mail.body_text  # never a bare link
        assert "10 minutes" in mail.body_text  # says how long the link lasts


def test_a_new_password_ends_the_links_in_old_emails(client):
    dana = factories.customer()
    _answered_case(dana)
    link = _case_link(dana)
    set_password(dana, "a brand new password")
    assert client.post(link).status_code == 404


def _reply_mail(case, words: str, quoted: str) -> bytes:
    message = EmailMessage()
    message["From"] = case.customer.email
    message["To"] = reply_address(case.id, case.customer_id)
    message["Subject"] = f"Re: [{case.reference}] New reply"
    message["Message-ID"] = make_msgid()
    message.set_content(f"{words}\n\nOn Mon, 23 Nov 2026 at 16:00, Caseloop wrote:\n"
                        + "".join(f"> {line}\n" for line in quoted.splitlines()))
    return message.as_bytes()


def test_a_link_pasted_into_a_reply_is_used_up_a_quoted_one_is_not(client):
    dana = factories.customer()
    case, agent = _answered_case(dana)
    quoted_only = _case_link(dana)
    cases.add_staff_reply(case, agent, "Anything else?")
    pasted = _case_link(dana)
    ingest(_reply_mail(case, f"This link did not work: http://127.0.0.1:5000{pasted}",
                       mails_to(dana.email)[0].body_text))

    assert "did not work" in timeline.public_events(case)[-1].body  # staff can read it now
    assert client.post(pasted).status_code == 404  # so nobody can sign in with it
    assert client.post(quoted_only).headers["Location"] == f"/cases/{case.reference}"
