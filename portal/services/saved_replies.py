"""Saved replies: ready-made words per department or per person, filled in for one case.

A saved reply is never sent by itself: it is put into the composer, where staff read and
edit it before sending (cases.add_staff_reply does the sending).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask_babel import gettext as _
from sqlalchemy import bindparam, or_, select

from ..extensions import db
from ..i18n import in_language
from ..models import Case, Department, Role, SavedReply, User
from ..web.formatting import fulltime
from . import audit, clock, effects
from .errors import NotFound, ServiceError
from .text import clean

MAX_TITLE = 120
MAX_BODY = 5000
PLACEHOLDERS = ("customer_name", "case_reference", "next_update")
# One pass over the text: a filled-in value (a customer called "{case_reference}") is
# never read again, and nothing else in the text is interpreted.
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


# Built once per kind of reader (SQLAlchemy memoises a statement's cache key): an admin may
# use every department's, others their own departments' (a parameter).
_OWN = SavedReply.owner_id == bindparam("staff_id")
USABLE = {True: select(SavedReply).where(or_(_OWN, SavedReply.department_id.is_not(None))),
          False: select(SavedReply).where(or_(_OWN, SavedReply.department_id.in_(
              bindparam("department_ids", expanding=True))))}


def usable(staff: User) -> list[SavedReply]:
    """What this person may insert: their own, then their departments' (an admin's: all)."""
    admin = staff.role == Role.ADMIN
    values = {"staff_id": staff.id} if admin else \
        {"staff_id": staff.id, "department_ids": sorted(staff.department_ids or {-1})}
    return sorted(db.session.scalars(USABLE[admin], values), key=_order)


def manageable(staff: User) -> list[SavedReply]:
    """What this person may change: their own, and the departments' they manage."""
    return [r for r in usable(staff) if can_manage(staff, r)]


def _order(reply: SavedReply) -> tuple:
    return (reply.department.name if reply.department else "", reply.title.casefold(), reply.id)


def managed_departments(staff: User) -> list[Department]:
    """The departments whose saved replies this person looks after (admins: every one)."""
    if staff.role == Role.ADMIN:
        return list(db.session.scalars(select(Department).order_by(Department.name)))
    if staff.role == Role.MANAGER:
        return sorted(staff.departments, key=lambda d: d.name)
    return []


def can_manage(staff: User, reply: SavedReply) -> bool:
    if reply.owner_id is not None:
        return reply.owner_id == staff.id  # personal: its owner's alone, whoever else asks
    return staff.role == Role.ADMIN or (
        staff.role == Role.MANAGER and reply.department_id in staff.department_ids)


def get_for_use(staff: User, reply_id: int | None) -> SavedReply:
    """A saved reply this person may insert; NotFound for another's (no hint it exists)."""
    # Looked up among theirs, never by the posted id: a huge id must not reach the database.
    reply = next((r for r in usable(staff) if r.id == reply_id), None)
    if reply is None:
        raise NotFound(_("Choose one of your saved replies."))
    return reply


def get_for_edit(staff: User, reply_id: int) -> SavedReply:
    """A saved reply this person may change; NotFound for anything else."""
    reply = db.session.get(SavedReply, reply_id)
    if reply is None or not can_manage(staff, reply):
        raise NotFound()
    return reply


def save(staff: User, title: str, body: str, department_id: int | None,
         reply: SavedReply | None = None) -> SavedReply:
    """Create or change a saved reply: personal (no department) or a department's the person
    manages; ServiceError on the field at fault otherwise."""
    title = clean(title, "title", MAX_TITLE)
    body = clean(body, "body", MAX_BODY)
    if department_id and department_id not in {d.id for d in managed_departments(staff)}:
        raise ServiceError(_("You can only share saved replies with a department you manage."),
                           "owner")
    before = _values(reply) if reply is not None else {}
    reply = reply or SavedReply()
    reply.title, reply.body = title, body
    reply.department_id = department_id or None
    reply.owner_id = None if department_id else staff.id
    db.session.add(reply)
    db.session.flush()
    audit.record(staff, "saved_reply.saved", reply, f"Saved reply “{title}”", before,
                 _values(reply), department_id=reply.department_id)
    effects.commit()
    return reply


def delete(staff: User, reply: SavedReply) -> None:
    """Remove a saved reply; text already sent with it stays on the cases."""
    audit.record(staff, "saved_reply.deleted", reply, f"Saved reply “{reply.title}” removed",
                 _values(reply), {}, department_id=reply.department_id)
    db.session.delete(reply)
    effects.commit()


def _values(reply: SavedReply) -> dict:
    return {"title": reply.title, "body": reply.body,
            "department": reply.department.name if reply.department else None,
            "personal": reply.owner_id is not None}


def values_for(case: Case) -> dict[str, str]:
    """What each placeholder stands for on this case; the next update time in the customer's
    zone and language, labelled with the zone. Left out when the case promises none."""
    values = {"customer_name": case.customer.name, "case_reference": case.reference}
    due = clock.next_update_expected(case, clock.standard_for(case))
    if due is not None:
        with in_language(case.customer.language):
            values["next_update"] = fulltime(due, case.customer)
    return values


def fill(text: str, values: Mapping[str, str]) -> str:
    """The text with each known placeholder replaced; unknown ones stay, for staff to see."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def fill_in(reply: SavedReply, case: Case) -> str:
    """The saved reply's text filled in for this case, for staff to edit before sending."""
    return fill(reply.body, values_for(case))
