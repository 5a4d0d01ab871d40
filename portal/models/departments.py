"""Departments, their working hours, and the categories customers choose from."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..business_calendar import OFFICE_WEEK_TEXT
from ..extensions import db


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Seven days, Monday first, as business_calendar.format_week writes them.
    opening_hours: Mapped[str] = mapped_column(String(120), default=OFFICE_WEEK_TEXT,
                                               server_default=OFFICE_WEEK_TEXT)
    # An IANA zone; None follows the site's DEFAULT_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A case with no customer-visible update for this many business days is "stuck".
    stuck_after_days: Mapped[int] = mapped_column(default=3, server_default="3")

    closures: Mapped[list[Closure]] = relationship(
        back_populates="department", order_by="Closure.day", cascade="all, delete-orphan",
        lazy="select")

    def __repr__(self) -> str:
        return f"<Department {self.name}>"


class Closure(db.Model):
    """A dated day the department does not work (a public holiday, a training day)."""

    __tablename__ = "department_closures"
    __table_args__ = (UniqueConstraint("department_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"),
                                               index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(80))

    department: Mapped[Department] = relationship(back_populates="closures")


class Category(db.Model):
    """What a case is about; it routes new cases to a department."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship(lazy="joined")
