"""Departments and categories: the admin settings that route cases."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import OPEN_STATUSES, STAFF_ROLES, Case, Category, Department, User
from ..models.users import staff_departments
from . import audit, effects
from .errors import NotFound, ServiceError
from .headers import clean_header as one_line
from .text import clean

MAX_NAME = 80
TAKEN = _l("That name is already in use. Choose another.")


def all_departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


class Named(NamedTuple):
    """A department or category as a picker lists it."""

    id: int
    name: str


class DepartmentSettings(NamedTuple):
    """A department's own columns, without building the entity (calendars, Stuck cutoffs)."""

    id: int
    name: str
    opening_hours: str
    timezone: str | None
    stuck_after_days: int


class Listed(NamedTuple):
    """Every department by name, and every category (active or not) by name."""

    departments: list[DepartmentSettings]
    categories: list[tuple[Named, int]]  # with its department's id


# Built once, as ROUTING below: SQLAlchemy memoises a statement's cache key.
EVERY_DEPARTMENT_AND_CATEGORY = (
    select(Department.id, Department.name, Department.opening_hours, Department.timezone,
           Department.stuck_after_days, Category.id, Category.name)
    .outerjoin(Category, Category.department_id == Department.id)
    .order_by(Department.name, Department.id))


def departments_and_categories() -> Listed:
    """Every department and category in one query of plain columns: the staff queue's
    change list, filters and Stuck cutoffs each read them on every load."""
    rows = db.session.execute(EVERY_DEPARTMENT_AND_CATEGORY)
    departments: dict[int, DepartmentSettings] = {}
    categories: list[tuple[Named, int]] = []
    for *dep, cat_id, cat_name in rows:
        departments.setdefault(dep[0], DepartmentSettings(*dep))
        if cat_id is not None:
            categories.append((Named(cat_id, cat_name), dep[0]))
    categories.sort(key=lambda listed: (listed[0].name, listed[0].id))
    return Listed(list(departments.values()), categories)


# Built once: SQLAlchemy memoises a statement's cache key, and the workspace asks per page.
ROUTING = (select(Department.id, Department.name, Category.id, Category.name)
           .outerjoin(Category, (Category.department_id == Department.id) & Category.active)
           .order_by(Department.name, Department.id))


def routing_choices() -> tuple[list[Named], list[Named]]:
    """Every department and every active category, each by name, from one query of plain
    columns (the workspace's pickers ask on every page: no entities to build)."""
    rows = db.session.execute(ROUTING)
    departments: dict[int, Named] = {}
    categories: list[Named] = []
    for dep_id, dep_name, cat_id, cat_name in rows:
        departments.setdefault(dep_id, Named(dep_id, dep_name))
        if cat_id is not None:
            categories.append(Named(cat_id, cat_name))
    return list(departments.values()), sorted(categories, key=lambda c: (c.name, c.id))


def departments_with_counts() -> list[tuple[Department, int, int]]:
    """Each department with its number of active staff and of open cases, by name."""
    staff = (
        select(staff_departments.c.department_id, func.count().label("n"))
        .join(User, User.id == staff_departments.c.user_id)
        .where(User.role.in_(STAFF_ROLES), User.active)
        .group_by(staff_departments.c.department_id)
        .subquery()
    )
    cases = (
        select(Case.department_id, func.count().label("n"))
        .where(Case.status.in_(OPEN_STATUSES))
        .group_by(Case.department_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Department, func.coalesce(staff.c.n, 0), func.coalesce(cases.c.n, 0))
        .outerjoin(staff, staff.c.department_id == Department.id)
        .outerjoin(cases, cases.c.department_id == Department.id)
        .order_by(Department.name)
    )
    return [(dep, int(n_staff), int(n_cases)) for dep, n_staff, n_cases in rows]


def get_department(department_id: int) -> Department:
    """The department with this id; NotFound when there is none."""
    found = db.session.get(Department, department_id)
    if found is None:
        raise NotFound()
    return found


