"""The people around a case: organisations of customers, and colleagues on a case (CC)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, utcnow


class Sharing(enum.StrEnum):
    """Which of an organisation's cases its members see besides their own."""

    PRIVATE = "private"  # each member their own cases only
    ALL = "all"  # every member sees every member's cases
    SHARED = "shared"  # only the cases a member shared


SHARING_LABELS = {
    Sharing.PRIVATE: _l("Private: each member sees only their own cases"),
    Sharing.ALL: _l("Members see all the organisation's cases"),
    Sharing.SHARED: _l("Members see only the cases a member shares"),
}


class Organisation(db.Model):
    """A company whose people are customers here; found by name or email domain."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # Lower-case domains separated by spaces ("example.com example.co.uk").
    domains: Mapped[str] = mapped_column(String(500), default="")
    # A customer who proves an address at one of the domains joins by themselves.
    auto_join: Mapped[bool] = mapped_column(Boolean, default=False)
    sharing: Mapped[Sharing] = mapped_column(
        Enum(Sharing, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Sharing.PRIVATE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def domain_list(self) -> list[str]:
        return self.domains.split()

    @property
    def sharing_label(self) -> str:
        return SHARING_LABELS[self.sharing]


class OrganisationMember(db.Model):
    """A customer's organisation: one each, so "our organisation" is never ambiguous."""

    __tablename__ = "organisation_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    organisation = relationship("Organisation")


class SharedCase(db.Model):
    """A case its requester shared with their organisation (the "shared cases only" rule)."""

    __tablename__ = "shared_cases"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                         primary_key=True)
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseParticipant(db.Model):
    """A colleague on a case (CC): sees it, hears about it, may reply on it."""

    __tablename__ = "case_participants"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    added_by = relationship("User", foreign_keys=[added_by_id])
