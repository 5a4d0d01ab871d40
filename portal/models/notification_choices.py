"""A customer's choice to follow or mute one case; no row means the default: following."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, utcnow


class CaseNotificationChoice(db.Model):
    """Whether this person (the case's customer, or someone on CC) is emailed about a case."""

    __tablename__ = "case_notification_choices"
    __table_args__ = (UniqueConstraint("user_id", "case_id",
                                       name="uq_case_notification_choices_user_case"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    following: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
