"""Notifications the customer controls: a muted case or the portal-only channel keeps case
email away; sign-in links and what the customer must act on always come; digests collect."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, DigestItem, Role, Status
from portal.services import accounts, cases, customers, notification_prefs
from portal.services.notification_prefs import Kind
from tests import factories
from tests.helpers import mails_to


def _agent(case):
    return factories.staff(Role.AGENT, [case.department], name="Tom Berger")


def _subjects(address):
    return [m.subject for m in mails_to(address)]


def test_a_muted_case_gets_no_update_email_but_the_others_and_a_sign_in_link_do():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana, title="Recall RC-42 not booked")
    delivery = factories.case(dana, title="Late delivery")
    agent = _agent(recall)
    before = len(mails_to(dana.email))

    assert notification_prefs.set_following(dana, recall, False, dana)
    cases.add_staff_reply(recall, agent, "We booked your recall for Tuesday.")
    cases.change_status(recall, agent, Status.WAITING_ON_THIRD_PARTY, "The garage checks.")
    cases.add_staff_reply(delivery, agent, "The courier is tracing it.")
    accounts.request_sign_in_link(dana.email)

    new = _subjects(dana.email)[before:]
    assert not any(recall.reference in s for s in new), new
    assert any(delivery.reference in s for s in new)
    assert any("sign-in" in s.lower() for s in new)
    assert not notification_prefs.is_following(dana, recall)
    assert notification_prefs.is_following(dana, delivery)  # the default: following


def test_what_the_customer_must_act_on_comes_even_on_a_muted_case():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana)
    agent = _agent(recall)
    notification_prefs.set_following(dana, recall, False, dana)
    before = len(mails_to(dana.email))

    cases.change_status(recall, agent, Status.WAITING_ON_CUSTOMER, "Which day suits you?")
    cases.add_staff_reply(recall, agent, "Tuesday or Wednesday?")

    assert len(mails_to(dana.email)) == before + 2


def test_portal_only_gets_no_case_email_and_back_on_gets_it_again():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    recall = factories.case(dana)
    agent = _agent(recall)
    notification_prefs.set_settings(dana, dana, by_email=False)
    before = len(mails_to(dana.email))

    cases.add_staff_reply(recall, agent, "We booked your recall for Tuesday.")
    assert len(mails_to(dana.email)) == before
    accounts.request_sign_in_link(dana.email)
    assert len(mails_to(dana.email)) == before + 1  # the sign-in link is never held back

    notification_prefs.set_settings(dana, dana, by_email=True)
    cases.add_staff_reply(recall, agent, "Booked: Tuesday 10:00.")
    assert "Booked: Tuesday 10:00." in mails_to(dana.email)[-1].body_text


def test_the_digest_collects_followed_cases_only_and_drops_a_muted_cases_waiting_news():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    customers.set_email_updates(dana, "daily")
    recall = factories.case(dana, title="Recall")
    delivery = factories.case(dana, title="Delivery")
    agent = _agent(recall)
    before = len(mails_to(dana.email))

    cases.add_staff_reply(recall, agent, "First news on the recall.")
    cases.add_staff_reply(delivery, agent, "First news on the delivery.")
    notification_prefs.set_following(dana, recall, False, dana)
    cases.add_staff_reply(recall, agent, "Second news on the recall.")

    waiting = db.session.scalars(select(DigestItem).where(DigestItem.customer_id == dana.id))
    assert [item.case_id for item in waiting] == [delivery.id]
    assert len(mails_to(dana.email)) == before  # collected, not sent


def test_should_email_is_the_same_rule_for_any_recipient_and_kind():
    colleague = factories.customer("Clerk", "clerk@example.com")
    case = factories.case()
    assert notification_prefs.should_email(colleague, case)
    notification_prefs.set_following(colleague, case, False, colleague)
    assert not notification_prefs.should_email(colleague, case, Kind.UPDATE)
    assert notification_prefs.should_email(colleague, case, Kind.ACTION)
    assert notification_prefs.should_email(colleague, case, Kind.ACCOUNT)
    assert not notification_prefs.should_email(None, case)  # nobody to write to


def test_every_change_is_audited_with_who_made_it():
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    admin = factories.staff(Role.ADMIN, name="Alex Admin")

    notification_prefs.set_following(dana, case, False, dana)
    notification_prefs.set_following(dana, case, False, dana)  # no change: no second row
    notification_prefs.set_settings(dana, admin, by_email=False, timing="daily")

    rows = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.like("notifications.%")).order_by(AuditEntry.id)).all()
    assert [(r.action, r.actor_id) for r in rows] == [
        ("notifications.muted", dana.id), ("notifications.settings", admin.id)]
    assert "the customer" in rows[0].summary and "Alex Admin on request" in rows[1].summary
    assert rows[1].after == {"by_email": False, "timing": "daily"}
