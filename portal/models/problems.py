"""Known problems: one thing going wrong for many customers, said once and told to all."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, utcnow


class ProblemStatus(enum.StrEnum):
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    FIXING = "fixing"
    RESOLVED = "resolved"


PROBLEM_STATUS_LABELS = {
    ProblemStatus.INVESTIGATING: _l("Investigating"),
    ProblemStatus.IDENTIFIED: _l("Cause identified"),
    ProblemStatus.FIXING: _l("Being fixed"),
    ProblemStatus.RESOLVED: _l("Resolved"),
}

problem_categories = Table(
    "problem_categories", db.metadata,
    Column("problem_id", ForeignKey("known_problems.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True),
)


class KnownProblem(db.Model):
    __tablename__ = "known_problems"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # What we know, in words for the public: the status page shows it to anyone.
    public_text: Mapped[str] = mapped_column(Text, default="")
    # Another system's reference (a recall code): cases carrying it link themselves.
    outside_reference: Mapped[str | None] = mapped_column(String(120), index=True)
    status: Mapped[ProblemStatus] = mapped_column(
        Enum(ProblemStatus, native_enum=False, length=32,
             values_callable=lambda e: [m.value for m in e]),
        default=ProblemStatus.INVESTIGATING)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    categories = relationship("Category", secondary=problem_categories, lazy="selectin",
                              order_by="Category.name")
    updates = relationship("ProblemUpdate", back_populates="problem",
                           order_by="ProblemUpdate.id.desc()", lazy="selectin")

    @property
    def is_open(self) -> bool:
        return self.status != ProblemStatus.RESOLVED

    @property
    def status_label(self) -> str:
        return PROBLEM_STATUS_LABELS[self.status]


class ProblemCase(db.Model):
    """A case affected by the problem: it gets the problem's public updates."""

    __tablename__ = "problem_cases"
    __table_args__ = (UniqueConstraint("problem_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("known_problems.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    # "hand", "queue" or "reference": how the link was made.
    how: Mapped[str] = mapped_column(String(16), default="hand")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProblemUpdate(db.Model):
    """One public update; its fan-out to linked cases is counted here."""

    __tablename__ = "problem_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(
        ForeignKey("known_problems.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32))  # the problem's status when posted
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[int] = mapped_column(Integer, default=0)  # linked cases when posted
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    followers_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    problem = relationship("KnownProblem", back_populates="updates")
    author = relationship("User")

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.delivered * 100 // self.total)


class ProblemDelivery(db.Model):
    """An update written on one case: the unique pair makes a retried fan-out write it once."""

    __tablename__ = "problem_deliveries"
    __table_args__ = (UniqueConstraint("update_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("problem_updates.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProblemFollower(db.Model):
    """A customer following a problem without a case of their own."""

    __tablename__ = "problem_followers"
    __table_args__ = (UniqueConstraint("problem_id", "user_id"),
                      Index("ix_problem_followers_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("known_problems.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
