"""XSS: whatever people type is inert text on every page and in every email."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.extensions import db
from portal.mail import compose
from portal.models import (
    Solved,
    Status,
    utcnow,
)
from portal.services import cases, customers, feedback, feedback_rules, follow_ups, promises
from tests.helpers import mails_to
from tests.security.catalogue import XSS, XSS_LONG, assert_inert, checked_file, last_staff_reply

# --- 6. Stored XSS: whatever people type is text wherever it is shown ---------------------

def _xss_title(world):
    world.mine.title = XSS_LONG
    db.session.commit()


def _xss_message(world):
    cases.add_customer_message(world.mine, world.dana, XSS_LONG)


def _xss_customer_name(world):
    world.dana.name = XSS
    db.session.commit()


def _xss_staff_note(world):
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG, internal=True)


def _xss_staff_reply(world):
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG)


def _xss_file_name(world):
    cases.add_customer_message(world.mine, world.dana, "file",
                               files=[checked_file(XSS + ".txt", b"text", "text/plain")])


def _xss_feedback_comment(world):
    cases.change_status(world.mine, world.agent, Status.RESOLVED, "Booked.")
    feedback.answer(world.mine, world.dana, Solved.PARTLY, 5, XSS_LONG)


def _xss_reaction_reason(world):
    reply = last_staff_reply(world.mine)
    feedback.react(reply.id, world.dana, False, XSS)


def _xss_fact(world):
    customers.set_fact(world.dana, world.dana, "address", XSS_LONG)


def _xss_promise(world):
    promises.make(world.mine, world.agent, XSS, world.agent, utcnow() + timedelta(days=1))


CUSTOMER_PAGE, WORKSPACE = "/cases/{mine}", "/admin/cases/{mine}"
XSS_FIELDS = {
    "case title": (_xss_title, ["/cases", CUSTOMER_PAGE], ["/admin/cases", WORKSPACE]),
    "message body": (_xss_message, [CUSTOMER_PAGE], [WORKSPACE, "/admin/customers/{dana}"]),
    "customer name": (_xss_customer_name, [], ["/admin/cases", WORKSPACE,
                                               "/admin/customers/{dana}"]),
    "staff note": (_xss_staff_note, [], [WORKSPACE, "/admin/cases/{mine}/timeline"]),
    "staff reply": (_xss_staff_reply, [CUSTOMER_PAGE, "/cases/{mine}/live"], [WORKSPACE]),
    "attachment file name": (_xss_file_name, [CUSTOMER_PAGE], [WORKSPACE]),
    "feedback comment": (_xss_feedback_comment, [CUSTOMER_PAGE],
                         [WORKSPACE, "/admin/follow-ups/{follow_up}"]),
    "reaction reason": (_xss_reaction_reason, [], [WORKSPACE]),
    "customer detail": (_xss_fact, ["/profile"], [WORKSPACE, "/admin/customers/{dana}"]),
    "promise": (_xss_promise, [CUSTOMER_PAGE], ["/admin/promises", WORKSPACE]),
}


@pytest.mark.parametrize("plant,customer_pages,staff_pages", XSS_FIELDS.values(),
                         ids=XSS_FIELDS.keys())
def test_stored_markup_is_inert_on_every_page_that_shows_it(app, client, login, world, plant,
                                                           customer_pages, staff_pages):
    plant(world)
    answer = feedback_rules.current(world.mine)
    follow_up = follow_ups.for_feedback(answer) if answer else None
    values = {"mine": world.mine.reference, "dana": world.dana.id,
              "follow_up": follow_up.id if follow_up else 0}
    staff_client = app.test_client()
    login(client, world.dana)
    login(staff_client, world.agent)
    for who, pages in ((client, customer_pages), (staff_client, staff_pages)):
        for page in pages:
            for headers in ({}, {"HX-Request": "true"}):
                response = who.get(page.format(**values), headers=headers)
                assert response.status_code == 200, page
                assert_inert(response.text)


def _mail_staff_reply(world):
    world.mine.title = XSS
    cases.add_staff_reply(world.mine, world.agent, XSS_LONG)
    return world.dana.email


def _mail_status(world):
    cases.change_status(world.mine, world.agent, Status.WAITING_ON_CUSTOMER, XSS_LONG)
    return world.dana.email


def _mail_promise(world):
    promises.make(world.mine, world.agent, XSS, world.agent, utcnow() + timedelta(days=1))
    return world.dana.email


def _mail_text_only(world):
    reply = last_staff_reply(world.mine)
    feedback.react(reply.id, world.dana, False, XSS_LONG)  # the owner's mail has no .html
    return world.agent.email


EMAILS = {"staff reply": _mail_staff_reply, "status change": _mail_status,
          "promise": _mail_promise, "text-only template": _mail_text_only}


@pytest.mark.parametrize("send", EMAILS.values(), ids=EMAILS.keys())
def test_markup_in_html_emails_is_escaped(world, send):
    world.dana.name = XSS
    db.session.commit()
    address = send(world)
    message = mails_to(address)[-1]
    assert_inert(message.body_html)
    built = compose.build(message)
    assert built.get_body(("html",)).get_content().count("<img src=x") == 0
