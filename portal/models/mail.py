"""Inbound mail, kept raw before parsing so nothing is ever lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

PROCESSED = "processed"
TRIAGE = "triage"
AUTOMATIC = "automatic"
DUPLICATE = "duplicate"
DISMISSED = "dismissed"
INBOUND_STATUSES = (PROCESSED, TRIAGE, AUTOMATIC, DUPLICATE, DISMISSED)


class InboundMail(db.Model):
    __tablename__ = "inbound_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # lists never load it
    # Unique: a message delivered twice is processed once (NULL until parsed, or a copy).
    message_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    sender: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(250), default="")
    # The parsed, quote-stripped text (the original stays in raw).
    text: Mapped[str] = mapped_column(Text, default="")
    # Every message starts in triage, so one that crashes mid-way is still in front of staff.
    status: Mapped[str] = mapped_column(String(16), default=TRIAGE, index=True)
    reason: Mapped[str] = mapped_column(Text, default="Not processed yet.")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case = relationship("Case")
    handled_by = relationship("User")

    @property
    def size(self) -> int:
        return len(self.raw or b"")
