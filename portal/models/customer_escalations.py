"""A customer's "This is taking too long": one per case per business day, owned by a manager."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class CustomerEscalation(db.Model):
    """The customer asked for a manager; `business_day` (the department's working day it
    counts for) is unique per case, so a second one that day is refused by the database too."""

    __tablename__ = "customer_escalations"
    __table_args__ = (UniqueConstraint("case_id", "business_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    business_day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    manager = relationship("User", foreign_keys=[manager_id], lazy="joined")
    promise = relationship("Promise", lazy="joined")
