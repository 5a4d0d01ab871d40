"""Outgoing messages, written in the same transaction as the change that causes them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow

PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
OUTBOX_STATUSES = (PENDING, SENDING, SENT, FAILED)


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    # The worker's claim query: due pending messages and expired leases.
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(250))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    message_id: Mapped[str | None] = mapped_column(String(255))
    in_reply_to: Mapped[str | None] = mapped_column(String(255))
    # "references" is an SQL keyword, hence the longer name.
    thread_references: Mapped[str | None] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(254))
    # RFC 8058 one-click address (List-Unsubscribe) for mail to a customer; None for staff.
    list_unsubscribe: Mapped[str | None] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The server default (0005) made messages queued before that revision due at once.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                      server_default="1970-01-01 00:00:00")
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A worker owns a claimed message until lease_until; after that anyone may retry it.
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def reference(self) -> str | None:
        return f"CL-{self.case_id:06d}" if self.case_id else None
