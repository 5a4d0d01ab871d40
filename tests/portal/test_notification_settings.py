"""The customer's notification settings: the case page switch, Your details, the signed
manage link of every email (a GET changes nothing) and RFC 8058 one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Role, User, frozen_at, utcnow
from portal.services import accounts, cases, notification_prefs, outbox
from tests import factories
from tests.helpers import mails_to, manage_link


@pytest.fixture
def dana():
    return factories.customer("Dana Whitfield", "dana@example.com")


def _reply(case, body="We booked your recall for Tuesday 10:00."):
    cases.add_staff_reply(case, factories.staff(Role.AGENT, [case.department]), body)


def _following(user, case) -> bool:
    db.session.expire_all()
    return notification_prefs.is_following(user, case)


def _by_email(user) -> bool:
    db.session.expire_all()
    return db.session.get(User, user.id).updates_by_email


def test_the_case_page_switch_mutes_and_turns_back_on_without_javascript(client, login, dana):
    case = factories.case(dana)
    login(client, dana)
    page = client.get(f"/cases/{case.reference}").text
    assert "Notifications:" in page and "Mute this case" in page

    muted = client.post(f"/cases/{case.reference}/notifications", data={"following": "off"},
                        follow_redirects=True)
    assert "Muted: no more email about this case" in muted.text
    assert "Turn notifications on" in muted.text
    assert not _following(dana, case)

    client.post(f"/cases/{case.reference}/notifications", data={"following": "on"})
    assert _following(dana, case)


def test_the_case_page_switch_answers_htmx_with_the_switch_alone(client, login, dana):
    case = factories.case(dana)
    login(client, dana)
    response = client.post(f"/cases/{case.reference}/notifications", data={"following": "off"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<form id="case-notifications"')
    assert "muted" in response.text and "<html" not in response.text


def test_another_customers_case_is_404_and_bad_input_400(client, login, dana):
    other = factories.case(factories.customer("Ravi", "ravi@example.com"))
    mine = factories.case(dana)
    login(client, dana)
    assert client.post(f"/cases/{other.reference}/notifications",
                       data={"following": "off"}).status_code == 404
    assert client.post(f"/cases/{mine.reference}/notifications",
                       data={"following": "maybe"}).status_code == 400
    assert _following(dana, mine)


def test_your_details_sets_portal_only_and_lists_muted_cases(client, login, dana):
    case = factories.case(dana, title="Recall RC-42")
    notification_prefs.set_following(dana, case, False, dana)
    login(client, dana)
    page = client.get("/profile").text
    assert "Only on your case pages" in page and "Recall RC-42" in page

    saved = client.post("/profile/email-updates",
                        data={"channel": "portal", "email_updates": "immediate"},
                        follow_redirects=True)
    assert "no email about changes to your cases" in saved.text
    assert not _by_email(dana)
    bad = client.post("/profile/email-updates", data={"channel": "portal", "email_updates": "x"})
    assert bad.status_code == 422


def test_every_case_email_links_to_a_manage_page_that_a_get_never_changes(client, dana):
    case = factories.case(dana)
    _reply(case)
    link = manage_link(dana.email)
    mail = mails_to(dana.email)[-1]
    assert "Manage notifications" in mail.body_text and "Manage notifications" in mail.body_html
    assert mail.list_unsubscribe.endswith(link + "/one-click")

    for _ in range(2):  # a mail scanner's prefetch, then the person
        page = client.get(link)
        assert page.status_code == 200 and "Mute this case" in page.text
        assert page.headers["Referrer-Policy"] == "no-referrer"
    assert _following(dana, case) and _by_email(dana)
    assert client.get(link + "/one-click").status_code == 302  # opened in a browser
    assert _following(dana, case)
    assert db.session.scalar(select(AuditEntry).where(
        AuditEntry.action.like("notifications.%"))) is None


def test_the_manage_page_buttons_work_without_signing_in(client, dana):
    case = factories.case(dana)
    _reply(case)
    link = manage_link(dana.email)

    muted = client.post(link, data={"action": "mute_case"}, follow_redirects=True)
    assert f"{case.reference} is muted" in muted.text and "Turn this case back on" in muted.text
    assert not _following(dana, case)
    client.post(link, data={"action": "email_off"})
    assert not _by_email(dana)
    back = client.post(link, data={"action": "email_on"}, follow_redirects=True)
    assert "Email about your cases is on again" in back.text and _by_email(dana)
    assert client.post(link, data={"action": "delete_account"}).status_code == 400
    actors = {e.actor_id for e in db.session.scalars(select(AuditEntry).where(
        AuditEntry.action.like("notifications.%")))}
    assert actors == {dana.id}


def test_the_manage_page_is_csrf_protected(app, client, dana, monkeypatch):
    case = factories.case(dana)
    _reply(case)
    link = manage_link(dana.email)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(link, data={"action": "mute_case"}).status_code == 400
    assert _following(dana, case)
    page = client.get(link).text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(link, data={"action": "mute_case", "csrf_token": token})
    assert not _following(dana, case)


def test_a_forged_or_expired_link_is_refused_with_a_clear_page(client, dana):
    case = factories.case(dana)
    _reply(case)
    link = manage_link(dana.email)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")

    refused = client.post(forged, data={"action": "mute_case"})
    assert refused.status_code == 404 and "This link does not work" in refused.text
    assert client.get("/notifications/not-a-token").status_code == 404
    staff_token = notification_prefs.manage_token(factories.staff(Role.AGENT))
    assert client.get(f"/notifications/{staff_token}").status_code == 404
    with frozen_at(utcnow() + timedelta(days=notification_prefs.LINK_DAYS + 1)):
        expired = client.post(link, data={"action": "mute_case"})
        assert expired.status_code == 410 and "This link has expired" in expired.text
        assert client.post(link + "/one-click",
                           data={"List-Unsubscribe": "One-Click"}).status_code == 410
    assert _following(dana, case)


def test_one_click_unsubscribe_mutes_the_emails_case(client, dana):
    case = factories.case(dana)
    other = factories.case(dana)
    _reply(case)
    url = mails_to(dana.email)[-1].list_unsubscribe
    path = url[url.index("/notifications/"):]

    assert client.post(path, data={"something": "else"}).status_code == 400
    assert _following(dana, case)
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert not _following(dana, case) and _following(dana, other) and _by_email(dana)


def test_one_click_on_mail_about_no_case_turns_case_email_off(client, dana):
    accounts.request_sign_in_link(dana.email)
    url = mails_to(dana.email)[-1].list_unsubscribe
    assert url  # the sign-in email carries it too
    client.post(url[url.index("/notifications/"):], data={"List-Unsubscribe": "One-Click"})
    assert not _by_email(dana)


def test_staff_mail_has_no_manage_link():
    staff = factories.staff(Role.AGENT)
    message = outbox.queue_email(staff.email, "x", "sign_in_link", recipient=staff, user=staff,
                                 link="https://x.test/l", minutes=10)
    assert message.list_unsubscribe is None
