"""Every email goes out in its recipient's language, never in the sender's.

A customer's language is the one their browser negotiated when they signed up or last signed
in (users.language); people without one (staff, customers who only ever emailed us) get the
default, English. The pseudo-language (tests/pseudo_locale.py) stands in for German.
"""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from flask_babel import lazy_gettext
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import (
    CaseEvent,
    DigestItem,
    EventKind,
    OutboxMessage,
    PromiseState,
    Role,
    Status,
    utcnow,
)
from portal.services import (
    accounts,
    cases,
    customer_escalations,
    customers,
    data_export,
    digests,
    erasure,
    intake,
    minute_job,
    participants,
    problems,
    promises,
)
from portal.services.outbox import queue_email
from tests import factories
from tests.helpers import mails_to
from tests.pseudo_locale import GERMAN, ROOT, stored_words, untranslated

ENGLISH = "en-GB,en;q=0.9"
GERMAN_BROWSER = GERMAN["Accept-Language"]


def _browser(client, languages: str) -> None:
    """Every later request of this client asks for these languages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = languages


def _reply_in_browser(client, login, staff, case, languages: str) -> None:
    _browser(client, languages)
    login(client, staff)
    answer = client.post(f"/admin/cases/{case.reference}/replies",
                         data={"kind": "public", "body": "We booked your recall."})
    assert answer.status_code in (200, 302), answer.text


def test_a_customer_who_signed_in_in_german_gets_a_german_reply_from_english_staff(
        client, login, pseudo_german):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    agent = factories.staff(Role.AGENT, [case.department])
    _browser(client, GERMAN_BROWSER)
    login(client, dana)
    client.post("/logout")
    db.session.expire_all()
    assert dana.language == "de"

    _reply_in_browser(client, login, agent, case, ENGLISH)

    [mail] = mails_to(dana.email)
    assert mail.subject == f"⟦[{case.reference}] New reply: {case.title}⟧"
    assert "⟦Hello Dana Whitfield,⟧" in mail.body_text
    assert "We booked your recall." in mail.body_text  # what staff wrote stays as written
    assert '<html lang="de">' in mail.body_html and "⟦Hello Dana Whitfield,⟧" in mail.body_html


def test_an_english_customer_gets_english_from_german_staff(client, login, pseudo_german):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    ravi = factories.customer("Ravi Patel", "ravi@example.com")  # never signed in: no language
    agent = factories.staff(Role.AGENT, [factories.department()])
    dana_case = factories.case(dana, cat=factories.category(agent.departments[0]))
    ravi_case = factories.case(ravi, cat=factories.category(agent.departments[0]))
    _browser(client, ENGLISH)
    login(client, dana)
    client.post("/logout")

    _reply_in_browser(client, login, agent, dana_case, GERMAN_BROWSER)
    client.post(f"/admin/cases/{ravi_case.reference}/replies",
                data={"kind": "public", "body": "We booked your recall."})
    assert "⟦" in client.get(f"/admin/cases/{ravi_case.reference}").text  # staff see German

    db.session.expire_all()
    assert (dana.language, ravi.language, agent.language) == ("en", None, None)
    for customer, case in ((dana, dana_case), (ravi, ravi_case)):
        [mail] = mails_to(customer.email)
        assert mail.subject == f"[{case.reference}] New reply: {case.title}"
        assert f"Hello {customer.name}," in mail.body_text
        assert '<html lang="en">' in mail.body_html
        assert "⟦" not in mail.subject + mail.body_text + mail.body_html


def _words_left(text: str, allowed: set[str]) -> set[str]:
    """Words outside every ⟦translated⟧ string, links aside (plain text parses as HTML too).

    Translated strings nest (a status in a subject, a role in a sentence): drop them from
    the inside out, as `untranslated` alone stops at the first ⟧.
    """
    text = re.sub(r"https?://[^\s\"<⟧]+", " ", text)
    found = 1
    while found:
        text, found = re.subn(r"⟦[^⟦⟧]*⟧", " ", text)
    return untranslated(text) - allowed


def test_every_email_is_wholly_translatable(app, client, pseudo_german, monkeypatch):
    sent: dict[str, list[OutboxMessage]] = {}
    seen = 0

    def collect(kind: str) -> None:
        nonlocal seen
        new = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id > seen)
                                      .order_by(OutboxMessage.id)))
        assert new, f"no {kind} email"
        sent.setdefault(kind, []).extend(new)
        seen = new[-1].id

    # A German customer: the language of the browser they signed up in.
    client.post("/signup", headers=GERMAN, data={
        "name": "Dana Whitfield", "email": "dana@example.com",
        "password": factories.PASSWORD, "confirm": factories.PASSWORD})
    collect("confirm_signup")
    dana = accounts.find_user("dana@example.com")
    assert dana.language == "de"

    case = factories.case(dana)
    agent = factories.staff(Role.AGENT, [case.department], name="Tom Berger")
    manager = factories.staff(Role.MANAGER, [case.department], name="Priya Shah")
    agent.language = manager.language = "de"  # staff have none today; if they had one
    db.session.commit()

    cases.add_staff_reply(case, agent, "We booked your recall.")
    collect("staff_reply")
    promise = promises.make(case, agent, "Call you back", agent, utcnow() + timedelta(hours=1))
    collect("promise")
    with time_machine.travel(utcnow() + timedelta(hours=3), tick=False):
        minute_job.tick()  # owner and manager
    collect("escalation")
    promises.resolve(promise, PromiseState.KEPT, by=agent, note="We called you.")
    collect("promise")
    cases.change_status(case, agent, Status.RESOLVED, "The recall is booked.")  # asks feedback
    collect("status_changed")
    accounts.request_sign_in_link(dana.email)
    collect("sign_in_link")
    accounts.request_password_reset(dana.email)
    collect("password_reset")
    accounts.sign_up(dana.email, "Dana Whitfield", factories.PASSWORD)
    collect("signup_existing")
    colleague = factories.customer("Amy Clerk", "amy@example.com", verified=False)
    colleague.language = "de"
    participants.add(case, dana, colleague.email)  # a colleague on the case (CC)
    collect("participant_added")

    intake.open_for(agent, dana, case.category_id, "phone", "Brakes squeak", "They squeak.",
                    logged=False)
    collect("case_opened")

    waiting = factories.case(dana, title="Recall parts", cat=case.category)
    customer_escalations.escalate(waiting, dana, "Nobody called me back.")
    collect("customer_escalation")
    problem = problems.create(manager, "Brake recall", "Parts arrive on Friday.",
                              [case.category_id])
    problems.link_cases(manager, problem, [waiting.id], "hand")
    problems.follow(colleague, problem)
    problems.post_update(manager, problem, "The parts have arrived.")
    collect("problem_update")  # to Dana on her case, then to the follower
    sent["problem_follower"] = [m for m in sent["problem_update"] if m.to_address == colleague.email
                                and m.case_id is None]
    sent["problem_update"] = [m for m in sent["problem_update"]
                              if m not in sent["problem_follower"]]
    data_export.request_export(dana, dana)
    data_export.run_pending()
    collect("data_export_ready")

    customers.set_email_updates(dana, "daily")
    later = factories.case(dana, title="Late delivery", cat=case.category)
    cases.add_staff_reply(later, agent, "The courier is tracing it.")
    promises.make(later, agent, "Call you on Monday", agent, utcnow() + timedelta(days=3))
    cases.change_status(later, agent, Status.WAITING_ON_THIRD_PARTY, "")
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)
    assert digests.send_due() == 1
    collect("digest")
    erasure.request_erasure(dana, dana, dana.email)
    collect("erasure_scheduled")

    # Mail only staff get, from services that do not pass a language: the words still
    # have to be translatable, so render them in German here.
    reply = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == later.id, CaseEvent.kind == EventKind.STAFF_REPLY))
    for kind, ctx in {
        "staff_invite": {"user": agent, "link": "https://x.example/l", "minutes": 10,
                         "sign_in_url": "https://x.example/s",
                         "new_link_url": "https://x.example/n"},
        "feedback_unhappy": {"case": case, "person": manager},
        "reply_unhelpful": {"case": later, "person": agent, "reason": "Still broken",
                            "reply": reply},
    }.items():
        queue_email(agent.email, lazy_gettext("Sent by Caseloop."), kind, language="de", **ctx)
        collect(kind)

    templates = {p.stem for p in (ROOT / "templates" / "email").glob("[!_]*.txt")}
    assert set(sent) == templates
    mails = [(kind, m.subject, m.body_text, m.body_html) for kind, ms in sent.items()
             for m in ms]
    # What people wrote (names, titles, messages) may stay; the mails themselves may not
    # count as written, nor may the digest's collected updates.
    db.session.execute(delete(DigestItem))
    db.session.execute(delete(OutboxMessage))
    allowed = stored_words()
    found = {}
    for kind, subject, text, html in mails:
        assert '<html lang="de">' in html, kind
        for part, content in (("subject", subject), ("text", text), ("html", html)):
            if left := _words_left(content, allowed):
                found[f"{kind} {part}"] = sorted(left)
    assert not found, "\n".join(f"{kind}: {' '.join(words)}" for kind, words in found.items())
