"""Changing many queue cases at once, each through the service one case's controls use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..models import Case, Department, Priority, Status, User, format_reference
from . import access, case_details, cases, handoffs
from .errors import ServiceError

MOST = 200  # one request changes at most this many cases: a bigger batch, narrower filters
SHOWN_SKIPS = 5  # the result message names this many skipped cases, then counts the rest
KINDS = ("assignee", "department", "status", "priority")


@dataclass(frozen=True)
class Change:
    """What to do to every chosen case: `kind` from KINDS and its value, as the form sent it."""

    kind: str
    value: str
    note: str = ""  # the handoff note (staff only) when assigning or moving
    explanation: str = ""  # what the customer is told about a status change


@dataclass
class Outcome:
    """Which cases changed and which were skipped, with the reason for each skip."""

    changed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def message(self) -> str:
        """One line for the flash: 3 cases changed; 1 skipped: you cannot act on CL-000123."""
        text = ngettext("%(num)d case changed", "%(num)d cases changed", len(self.changed))
        if not self.skipped:
            return text + "."
        shown = "; ".join(self.skipped[:SHOWN_SKIPS])
        more = len(self.skipped) - SHOWN_SKIPS
        if more > 0:
            shown += " " + ngettext("(and %(num)d more)", "(and %(num)d more)", more)
        return _("%(changed)s; %(num)d skipped: %(reasons)s", changed=text,
                 num=len(self.skipped), reasons=shown.rstrip(".") + ".")


def apply(staff: User, case_ids: Iterable[int], change: Change) -> Outcome:
    """Make the change to each case the staff member may act on; skip (and say why) the rest.

    Each case is its own transaction, audited and on its timeline like a single change.
    ServiceError before anything changed when the change itself is unusable.
    """
    target = _target(change)
    ids = list(dict.fromkeys(case_ids))
    if len(ids) > MOST:
        raise ServiceError(_("Choose at most %(num)d cases at a time.", num=MOST), "case")
    outcome = Outcome()
    for case_id in ids:
        case = access.load_case(case_id)
        if case is None or not access.can_see(staff, case):
            outcome.skipped.append(_("you cannot act on %(ref)s", ref=format_reference(case_id)))
            continue
        reference = case.reference
        try:
            _one(staff, case, change, target)
        except ServiceError as exc:
            db.session.rollback()  # nothing of a refused change may ride on the next commit
            outcome.skipped.append(f"{reference}: {exc.message.rstrip('.')}")
        else:
            outcome.changed.append(reference)
    return outcome


def _target(change: Change) -> User | Department | Status | Priority:
    """The person, department, status or priority the change names; ServiceError if none."""
    try:
        if change.kind == "status":
            return Status(change.value)
        if change.kind == "priority":
            return Priority(change.value)
        model = {"assignee": User, "department": Department}[change.kind]
        found = db.session.get(model, int(change.value))
    except (KeyError, ValueError):
        found = None
    if found is None:
        raise ServiceError(_("Choose what to change the cases to."), "to")
    return found


def _one(staff: User, case: Case, change: Change, target) -> None:
    if change.kind == "assignee":
        handoffs.hand_off(case, staff, case.department, target, change.note)
    elif change.kind == "department":
        if target.id == case.department_id:
            raise ServiceError(_("already with %(department)s", department=target.name))
        handoffs.hand_off(case, staff, target, None, change.note)
    elif change.kind == "status":
        cases.change_status(case, staff, target, change.explanation)
    else:
        if case.category is None:
            raise ServiceError(_("give the case a category first"))
        case_details.change_details(case, staff, target, case.category)
