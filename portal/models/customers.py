"""What we know about a customer, recorded once and seen by every department."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, trigram_index, utcnow

# Kinds of fact, with the label people read. The order is the order shown.
FACT_KINDS = {
    "vin": _l("Vehicle identification number (VIN)"),
    "account_number": _l("Account number"),
    "order_number": _l("Order number"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "other_email": _l("Other email address"),
    "preferred_channel": _l("Preferred way to be contacted"),
    "preferred_time": _l("Best time to contact"),
}


class CustomerFact(db.Model):
    __tablename__ = "customer_facts"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                             index=True)
    kind: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when the customer themselves confirmed the value on their profile page.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def label(self) -> str:
        return FACT_KINDS.get(self.kind, self.kind)


class CaseReference(db.Model):
    """A reference from another system: a recall code, an order number, a CRM id."""

    __tablename__ = "case_references"
    __table_args__ = (UniqueConstraint("case_id", "system", "value"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    system: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


trigram_index("ix_case_references_value_trgm", CaseReference.value)
