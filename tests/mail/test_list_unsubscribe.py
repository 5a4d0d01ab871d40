"""What a real SMTP server receives: List-Unsubscribe headers (RFC 2369 and RFC 8058) and the
"Manage notifications" link on customer mail, none on staff mail; the URL one-click works."""

from __future__ import annotations

from portal.extensions import db
from portal.models import Role
from portal.services import accounts, cases, notification_prefs
from tests import factories


def test_customer_mail_carries_one_click_unsubscribe_headers_that_mute_the_case(runner, smtp,
                                                                                 client):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    tom = factories.staff(Role.AGENT, [case.department], name="Tom Berger",
                          email="tom@staff.example.com")
    cases.add_staff_reply(case, tom, "We booked your recall for Tuesday 10:00.")
    accounts.request_sign_in_link(dana.email)
    assert "sent" in runner.invoke(args=["worker", "--once"]).output

    received = smtp.handler.messages()
    to_dana = [m for m in received if m["To"] == "dana@example.com"]
    assert len(to_dana) >= 2  # the reply and the sign-in link
    for mail in to_dana:
        header = str(mail["List-Unsubscribe"])
        assert header.startswith("<http") and header.endswith("/one-click>"), header
        assert "=?" not in header  # written as it is, never as encoded words
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Manage notifications" in mail.get_body(("plain",)).get_content()
    assert all(b"\nList-Unsubscribe: <http" in raw for raw in smtp.handler.received)

    reply = next(m for m in to_dana if case.reference in m["Subject"])
    url = str(reply["List-Unsubscribe"])[1:-1]
    # What a mail client does for "Unsubscribe": one POST, no cookie, no CSRF token.
    response = client.post(url[url.index("/notifications/"):],
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert not notification_prefs.is_following(dana, case)


def test_staff_mail_has_no_list_unsubscribe(runner, smtp):
    dana = factories.customer("Dana Whitfield", "dana@example.com")
    case = factories.case(dana)
    admin = factories.staff(Role.ADMIN, name="Alex Admin", email="admin@staff.example.com")
    accounts.request_password_reset(admin.email)
    cases.add_staff_reply(case, admin, "Answer.")
    runner.invoke(args=["worker", "--once"])
    by_to = {m["To"]: m for m in smtp.handler.messages()}
    assert by_to["admin@staff.example.com"]["List-Unsubscribe"] is None
    assert by_to["dana@example.com"]["List-Unsubscribe"] is not None
