"""Colleagues on a case (CC): added by the requester or staff, removed by them, audited."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import joinedload

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..models import Case, CaseParticipant, EventKind, Role, User, Visibility
from ..web.urls import site_path
from . import accounts, audit, effects, timeline
from .customer_access import is_requester
from .errors import NotFound, ServiceError

MAX_PARTICIPANTS = 20


# Built once (SQLAlchemy memoises a statement's cache key): both case pages ask per load.
OF_CASE = select(CaseParticipant).where(CaseParticipant.case_id == bindparam("case_id")) \
    .options(joinedload(CaseParticipant.user)).order_by(CaseParticipant.id)


def of_case(case: Case) -> list[CaseParticipant]:
    """The colleagues on a case, in the order they were added."""
    return list(db.session.scalars(OF_CASE, {"case_id": case.id}))


# What the case page shows of each colleague, as plain rows: built once (see _SHARING_OF in
# organisations.py), read on every case page.
_SHOWN = (select(CaseParticipant.id, CaseParticipant.user_id, User.name)
          .join(User, User.id == CaseParticipant.user_id)
          .where(CaseParticipant.case_id == bindparam("case_id")).order_by(CaseParticipant.id))


def shown_on(case: Case) -> list[Row]:
    """The colleagues on a case as (id, user_id, name) rows, in the order they were added:
    all the people panel shows of them, without loading each one's account."""
    return list(db.session.execute(_SHOWN, {"case_id": case.id}))


def may_manage(actor: User, case: Case) -> bool:
    """The requester and staff (who may see the case: the caller checked) add and remove."""
    return actor.is_staff or is_requester(actor, case)


def add(case: Case, actor: User, email: str, name: str = "") -> CaseParticipant:
    """Put a colleague on the case by address; a new address becomes a customer account,
    invited by a sign-in link to the case. ServiceError (field `email`) when refused."""
    if not may_manage(actor, case):
        raise NotFound()
    address = accounts.normalise_email(email)
    user = accounts.find_user(address)
    if user is not None and user.is_staff:
        raise ServiceError(_("That address belongs to our staff: they see cases in the "
                             "staff workspace."), "email")
    if user is not None and user.id == case.customer_id:
        raise ServiceError(_("That is the person who opened the case."), "email")
    if len(of_case(case)) >= MAX_PARTICIPANTS:
        raise ServiceError(_("A case can have at most %(count)s colleagues on it.",
                             count=MAX_PARTICIPANTS), "email")
    new = user is None
    if new:
        user = User(email=address, name=accounts.person_name(name, address), role=Role.CUSTOMER)
        db.session.add(user)
        db.session.flush()
    elif db.session.scalar(select(CaseParticipant).where(
            CaseParticipant.case_id == case.id, CaseParticipant.user_id == user.id)):
        raise ServiceError(_("%(email)s is already on this case.", email=address), "email")
    participant = CaseParticipant(case_id=case.id, user=user, added_by_id=actor.id)
    db.session.add(participant)
    db.session.flush()
    accounts.invite(user, site_path("customer.case_detail", reference=case.reference),
                    "participant_added",
                    _l("[%(reference)s] You were added to: %(title)s",
                       reference=case.reference, title=case.title),
                    case=case, added_by=actor.name)
    audit.record(actor, "case.participant_added", case,
                 f"{address} added to {case.reference}" + (" (new account)" if new else ""),
                 after={"participant": address}, department_id=case.department_id)
    _on_timeline(case, actor, user, "added")
    effects.commit()
    return participant


def remove(case: Case, actor: User, participant_id: int) -> None:
    """Take a colleague off the case; NotFound if they are not on it or the actor may not."""
    participant = db.session.get(CaseParticipant, participant_id)
    if participant is None or participant.case_id != case.id or not may_manage(actor, case):
        raise NotFound()
    address = participant.user.email
    _on_timeline(case, actor, participant.user, "removed")
    db.session.delete(participant)
    audit.record(actor, "case.participant_removed", case,
                 f"{address} removed from {case.reference}",
                 before={"participant": address}, department_id=case.department_id)
    effects.commit()


def _on_timeline(case: Case, actor: User, colleague: User, action: str) -> None:
    """A public event saying who added or removed whom; its live update reaches everyone who
    still sees the case. No author: a staff author would count as an update to the customer
    and reset the update clock, which a new CC is not."""
    timeline.record(case, EventKind.DETAILS_CHANGED, None, visibility=Visibility.PUBLIC,
                    participant={"action": action, "name": colleague.name,
                                 "by": actor.name, "by_id": actor.id,
                                 "by_staff": actor.is_staff})