def departments_by_ids(ids: Iterable[int]) -> list[Department]:
    """Exactly these departments; ServiceError if any id is unknown."""
    wanted = set(ids)
    found = list(db.session.scalars(select(Department).where(Department.id.in_(wanted))))
    if len(found) != len(wanted):
        raise ServiceError(_("Choose departments from the list."), "departments")
    return sorted(found, key=lambda d: d.name)


def _check_name(model: type[Department] | type[Category], name: str, own_id: int | None) -> str:
    """A cleaned name no other row uses (ignoring case); ServiceError otherwise."""
    name = one_line(clean(name, "name", MAX_NAME))
    query = select(model.id).where(func.lower(model.name) == name.lower())
    if own_id is not None:
        query = query.where(model.id != own_id)
    if db.session.scalar(query) is not None:
        raise ServiceError(TAKEN, "name")
    return name


def _commit() -> None:
    try:
        effects.commit()
    except IntegrityError as exc:
        # Someone took the name between our check and the commit: the unique index refused.
        db.session.rollback()
        raise ServiceError(TAKEN, "name") from exc


def create_department(actor: User, name: str) -> Department:
    """Add a department; ServiceError when the name is empty or taken."""
    dep = Department(name=_check_name(Department, name, None))
    db.session.add(dep)
    db.session.flush()  # the audit row points at the new id
    audit.record(actor, "department.create", dep, f"Created department {dep.name}",
                 after={"name": dep.name}, department_id=dep.id)
    _commit()
    return dep


def rename_department(actor: User, dep: Department, name: str) -> bool:
    """Rename a department; False when the name did not change."""
    name = _check_name(Department, name, dep.id)
    if name == dep.name:
        return False
    before = {"name": dep.name}
    dep.name = name
    audit.record(actor, "department.rename", dep, f"Renamed department {before['name']} to "
                 f"{name}", before=before, after={"name": name}, department_id=dep.id)
    _commit()
    return True


def all_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.name)))


def get_category(category_id: int) -> Category:
    """The category with this id; NotFound when there is none."""
    found = db.session.get(Category, category_id)
    if found is None:
        raise NotFound()
    return found


def _state(cat: Category) -> dict[str, object]:
    return {"name": cat.name, "department": cat.department.name, "active": cat.active}


def _department(department_id: int | None) -> Department:
    found = db.session.get(Department, department_id) if department_id else None
    if found is None:
        raise ServiceError(_("Choose a department from the list."), "department")
    return found


def create_category(actor: User, name: str, department_id: int | None) -> Category:
    """Add an active category routed to a department; ServiceError on a bad name or department."""
    name = _check_name(Category, name, None)
    dep = _department(department_id)
    cat = Category(name=name, department=dep, active=True)
    db.session.add(cat)
    db.session.flush()
    audit.record(actor, "category.create", cat, f"Created category {name} for {dep.name}",
                 after=_state(cat), department_id=dep.id)
    _commit()
    return cat


def update_category(actor: User, cat: Category, name: str, department_id: int | None,
                    active: bool) -> bool:
    """Rename, re-route or (de)activate a category; False when nothing changed."""
    name = _check_name(Category, name, cat.id)
    dep = _department(department_id)
    before = _state(cat)
    cat.name, cat.department, cat.active = name, dep, bool(active)
    after = _state(cat)
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return False
    audit.record(actor, _category_action(before, after), cat,
                 f"Category {before['name']}: " + "; ".join(_describe(k, after) for k in changed),
                 before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
                 department_id=dep.id)
    _commit()
    return True


def _describe(key: str, after: dict[str, object]) -> str:
    if key == "name":
        return f"renamed to {after['name']}"
    if key == "department":
        return f"moved to {after['department']}"
    return "reactivated" if after["active"] else "deactivated"


def _category_action(before: dict[str, object], after: dict[str, object]) -> str:
    if before["active"] != after["active"]:
        return "category.activate" if after["active"] else "category.deactivate"
    return "category.update"
