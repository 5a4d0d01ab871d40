"""Notifications the customer controls, in Chromium: mute a case from its page (htmx, and
without JavaScript), and from the "Manage notifications" link of an email."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.database import writing
from portal.extensions import db
from portal.models import Role
from portal.services import cases, notification_prefs
from tests import factories
from tests.e2e.conftest import snap
from tests.e2e.helpers import sign_in
from tests.helpers import mails_to, manage_link


def _dana_with_two_cases():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana, "Recall RC-42")
    delivery = factories.case(dana, "Late delivery")
    agent = factories.staff(Role.AGENT, [recall.department], name="Tom Berger")
    db.session.commit()
    return dana, recall, delivery, agent


def _following(dana, case) -> bool:
    db.session.commit()
    db.session.expire_all()
    return notification_prefs.is_following(dana, case)


def _reply(case, agent, body):
    db.session.commit()
    with writing():
        cases.add_staff_reply(case, agent, body)


def test_a_customer_mutes_a_case_from_its_page_and_hears_nothing_more(page):
    dana, recall, delivery, agent = _dana_with_two_cases()
    sign_in(page, "dana@example.com")
    page.goto(f"/cases/{recall.reference}")
    switch = page.locator("#case-notifications")
    expect(switch).to_contain_text("Notifications: on")

    switch.get_by_role("button", name="Mute this case").click()
    expect(switch).to_contain_text("Notifications: muted")
    expect(switch.get_by_role("status")).to_contain_text("no more email about this case")
    snap(page, "notifications-case-muted")
    assert not _following(dana, recall) and _following(dana, delivery)

    before = len(mails_to(dana.email))
    _reply(recall, agent, "We booked your recall for Tuesday.")
    assert len(mails_to(dana.email)) == before  # muted: no email
    page.reload()
    expect(page.locator("#case-notifications")).to_contain_text("Notifications: muted")
    page.locator("#case-notifications").get_by_role(
        "button", name="Turn notifications on").click()
    expect(page.locator("#case-notifications")).to_contain_text("Notifications: on")
    assert _following(dana, recall)
    assert page.console_errors == [], page.console_errors


def test_the_case_switch_works_without_javascript(nojs):
    dana, recall, _, _ = _dana_with_two_cases()
    sign_in(nojs, "dana@example.com")
    nojs.goto(f"/cases/{recall.reference}")
    nojs.locator("#case-notifications").get_by_role("button", name="Mute this case").click()
    expect(nojs.get_by_text("Muted: no more email about this case")).to_be_visible()
    expect(nojs.locator("#case-notifications")).to_contain_text("Notifications: muted")
    assert not _following(dana, recall)


def test_a_customer_mutes_a_case_from_the_email_link_without_signing_in(page):
    dana, recall, delivery, agent = _dana_with_two_cases()
    _reply(delivery, agent, "The courier is tracing your parcel.")
    link = manage_link(dana.email)

    page.goto(link)  # opening it changes nothing
    expect(page.get_by_role("heading", name="Manage notifications")).to_be_visible()
    expect(page.get_by_text(delivery.reference)).to_be_visible()
    assert _following(dana, delivery)
    snap(page, "notifications-manage-link")

    page.get_by_role("button", name="Mute this case").click()
    expect(page.get_by_text(f"{delivery.reference} is muted")).to_be_visible()
    expect(page.get_by_role("button", name="Turn this case back on")).to_be_visible()
    assert not _following(dana, delivery) and _following(dana, recall)

    page.get_by_role("button", name="Turn all email off").click()
    expect(page.get_by_text("No more email about your cases")).to_be_visible()
    db.session.commit()  # a fresh transaction: the server wrote since this one began
    db.session.expire_all()
    assert not db.session.get(type(dana), dana.id).updates_by_email

    page.goto(link[:-4] + "xxxx")  # a link cut or changed
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
