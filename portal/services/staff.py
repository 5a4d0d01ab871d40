"""Staff accounts: invite, change role and departments, deactivate, and refused attempts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import STAFF_ROLES, Department, Role, User
from ..models.users import staff_departments
from ..web.lazy_text import lazy_gettext as _l
from ..web.urls import external_url
from . import accounts, audit, effects
from .catalog import departments_by_ids
from .errors import NotFound, ServiceError, one_of
from .headers import clean_header as one_line
from .text import clean

MAX_NAME = 120
RANK = {Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}
INVITE_SUBJECT = _l("You have been invited to Caseloop")


def staff_members() -> list[User]:
    """Every staff account, active ones first, by name; customers never."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(STAFF_ROLES))
        .options(selectinload(User.departments))
        .order_by(User.active.desc(), User.name, User.id)))


@dataclass(frozen=True)
class Member:
    """A colleague as the pickers show them: who, and which departments they work in."""

    id: int
    name: str
    role: Role
    departments: tuple[tuple[int, str], ...]  # (id, name), by name

    is_staff = True

    @property
    def department_ids(self) -> set[int]:  # what access.can_see asks of a staff member
        return {d for d, _ in self.departments}


_MEMBERS = select(User.id, User.name, User.role, Department.id, Department.name) \
    .outerjoin(staff_departments, staff_departments.c.user_id == User.id) \
    .outerjoin(Department, Department.id == staff_departments.c.department_id) \
    .where(User.role.in_(STAFF_ROLES), User.active) \
    .order_by(User.name, User.id, Department.name)
# Both built once (SQLAlchemy memoises a statement's cache key): the workspace asks per page.
MEMBERS = {False: _MEMBERS, True: _MEMBERS.where(or_(User.role == Role.ADMIN, User.id.in_(
    select(staff_departments.c.user_id)
    .where(staff_departments.c.department_id == bindparam("seeing")))))}


def active_members(seeing: int | None = None) -> list[Member]:
    """Active staff by name, with their departments, in one query of plain columns (a case
    page lists every colleague twice: building full accounts for them cost more than the
    rest of the page). `seeing`: only those who may open that department's cases (its
    members and the admins, as `access.can_see_department`), each with all departments."""
    rows = db.session.execute(MEMBERS[seeing is not None],
                              {} if seeing is None else {"seeing": seeing})
    grouped: dict[int, tuple[str, Role, list[tuple[int, str]]]] = {}
    for user_id, name, role, dep_id, dep_name in rows:  # one row per department (or none)
        departments = grouped.setdefault(user_id, (name, role, []))[2]
        if dep_id is not None:
            departments.append((dep_id, dep_name))
    return [Member(i, name, role, tuple(deps)) for i, (name, role, deps) in grouped.items()]


def get_staff(user_id: int) -> User:
    """The staff account with this id; NotFound for customers and unknown ids."""
    user = db.session.get(User, user_id)
    if user is None or not user.is_staff:
        raise NotFound()
    return user


def _role(value: str | Role) -> Role:
    return one_of(Role, value, STAFF_ROLES, _("Choose agent, manager or admin."), "role")


def _state(user: User) -> dict[str, object]:
    return {"role": user.role, "departments": sorted(d.name for d in user.departments),
            "active": user.active}


def invite(actor: User, name: str, email: str, role: str | Role,
           department_ids: Iterable[int]) -> User:
    """Create a staff account without a password and email a set-your-password link."""
    name = one_line(clean(name, "name", MAX_NAME))
    address = accounts.normalise_email(email)
    role = _role(role)
    departments = departments_by_ids(department_ids)
    if accounts.find_user(address) is not None:
        raise ServiceError(_("An account with that email already exists."), "email")
    user = User(email=address, name=name, role=role, departments=departments)
    db.session.add(user)
    try:
        db.session.flush()  # the link and the audit row need the new id
    except IntegrityError as exc:
        # Someone created this address between our check and now: the unique index refused.
        db.session.rollback()
        raise ServiceError(_("An account with that email already exists."), "email") from exc
    _send_invite(user)
    audit.record(actor, "staff.invite", user, f"Invited {name} <{address}> as {role.value}",
                 after=_state(user) | {"email": address})
    effects.commit()
    return user


def _send_invite(user: User) -> None:
    # A reset link is exactly "choose your password, once, soon": the same kind of token,
    # worded as an invitation and pointing at the staff sign-in page.
    accounts.issue_password_link(
        user, "staff_invite", INVITE_SUBJECT, sign_in_url=external_url("admin.login"),
        new_link_url=external_url("customer.reset_request"))


def update(actor: User, member: User, role: str | Role, department_ids: Iterable[int]) -> bool:
    """Change role and departments; refuses an admin lowering their own role; False if same."""
    role = _role(role)
    departments = departments_by_ids(department_ids)
    if member.id == actor.id and RANK[role] < RANK[member.role]:
        raise ServiceError(_("You cannot lower your own role: ask another admin."), "role")
    before = _state(member)
    member.role, member.departments = role, departments
    after = _state(member)
    changed = [key for key in after if after[key] != before[key]]
    if not changed:
        return False
    audit.record(actor, "staff.update", member, f"Changed {member.name}: " + ", ".join(
        f"{key} {_text(before[key])} → {_text(after[key])}" for key in changed),
        before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    effects.commit()
    return True


def _text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(value) or "none"
    return str(getattr(value, "value", value))


def set_active(actor: User, member: User, active: bool) -> bool:
    """Deactivate (ending every session at once) or reactivate; nobody deactivates themselves."""
    if member.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account: ask another admin."))
    if member.active == active:
        return False
    member.active = active
    if not active:
        member.session_version += 1  # their open sessions and remember cookies stop now
    verb = "Reactivated" if active else "Deactivated"
    audit.record(actor, "staff.reactivate" if active else "staff.deactivate", member,
                 f"{verb} {member.name} <{member.email}>", before={"active": not active},
                 after={"active": active})
    effects.commit()
    return True


def record_denied(actor: User, method: str, path: str, fields: Iterable[str]) -> None:
    """Audit a staff member trying a settings change their role does not allow."""
    audit.record(actor, "denied", actor,
                 f"{actor.name} ({actor.role.value}) was refused {method} {path}"[:300],
                 after={"fields": sorted({f[:60] for f in fields} - {"csrf_token"})[:20]})
    effects.commit()
