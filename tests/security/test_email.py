"""Email: line breaks in names, subjects and addresses never become mail headers."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.mail import compose
from portal.services import accounts, cases
from tests.helpers import mails_to
from tests.security.catalogue import assert_nothing_stored, row_counts

# --- 11. Header injection into outgoing mail ----------------------------------------------

def test_a_case_title_with_line_breaks_cannot_add_mail_headers(world):
    world.mine.title = "Hello\r\nBcc: victim@evil.example\r\n\r\nInjected body"
    db.session.commit()
    cases.add_staff_reply(world.mine, world.agent, "Answer")
    built = compose.build(mails_to(world.dana.email)[-1])
    assert built["Bcc"] is None and "\n" not in built["Subject"]
    assert "victim@evil.example" not in str(built["To"])


def test_a_customer_name_with_line_breaks_is_stored_on_one_line(client):
    client.post("/signup", data={"name": "Eve\r\nBcc: victim@evil.example",
                                 "email": "crlf@example.com", "password": "x" * 12,
                                 "confirm": "x" * 12})
    user = accounts.find_user("crlf@example.com")
    assert "\n" not in user.name and "\r" not in user.name
    built = compose.build(mails_to("crlf@example.com")[-1])
    assert built["Bcc"] is None


@pytest.mark.parametrize("address", ["dana@example.com\r\nBcc: victim@evil.example",
                                     "dana@example.com%0ABcc:victim@evil.example",
                                     "victim@evil.example,dana@example.com",
                                     "Dana <dana@example.com>"])
def test_an_email_address_carrying_extra_recipients_is_refused(client, world, address):
    before = row_counts()
    response = client.post("/reset", data={"email": address})
    assert response.status_code == 422 and "valid email" in response.text
    assert_nothing_stored(before)
