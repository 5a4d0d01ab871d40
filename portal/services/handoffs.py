"""Assigning a case and handing it to another department, with the story attached."""

from __future__ import annotations

from collections.abc import Collection

from flask_babel import gettext as _

from ..models import Case, Channel, Department, EventKind, Promise, Role, User, Visibility
from . import access, audit, effects, promises, timeline
from .errors import ServiceError
from .text import clean

MAX_NOTE = 5000


def default_customer_line(department: Department, assignee: User | None) -> str:
    """What the customer reads by default when their case changes hands."""
    who = f"{department.name} ({assignee.name})" if assignee else department.name
    return f"Your case is now with {who}, who have the whole story so far."


def can_assign_others(actor: User) -> bool:
    return actor.role in (Role.MANAGER, Role.ADMIN)


def _check_assignee(actor: User, assignee: User | None, department: Department) -> None:
    if assignee is None:
        return
    if not (assignee.is_staff and assignee.active):
        raise ServiceError(_("Choose an active staff member."), "assignee")
    if assignee.role != Role.ADMIN and department.id not in assignee.department_ids:
        raise ServiceError(_("%(name)s does not work in %(department)s.", name=assignee.name,
                             department=department.name), "assignee")
    if assignee.id != actor.id and not can_assign_others(actor):
        raise ServiceError(_("Only managers assign cases to other people."), "assignee")


def hand_off(
    case: Case,
    actor: User,
    department: Department,
    assignee: User | None,
    note: str,
    customer_line: str = "",
    keep: Collection[int] = (),
) -> None:
    """Move the case to a department and/or person; the note is required and goes first.

    Its open promises go with it to the receiver (the person, else the department's queue),
    except those whose ids are in `keep`; keeping one for someone who could no longer open
    the case aborts, like every other mistake, before anything changes.
    """
    note = clean(note, "note", MAX_NOTE)
    if department.id == case.department_id and assignee is not None and \
            assignee.id == case.assignee_id:
        raise ServiceError(_("The case is already with that person."), "assignee")
    if department.id == case.department_id and assignee is None and case.assignee_id is None:
        raise ServiceError(_("Choose another department or a person."), "department")
    _check_assignee(actor, assignee, department)
    passing = _promises_to_pass(case, department, assignee, keep)
    before = {"department": case.department.name,
              "assignee": case.assignee.name if case.assignee else None}
    moved = department.id != case.department_id
    case.department_id, case.assignee = department.id, assignee
    after = {"department": department.name, "assignee": assignee.name if assignee else None}
    timeline.record(case, EventKind.ASSIGNMENT, actor, note, channel=Channel.WEB,
                    visibility=Visibility.INTERNAL, handoff=True, before=before, after=after)
    for promise in passing:
        promises.pass_on(promise, actor, assignee, department)
    if moved or assignee is not None:
        line = clean(customer_line, "customer_line", 500, required=False)
        # The default line is ours: pages word it afresh from `to` in the reader's language.
        default = {} if line else {"to": after}
        timeline.record(case, EventKind.ASSIGNMENT, actor, "", channel=Channel.SYSTEM,
                        summary=line or default_customer_line(department, assignee), **default)
    audit.record(actor, "case.handoff", case, f"{case.reference} handed to "
                 f"{after['department']}" + (f" ({after['assignee']})" if assignee else ""),
                 before, after, department_id=department.id)
    effects.commit()


def _promises_to_pass(case: Case, department: Department, assignee: User | None,
                      keep: Collection[int]) -> list[Promise]:
    """The open promises that change owner; aborts if one kept would be out of its owner's
    reach in the new department (its list would link to a case they cannot open)."""
    passing = []
    for promise in promises.open_on(case):
        if promise.id not in keep:
            if not _owned_by(promise, department, assignee):
                passing.append(promise)
        elif not _still_reachable(promise, department):
            raise ServiceError(_("%(name)s could no longer open this case: pass this promise "
                                 "on.", name=promise.owner_name), f"promise_{promise.id}")
    return passing


def _owned_by(promise: Promise, department: Department, assignee: User | None) -> bool:
    if assignee is not None:
        return promise.owner_id == assignee.id
    return promise.owner_id is None and promise.owner_department_id == department.id


def _still_reachable(promise: Promise, department: Department) -> bool:
    if promise.owner is None:
        return promise.owner_department_id == department.id
    return access.can_see_department(promise.owner, department.id)


def take(case: Case, actor: User) -> None:
    """Assign the case to oneself (no note needed: nothing changes hands between teams)."""
    if case.assignee_id == actor.id:
        raise ServiceError(_("You already have this case."), "assignee")
    before = {"assignee": case.assignee.name if case.assignee else None}
    case.assignee = actor
    timeline.record(case, EventKind.ASSIGNMENT, actor, "", visibility=Visibility.INTERNAL,
                    before=before, after={"assignee": actor.name})
    audit.record(actor, "case.take", case, f"{actor.name} took {case.reference}", before,
                 {"assignee": actor.name}, department_id=case.department_id)
    effects.commit()
