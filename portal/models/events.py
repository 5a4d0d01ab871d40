"""The append-only case timeline and the files attached to its events."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class EventKind(enum.StrEnum):
    OPENED = "opened"
    CUSTOMER_MESSAGE = "customer_message"
    STAFF_REPLY = "staff_reply"
    INTERNAL_NOTE = "internal_note"
    STATUS_CHANGE = "status_change"
    ASSIGNMENT = "assignment"
    CONTACT_LOGGED = "contact_logged"
    REOPENED = "reopened"
    LINKED = "linked"
    DETAILS_CHANGED = "details_changed"
    PROMISE = "promise"
    ESCALATION = "escalation"
    FEEDBACK = "feedback"
    FOLLOW_UP = "follow_up"
    PROBLEM_UPDATE = "problem_update"


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    PHONE = "phone"
    IN_PERSON = "in_person"
    LETTER = "letter"
    API = "api"
    SYSTEM = "system"


def N_(text: str) -> str:
    """Marks text for the catalogue (pybabel extracts N_ by default) and leaves it as is."""
    return text


# What a logged contact is called on the timeline, by channel. A contact logged without a
# label of its own stores its channel's in English (the API gives it as stored).
CONTACT_DEFAULTS = {
    Channel.PHONE: N_("Phone call"),
    Channel.IN_PERSON: N_("Visit"),
    Channel.LETTER: N_("Letter"),
    Channel.EMAIL: N_("Email"),
    Channel.API: N_("Message from another system"),
    Channel.WEB: N_("Contact"),
    Channel.SYSTEM: N_("Contact"),
}
# The same in the reader's language, for forms and pages.
CONTACT_LABELS = {channel: _l(label) for channel, label in CONTACT_DEFAULTS.items()}

CHANNEL_LABELS = {
    Channel.WEB: _l("on the web"),
    Channel.EMAIL: _l("by email"),
    Channel.PHONE: _l("by phone"),
    Channel.IN_PERSON: _l("in person"),
    Channel.LETTER: _l("by letter"),
    Channel.API: _l("from another system"),
    Channel.SYSTEM: "",
}


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"


class CaseEvent(db.Model):
    """One thing that happened on a case. Rows are never updated or deleted."""

    __tablename__ = "case_events"
    __table_args__ = (
        Index("ix_case_events_case_visibility", "case_id", "visibility", "id"),
        # A customer's latest contacts across their cases (before-you-contact, history).
        Index("ix_case_events_case_created", "case_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[Channel] = mapped_column(_enum(Channel), default=Channel.WEB)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.PUBLIC)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case = relationship("Case", back_populates="events")
    author = relationship("User", lazy="joined")
    attachments = relationship("Attachment", back_populates="event", lazy="selectin")

    @property
    def is_public(self) -> bool:
        return self.visibility == Visibility.PUBLIC

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[self.channel]

    @property
    def contact_label(self) -> str:
        """What a logged contact is called: the label staff gave it, or its channel's."""
        label = (self.data or {}).get("contact_label") or CONTACT_DEFAULTS[Channel.WEB]
        # A channel's own label is stored in English: ours to translate, unlike a typed one.
        return gettext(label) if label in CONTACT_DEFAULTS.values() else label


class Attachment(db.Model):
    """A file stored outside static/, under a random key, served only after a check."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("case_events.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event = relationship("CaseEvent", back_populates="attachments")
