"""Feedback asked inline, once per resolution, and the follow-ups unhappy answers create."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Solved(enum.StrEnum):
    YES = "yes"
    PARTLY = "partly"
    NO = "no"


SOLVED_LABELS = {Solved.YES: _l("Yes"), Solved.PARTLY: _l("Partly"), Solved.NO: _l("No")}


class Feedback(db.Model):
    """The customer's answer to “Did we solve it?” for one resolution of one case."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("case_id", "resolution_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Which resolution this answers: a reopened and re-resolved case may be asked again.
    resolution_round: Mapped[int] = mapped_column(Integer)
    solved: Mapped[Solved] = mapped_column(_enum(Solved))
    rating: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="feedback")
    customer = relationship("User")

    @property
    def solved_label(self) -> str:
        return SOLVED_LABELS[self.solved]


class ReplyReaction(db.Model):
    """“This helped / This didn't help” on one staff reply, by the case's customer."""

    __tablename__ = "reply_reactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    helpful: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class FollowUpState(enum.StrEnum):
    OPEN = "open"
    DONE = "done"


class FollowUp(db.Model):
    """An unhappy answer, owned by a person with a due time until the loop is closed."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id"))
    reaction_id: Mapped[int | None] = mapped_column(ForeignKey("reply_reactions.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The promise the customer sees: "<Name> will contact you by <time>".
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promises.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    state: Mapped[FollowUpState] = mapped_column(_enum(FollowUpState),
                                                 default=FollowUpState.OPEN, index=True)
    what_was_done: Mapped[str] = mapped_column(Text, default="")
    told_customer: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case = relationship("Case")
    feedback = relationship("Feedback")
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")
    promise = relationship("Promise")
