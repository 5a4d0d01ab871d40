"""Cases and the plain words customers see for each status."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from .base import UTCDateTime, trigram_index, utcnow


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


class Status(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    WAITING_ON_THIRD_PARTY = "waiting_on_third_party"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


PRIORITY_LABELS = {Priority.LOW: _l("Low"), Priority.NORMAL: _l("Normal"),
                   Priority.HIGH: _l("High"), Priority.URGENT: _l("Urgent")}


@dataclass(frozen=True)
class StatusText:
    # Lazy strings in STATUS_TEXT (forms built at import read them per request);
    # plain text from Case.status_text.
    label: str
    next_step: str
    tone: str  # a CSS hint; the label always carries the meaning too

    def as_text(self) -> StatusText:
        """The words in the current language, as str: JSON (webhooks) cannot take lazy ones."""
        return StatusText(str(self.label), str(self.next_step), self.tone)


STATUS_TEXT: dict[Status, StatusText] = {
    Status.NEW: StatusText(_l("Received"), _l("We will acknowledge your case shortly."), "new"),
    Status.ACKNOWLEDGED: StatusText(
        _l("Acknowledged"), _l("Someone on our team has read your case and will pick it up."),
        "new"
    ),
    Status.IN_PROGRESS: StatusText(
        _l("Waiting on us"), _l("We are working on it. You do not need to do anything."), "us"
    ),
    Status.WAITING_ON_CUSTOMER: StatusText(
        _l("Waiting on you"), _l("We need something from you: please answer on the case page."),
        "you"
    ),
    Status.WAITING_ON_THIRD_PARTY: StatusText(
        _l("Waiting on a third party"),
        _l("We are waiting on someone outside our team and will keep you posted."),
        "us",
    ),
    Status.RESOLVED: StatusText(
        _l("Resolved"),
        _l("We believe this is solved. Reply if it is not and we will pick it up."), "done"
    ),
    Status.CLOSED: StatusText(
        _l("Closed"), _l("This case is closed. Replying opens a new case linked to this one."),
        "done"
    ),
}

# "Reply" means something else where the words are read: the case page has its reply box
# below, an email from us can simply be answered; a list, a digest or the API has neither.
NEXT_STEP_WHERE: dict[tuple[Status, str], str] = {
    (Status.WAITING_ON_CUSTOMER, "page"): _l("We need something from you: please reply below."),
    (Status.WAITING_ON_CUSTOMER, "email"): _l(
        "We need something from you: reply to this email, or answer on the case page."),
}
# Once we have answered, "we will acknowledge your case shortly" would be untrue.
NEXT_STEP_ANSWERED = _l("We have answered you and will write again here when there is news.")
ANSWERED_ALREADY = frozenset({Status.NEW, Status.ACKNOWLEDGED})

OPEN_STATUSES = frozenset(s for s in Status if s not in {Status.RESOLVED, Status.CLOSED})

REFERENCE_RE = re.compile(r"^CL-(\d{1,12})$", re.IGNORECASE)


def format_reference(case_id: int) -> str:
    return f"CL-{case_id:06d}"


# Ids are 32-bit integers on PostgreSQL: a bigger number in a URL is a 500 there, not a miss.
MAX_ID = 2**31 - 1


def parse_reference(reference: str) -> int | None:
    """The case id inside a reference like CL-000123, or None if it is not one."""
    match = REFERENCE_RE.match(reference.strip())
    return int(match.group(1)) if match and int(match.group(1)) <= MAX_ID else None


class Case(db.Model):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_customer_activity", "customer_id", "last_activity_at"),
        Index("ix_cases_status_activity", "status", "last_activity_at"),
        # The queue's keyset pages, one per sort: (sort column, id) is walked in order.
        Index("ix_cases_activity_id", "last_activity_at", "id"),
        Index("ix_cases_created_id", "created_at", "id"),
        Index("ix_cases_waiting_id", "waiting_since", "id"),
        # Covers the queue's tab counts (open cases per department) from the index alone.
        Index("ix_cases_department_status", "department_id", "status", "assignee_id",
              "waiting_since"),
        # Covers the Stuck tab's count (stuck.condition_for): its columns are read from the
        # index, not from each open case's row. Department first: SQLite, without ANALYZE
        # statistics, reads each "department and quiet" branch of its OR on its own.
        Index("ix_cases_department_status_stuck", "department_id", "status",
              "moves_since_resolution", "last_update_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.NEW)
    priority: Mapped[Priority] = mapped_column(_enum(Priority), default=Priority.NORMAL)
    customer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    # A case opened by replying to a closed one points back at it.
    previous_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Time of the last event the customer can see; drives "updated 2 hours ago".
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    customer_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Since when the customer's last message has waited for a public answer (None: it has one).
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The customer's clock: first public answer, last customer-visible update, time spent
    # waiting on the customer (shown separately, never hidden).
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    waiting_on_customer_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    customer_wait_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    # How many times the case was resolved; feedback is asked once per resolution.
    resolution_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Handoffs and status changes since the case was last resolved (or opened): four or
    # more makes it "stuck" (services/stuck.py); timeline.record keeps it.
    moves_since_resolution: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Incremented on every change; a form built on an older version is stale.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What staff search reads: the title, outside references and every message, one text
    # per case (services/case_search.py keeps it), so that a search tests one row per case and
    # not each of ten million messages. Deferred: no page loads it.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="",
                                             deferred=True)

    customer = relationship("User", foreign_keys=[customer_id], lazy="joined")
    assignee = relationship("User", foreign_keys=[assignee_id])
    department = relationship("Department", lazy="joined")
    category = relationship("Category")
    promises = relationship("Promise", back_populates="case", order_by="Promise.due_at",
                            lazy="selectin")
    feedback = relationship("Feedback", back_populates="case", order_by="Feedback.id",
                            lazy="selectin")
    references = relationship("CaseReference", lazy="selectin", order_by="CaseReference.id")
    events = relationship(
        "CaseEvent", back_populates="case", order_by="CaseEvent.id", lazy="dynamic"
    )

    @property
    def reference(self) -> str:
        return format_reference(self.id)

    @property
    def status_text(self) -> StatusText:
        return self.status_words().as_text()

    def status_words(self, where: str = "") -> StatusText:
        """The status words (lazy) true for this case where they are read: "page" (its
        reply box is below), "email" (it can be answered), else neither."""
        text = STATUS_TEXT[self.status]
        if self.status in ANSWERED_ALREADY and self.has_been_answered:
            return replace(text, next_step=NEXT_STEP_ANSWERED)
        return replace(text, next_step=NEXT_STEP_WHERE.get((self.status, where), text.next_step))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def has_been_answered(self) -> bool:
        """A person on our side wrote to the customer: a reply, a logged call, or (still
        "new") a case the business opened for them with words of its own."""
        return self.first_response_at is not None or (
            self.status == Status.NEW and self.last_update_at is not None)

    @property
    def has_unseen_updates(self) -> bool:
        return self.customer_seen_at is None or self.last_activity_at > self.customer_seen_at

    def __repr__(self) -> str:
        return f"<Case {self.reference} {self.status.value}>"


trigram_index("ix_cases_title_trgm", Case.title)
trigram_index("ix_cases_search_text_trgm", Case.search_text)
