"""Who manages a department: whom escalations, unhappy feedback and follow-ups go to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Case, Role, User


def managers_of(case: Case) -> list[User]:
    """The case's department's managers; admins when it has none, so nothing falls through."""
    rows = list(db.session.scalars(select(User).where(
        User.role.in_((Role.MANAGER, Role.ADMIN)), User.active)
        .options(selectinload(User.departments))))
    managers = [u for u in rows if u.role == Role.MANAGER and
                case.department_id in u.department_ids]
    return managers or [u for u in rows if u.role == Role.ADMIN]
