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

# How the sender was verified (portal/mail/inbound.py decides, staff pages say which).
REPLY_LINK = "reply_link"  # a valid reply token, sent from the address of its case's customer
DMARC = "dmarc"  # our MTA's Authentication-Results: DMARC pass for From's domain
DKIM = "dkim"  # the same, a DKIM signature aligned with From's domain
FROM_ONLY = "from_only"  # nothing but the From header, which anyone can write
VOUCHED = (DMARC, DKIM)


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
    # One of the values above; "" on mail received before senders were checked.
    verified_by: Mapped[str] = mapped_column(String(16), default=FROM_ONLY, server_default="")
    # Who vouched: the authserv-id of the MTA for DMARC and DKIM.
    verified_detail: Mapped[str] = mapped_column(String(255), default="", server_default="")
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    case = relationship("Case")
    handled_by = relationship("User")

    @property
    def size(self) -> int:
        return len(self.raw or b"")

    @property
    def verification(self) -> dict[str, str]:
        """How the sender was verified, as kept on the timeline event the mail became."""
        return {"method": self.verified_by, "by": self.verified_detail}
