"""Daily digests: updates wait, one email a day lists them per case; security mail never waits."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from portal.extensions import db
from portal.mail import worker
from portal.models import DigestItem, EmailUpdates, Role, Status, utcnow
from portal.services import accounts, cases, customers, digests, promises
from tests import factories
from tests.helpers import mails_to

LONDON = ZoneInfo("Europe/London")


def _daily(name="Dana Whitfield", email=None):
    customer = factories.customer(name, email)
    customers.set_email_updates(customer, "daily")
    return customer


def _tomorrow_at(hour: int, minute: int = 0, days: int = 1) -> datetime:
    """A London wall-clock time on a later day, so the updates made now are in its past."""
    day = utcnow().astimezone(LONDON).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _agent_for(case):
    return factories.staff(Role.AGENT, [case.department], name="Tom Berger")


def test_updates_wait_and_one_digest_lists_them_per_case(app, runner, client, smtp,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "DIGEST_HOUR", 0)  # due whenever the test runs
    dana = _daily(email="dana@example.com")
    recall = factories.case(dana, title="Recall RC-42 not booked")
    delivery = factories.case(dana, title="Late delivery")
    agent = _agent_for(recall)
    cases.add_staff_reply(recall, agent, "We booked your recall for Tuesday 10:00.")
    promises.make(recall, agent, "Call you on Monday", agent, utcnow() + timedelta(days=3))
    cases.change_status(delivery, agent, Status.WAITING_ON_THIRD_PARTY, "The courier is "
                        "tracing it.")
    assert mails_to(dana.email) == []  # nothing went out yet

    first = runner.invoke(args=["tick"])
    assert "1 daily digest(s) queued" in first.output, first.output
    assert "0 daily digest(s) queued" in runner.invoke(args=["tick"]).output
    worker.run_once()

    [mail] = smtp.handler.messages()
    assert mail["To"] == "dana@example.com"
    assert mail["Subject"] == "Your case updates: 3 updates on 2 cases"
    text = mail.get_body(("plain",)).get_content()
    for words in ("We booked your recall for Tuesday 10:00.", "Tom Berger replied",
                  "We promised: Call you on Monday", "Status: Waiting on a third party",
                  "The courier is tracing it."):
        assert words in text
    # Per case: its heading, then its updates, then its own sign-in link.
    recall_part = text.split(f"{recall.reference}: Recall RC-42 not booked")[1]
    delivery_part = text.split(f"{delivery.reference}: Late delivery")[1]
    assert text.index(delivery.reference) < text.index(recall.reference)  # newest news first
    [recall_link] = re.findall(r"https?://\S+(/login/link/\S+)", recall_part)[:1]
    assert "Late delivery" not in recall_part and "courier" in delivery_part
    html = mail.get_body(("html",)).get_content()
    assert recall_link in html and "Recall RC-42 not booked" in html

    landed = client.post(recall_link)
    assert landed.headers["Location"] == f"/cases/{recall.reference}"
    assert db.session.query(DigestItem).filter(DigestItem.digested_at.is_(None)).count() == 0


def test_a_digest_goes_at_the_digest_hour_once_a_day(app):
    dana = _daily()
    case = factories.case(dana)
    agent = _agent_for(case)
    cases.add_staff_reply(case, agent, "First news.")
    assert digests.send_due(_tomorrow_at(7, 30)) == 0  # before 08:00, their time
    assert digests.send_due(_tomorrow_at(8, 5)) == 1
    cases.add_staff_reply(case, agent, "Second news.")
    assert digests.send_due(_tomorrow_at(11)) == 0  # today's digest is gone already
    assert digests.send_due(_tomorrow_at(23, 59)) == 0
    assert digests.send_due(_tomorrow_at(8, 1, days=2)) == 1
    first, second = mails_to(dana.email)
    assert "First news." in first.body_text and "Second news." not in first.body_text
    assert "Second news." in second.body_text and "First news." not in second.body_text
    assert digests.send_due(_tomorrow_at(9, days=3)) == 0  # nothing new, no email


def test_the_digest_hour_is_the_customers_own(app):
    dana = _daily()
    dana.timezone = "America/New_York"
    db.session.commit()
    cases.add_staff_reply(case := factories.case(dana), _agent_for(case), "News.")
    assert digests.send_due(_tomorrow_at(9)) == 0  # 04:00 in New York
    assert digests.send_due(_tomorrow_at(14)) == 1  # 09:00 in New York


def test_immediate_stays_immediate_and_security_mail_never_waits(smtp):
    ravi, dana = factories.customer("Ravi Menon"), _daily()
    ravis = factories.case(ravi)
    for case in (ravis, factories.case(dana)):
        cases.add_staff_reply(case, _agent_for(case), "Here is our answer.")
    accounts.request_sign_in_link(dana.email)
    accounts.request_password_reset(dana.email)

    assert [m.subject for m in mails_to(ravi.email)] == [
        f"[{ravis.reference}] New reply: Recall RC-42 not booked"]
    assert [m.subject for m in mails_to(dana.email)] == ["Your Caseloop sign-in",
                                                         "Reset your password"]
    assert worker.run_once().sent == 3
    assert sorted(str(m["To"]) for m in smtp.handler.messages()) == sorted(
        [ravi.email, dana.email, dana.email])


def test_switching_back_to_immediate_sends_what_waited_at_the_next_tick():
    dana = _daily()
    case = factories.case(dana)
    cases.add_staff_reply(case, _agent_for(case), "Waiting news.")
    customers.set_email_updates(dana, "immediate")
    assert dana.email_updates == EmailUpdates.IMMEDIATE
    assert digests.send_due(_tomorrow_at(3)) == 1  # long before the digest hour
    [mail] = mails_to(dana.email)
    assert "Waiting news." in mail.body_text
    cases.add_staff_reply(case, _agent_for(case), "Later news.")
    assert "Later news." in mails_to(dana.email)[-1].body_text  # at once, as chosen


def test_internal_notes_never_reach_the_digest():
    dana = _daily()
    case = factories.case(dana)
    cases.add_staff_reply(case, _agent_for(case), "Staff-only remark", internal=True)
    assert digests.send_due(_tomorrow_at(9)) == 0
    assert db.session.query(DigestItem).count() == 0
