"""Performance standards per category × priority, set by admins."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Category, Priority, Standard, User
from . import audit, effects
from .errors import NotFound, ServiceError

LIMIT_MINUTES = 60 * 24 * 365


def all_standards() -> list[Standard]:
    rows = db.session.scalars(select(Standard))
    return sorted(rows, key=lambda s: (s.category.name if s.category else "", s.priority or ""))


def save(actor: User, category: Category | None, priority: Priority | None, first: int,
         update: int, resolution: int, standard_id: int | None = None) -> Standard:
    """Create or change a standard; one per category × priority pair."""
    for name, value in (("first_response_minutes", first), ("update_minutes", update),
                        ("resolution_minutes", resolution)):
        if not 1 <= value <= LIMIT_MINUTES:
            raise ServiceError(_("Use between 1 minute and a year."), name)
    if first > resolution:
        raise ServiceError(_("The first response cannot be due after the resolution."),
                           "first_response_minutes")
    std = db.session.get(Standard, standard_id) if standard_id else Standard()
    if std is None:
        raise NotFound()
    clash = db.session.scalar(select(Standard).where(
        Standard.category_id == (category.id if category else None),
        Standard.priority == (priority.value if priority else None)))
    if clash is not None and clash.id != std.id:
        raise ServiceError(_("A standard for that category and priority exists: edit it."),
                           "category")
    before = _values(std) if standard_id else {}
    std.category = category
    std.priority = priority.value if priority else None
    std.first_response_minutes, std.update_minutes, std.resolution_minutes = \
        first, update, resolution
    db.session.add(std)
    db.session.flush()
    audit.record(actor, "standard.saved", std, f"Standard for {describe(std)}", before,
                 _values(std))
    effects.commit()
    return std


def delete(actor: User, standard_id: int) -> None:
    std = db.session.get(Standard, standard_id)
    if std is None:
        raise NotFound()
    audit.record(actor, "standard.deleted", std, f"Standard for {describe(std)} removed",
                 _values(std), {})
    db.session.delete(std)
    effects.commit()


def describe(std: Standard) -> str:
    cat = std.category.name if std.category else "any category"
    return f"{cat}, {std.priority or 'any'} priority"


def _values(std: Standard) -> dict:
    return {"category": std.category.name if std.category else None, "priority": std.priority,
            "first_response_minutes": std.first_response_minutes,
            "update_minutes": std.update_minutes, "resolution_minutes": std.resolution_minutes}
