"""What staff do with mail the channel could not place: look, attach to a case, dismiss."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import User
from ..models.mail import AUTOMATIC, DISMISSED, TRIAGE, InboundMail
from ..services import access, audit
from ..services.errors import NotFound, ServiceError
from . import inbound
from .parse import Unreadable, parse

WAITING = (TRIAGE, AUTOMATIC)
PAGE = 100


def waiting(status: str | None = None) -> list[InboundMail]:
    """Mail in triage or recognised as automatic, newest first."""
    statuses = (status,) if status else WAITING
    return list(db.session.scalars(
        select(InboundMail).where(InboundMail.status.in_(statuses))
        .order_by(InboundMail.received_at.desc(), InboundMail.id.desc()).limit(PAGE)
    ))


def get_mail(mail_id: int, staff: User) -> InboundMail:
    """One inbound message; NotFound when there is none or it sits on a case they cannot see."""
    mail = db.session.get(InboundMail, mail_id)
    if mail is None or (mail.case is not None and not access.can_see(staff, mail.case)):
        raise NotFound()
    return mail


def attach(mail: InboundMail, staff: User, reference: str) -> None:
    """Add the mail to a case the staff member can see, as that case's customer's message."""
    if mail.status not in WAITING:
        raise ServiceError("This message has already been dealt with.")
    try:
        case = access.get_case_for_staff(staff, reference)
    except NotFound as exc:
        raise ServiceError("No case with that reference that you can see.", "reference") from exc
    try:
        parsed = parse(mail.raw)
    except Unreadable as exc:
        raise ServiceError(f"This message cannot be read: {exc}") from exc
    inbound.post_to_case(mail, parsed, case, case.customer,
                         f"Attached to {case.reference} by {staff.name}.")
    if mail.status == TRIAGE:  # post_to_case refused it and said why
        raise ServiceError(mail.reason)
    mail.handled_by_id = staff.id
    audit.record(staff, "mail_attached", mail, f"Inbound mail #{mail.id} from {mail.sender} "
                 f"attached to {case.reference}", department_id=case.department_id)
    db.session.commit()


def dismiss(mail: InboundMail, staff: User) -> None:
    """Nothing to do with this mail: it leaves the list, and the raw copy stays."""
    if mail.status not in WAITING:
        raise ServiceError("This message has already been dealt with.")
    mail.status, mail.reason = DISMISSED, f"Dismissed by {staff.name}."
    mail.handled_by_id = staff.id
    audit.record(staff, "mail_dismissed", mail, f"Inbound mail #{mail.id} from {mail.sender} "
                 "dismissed")
    db.session.commit()
