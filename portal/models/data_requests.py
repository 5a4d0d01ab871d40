"""A customer's data rights: a download of everything we hold, or erasure of their account."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow

EXPORT = "export"
ERASURE = "erasure"

# Export: pending → working → ready (→ expired) or failed.
# Erasure: pending (the grace period) → done, or cancelled.
PENDING = "pending"
WORKING = "working"
READY = "ready"
FAILED = "failed"
EXPIRED = "expired"
CANCELLED = "cancelled"
DONE = "done"


class DataRequest(db.Model):
    __tablename__ = "data_requests"
    # The background job's claim query: due pending rows and expired leases.
    __table_args__ = (Index("ix_data_requests_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The customer themselves, or the staff member who asked on their behalf.
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    # When the job may run: at once for an export, after the grace period for an erasure.
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_count: Mapped[int] = mapped_column(Integer, default=0)
    total_count: Mapped[int] = mapped_column(Integer, default=0)
    # The finished archive: a random file name under EXPORT_DIR, never a path from input.
    file_key: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    customer = relationship("User", foreign_keys=[customer_id])
    requested_by = relationship("User", foreign_keys=[requested_by_id])

    @property
    def percent(self) -> int:
        if self.status == READY:
            return 100
        return int(100 * self.done_count / self.total_count) if self.total_count else 0
