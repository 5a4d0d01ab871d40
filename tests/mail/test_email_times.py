"""Every time in an email is in its recipient's zone and says it, whoever's browser sent it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, Role
from portal.services import minute_job, promises
from tests import factories

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _in(user, zone: str):
    """The user, having chosen `zone` on their profile."""
    user.timezone = zone
    db.session.commit()
    return user


def _mail_to(address: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_address == address).order_by(OutboxMessage.id)).all()[-1]


def _as_read_in(moment: datetime, zone: str) -> str:
    """The moment as a reader in `zone` reads it: 'Mon 02 Nov 2026, 04:00 EST'."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%a %d %b %Y, %H:%M %Z")


def test_a_promise_email_is_in_the_customers_zone_not_the_senders(app):
    dep = factories.department("Sales")
    agent = _in(factories.staff(departments=[dep], name="Marco Rossi",
                                email="marco@example.com"), "Asia/Tokyo")
    sam = _in(factories.customer("Sam Okoro", "sam@example.com"), "America/New_York")
    case = factories.case(sam, cat=factories.category(dep))
    due = START + timedelta(days=1)
    # Sent from a request whose browser reads a 12-hour clock in another zone.
    with time_machine.travel(START, tick=False), \
            app.test_request_context(headers={"Accept-Language": "en-US"}):
        promises.make(case, agent, "Call the depot", agent, due)
    mail = _mail_to("sam@example.com")
    said = f"Marco Rossi will see to it by {_as_read_in(due, 'America/New_York')}."
    assert said in mail.body_text and said in mail.body_html
    assert " JST" not in mail.body_text  # a link's random token may spell JST


def test_an_escalation_email_is_in_each_recipients_own_zone(app):
    dep = factories.department("Sales")
    agent = _in(factories.staff(departments=[dep], name="Marco Rossi",
                                email="marco@example.com"), "Asia/Tokyo")
    _in(factories.staff(Role.MANAGER, departments=[dep], name="Priya Shah",
                        email="priya@example.com"), "America/New_York")
    due = START + timedelta(hours=1)
    with time_machine.travel(START, tick=False):
        case = factories.case(cat=factories.category(dep))
        promises.make(case, agent, "Call back", agent, due)
    minute_job.tick(START + timedelta(days=2))
    assert f"It was due {_as_read_in(due, 'Asia/Tokyo')}." in _mail_to(
        "marco@example.com").body_text
    assert f"It was due {_as_read_in(due, 'America/New_York')}." in _mail_to(
        "priya@example.com").body_text
