"""Saved replies: a department's or one person's ready-made words for the composer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, utcnow


class SavedReply(db.Model):
    """A title and a body with placeholders; owned by a department or by one staff member."""

    __tablename__ = "saved_replies"
    # Exactly one owner: a department's replies are shared, a person's are theirs alone.
    __table_args__ = (CheckConstraint("(department_id IS NULL) <> (owner_id IS NULL)",
                                      name="ck_saved_replies_one_owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department = relationship("Department", lazy="joined")
    owner = relationship("User", lazy="joined")

    @property
    def personal(self) -> bool:
        return self.owner_id is not None

    def __repr__(self) -> str:
        return f"<SavedReply {self.id} {self.title!r}>"
