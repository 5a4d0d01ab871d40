"""People: customers and staff share one table, told apart by role."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, Enum, ForeignKey, Integer, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import UTCDateTime, trigram_index, utcnow


class Role(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    MANAGER = "manager"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.MANAGER, Role.ADMIN})


class EmailUpdates(enum.StrEnum):
    """How a customer hears about their cases; security emails are always immediate."""

    IMMEDIATE = "immediate"
    DAILY = "daily"


staff_departments = Table(
    "staff_departments",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None for a customer staff took on by phone or at the desk who gave no address.
    email: Mapped[str | None] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.CUSTOMER,
        index=True,
    )
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Bumped at sign-out and password change: every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the person proves they read mail at this address (a sign-in link used).
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # IANA zone for showing times; None means the site default (DEFAULT_TIMEZONE).
    timezone: Mapped[str | None] = mapped_column(String(64))
    # The locale their browser negotiated at sign-up or sign-in ("de", "pt_BR"): their
    # emails use it, whoever's action sends them. None means the site default.
    language: Mapped[str | None] = mapped_column(String(35))
    email_updates: Mapped[EmailUpdates] = mapped_column(
        Enum(EmailUpdates, native_enum=False, length=16,
             values_callable=lambda e: [m.value for m in e]),
        default=EmailUpdates.IMMEDIATE, server_default=EmailUpdates.IMMEDIATE.value,
    )
    # The channel: False means "on the portal only", no email about case changes (sign-in
    # links and what the customer must act on still come: services/notification_prefs.py).
    updates_by_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    # Loaded on first use, not with every user: a selectin default re-queries departments
    # after every statement that returns users (authors, owners, customers) on each page.
    # Lists of staff that show departments ask for them: options(selectinload(...)).
    departments = relationship("Department", secondary=staff_departments)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def department_ids(self) -> set[int]:
        return {d.id for d in self.departments}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


# The staff queue's search matches customers by name and email (PostgreSQL only).
trigram_index("ix_users_name_trgm", User.name)
trigram_index("ix_users_email_trgm", User.email)
