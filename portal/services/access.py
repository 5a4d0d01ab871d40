"""Who on the staff may see which case: the one rule every staff lookup goes through."""

from __future__ import annotations

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from ..extensions import db
from ..models import Case, Role, User, parse_reference
from .errors import NotFound


def visible_cases(staff: User) -> Select:
    """A query of the cases this staff member may see: admins all, others their departments.
    (The queue builds its own, once per shape, with the departments a parameter.)"""
    if staff.role == Role.ADMIN:
        return select(Case)
    return select(Case).where(Case.department_id.in_(staff.department_ids or {-1}))


# visible_cases for a statement built once per role: the departments are this parameter.
VISIBLE_DEPARTMENTS = bindparam("visible_department_ids", expanding=True)


def visible_cases_by_role(admin: bool) -> Select:
    """visible_cases with the staff member's departments left as a parameter: pass
    `visible_parameters(staff)` when executing it."""
    query = select(Case)
    return query if admin else query.where(Case.department_id.in_(VISIBLE_DEPARTMENTS))


def visible_parameters(staff: User) -> dict[str, list[int]]:
    return {VISIBLE_DEPARTMENTS.key: sorted(staff.department_ids or {-1})}


# One case for its pages: category and references joined in, other lists loaded if used.
# Only one collection is joined (two would multiply each other's rows). The options stay
# with the object, so the reload after a commit is one query too. Built once: SQLAlchemy
# memoises a statement's cache key, and every page loads a case.
CASE_FOR_PAGES = select(Case).where(Case.id == bindparam("case_id")).options(
    joinedload(Case.category), joinedload(Case.references), lazyload(Case.promises),
    lazyload(Case.feedback))
# The case's own columns, nothing related: what an access check and the live poll's
# "unchanged?" test read, at about 60 % of CASE_FOR_PAGES' cost. Loading the same case with
# CASE_FOR_PAGES afterwards (same session) fills the rest in on the same object.
CASE_ALONE = select(Case).where(Case.id == bindparam("case_id")).options(lazyload("*"))


def load_case(case_id: int | None, *, alone: bool = False) -> Case | None:
    """One case for its pages (see CASE_FOR_PAGES), or its own columns alone (CASE_ALONE)."""
    if not case_id:
        return None
    return db.session.scalars(CASE_ALONE if alone else CASE_FOR_PAGES,
                              {"case_id": case_id}).unique().first()


def can_see(staff: User, case: Case) -> bool:
    return can_see_department(staff, case.department_id)


def can_see_department(staff: User, department_id: int) -> bool:
    """Whether this staff member may open the cases of that department."""
    return staff.is_staff and (staff.role == Role.ADMIN or department_id in staff.department_ids)


def get_case_for_staff(staff: User, reference: str) -> Case:
    """The case if this staff member may see it; NotFound otherwise (no hint it exists)."""
    case = load_case(parse_reference(reference))
    if case is None or not can_see(staff, case):
        raise NotFound()
    return case
