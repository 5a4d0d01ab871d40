"""Promises made to a customer, and the escalations raised when one is missed."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..extensions import db
from .base import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class PromiseState(enum.StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    WITHDRAWN = "withdrawn"


class Promise(db.Model):
    """“We'll call you back by Thursday 17:00” as a tracked object with an owner."""

    __tablename__ = "promises"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    what: Mapped[str] = mapped_column(String(500))
    # A person keeps it; or, passed to a department's queue on a handoff, nobody yet and
    # the department (`owner_department_id`) until someone there settles it.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    owner_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"),
                                                            index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    public: Mapped[bool] = mapped_column(default=True)
    state: Mapped[PromiseState] = mapped_column(_enum(PromiseState), default=PromiseState.OPEN,
                                                index=True)
    # What was done (kept), why not (broken) or why it no longer applies (withdrawn).
    outcome: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who marked it kept, broken or withdrawn: the credit goes to them, not to the owner.
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A broken promise usually comes with a new one; this points at it.
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id"))

    case = relationship("Case", back_populates="promises")
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    owner_department = relationship("Department", lazy="joined")
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    resolved_at = synonym("closed_at")

    @property
    def owner_name(self) -> str:
        """The person who keeps it, or the department whose queue holds it."""
        if self.owner is not None:
            return self.owner.name
        return self.owner_department.name if self.owner_department else ""

    @property
    def is_open(self) -> bool:
        return self.state == PromiseState.OPEN

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.is_open and self.due_at < (now or utcnow())

    @property
    def breach_key(self) -> str:
        """The key its escalations are stored under: one per promise and due time."""
        return f"promise:{self.id}:{self.due_at:%Y%m%d%H%M}"

    @property
    def kept_on_time(self) -> bool:
        return self.state == PromiseState.KEPT and self.closed_at is not None and \
            self.closed_at <= self.due_at


class Escalation(db.Model):
    """One notice for one breach at one stage; the unique key makes `tick` idempotent."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("breach_key", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    breach_key: Mapped[str] = mapped_column(String(120))
    stage: Mapped[str] = mapped_column(String(16))  # "owner" then "manager"
    notified_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
