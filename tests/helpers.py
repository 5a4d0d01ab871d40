"""Reading what the app sent: the outbox is the customer's mailbox in tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage


def mails_to(address: str) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.to_address == address)
        .order_by(OutboxMessage.id)))


def last_link(address: str) -> str:
    """The path of the last link emailed to this address."""
    body = mails_to(address)[-1].body_text
    return re.findall(r"https?://[^/\s]+(/\S+)", body)[-1]
