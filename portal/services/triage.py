"""What staff do with mail the channel could not place: look, attach to a case, dismiss."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

from sqlalchemy import select

from ..extensions import db
from ..mail.classify import may_answer
from ..mail.parse import ParsedMail, Unreadable, parse
from ..models import Case, Channel, CustomerFact, User
from ..models.mail import AUTOMATIC, DISMISSED, PROCESSED, TRIAGE, InboundMail
from . import access, accounts, audit, cases, effects, intake, mail_posting
from .errors import NotFound, ServiceError

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
    mail_posting.post_to_case(mail, parsed, case, case.customer,
                         f"Attached to {case.reference} by {staff.name}.")
    if mail.status == TRIAGE:  # post_to_case refused it and said why
        raise ServiceError(mail.reason)
    mail.handled_by_id = staff.id
    audit.record(staff, "mail_attached", mail, f"Inbound mail #{mail.id} from {mail.sender} "
                 f"attached to {case.reference}", department_id=case.department_id)
    effects.commit()


def _readable(mail: InboundMail) -> ParsedMail:
    if mail.status not in WAITING:
        raise ServiceError("This message has already been dealt with.")
    try:
        return parse(mail.raw)
    except Unreadable as exc:
        raise ServiceError(f"This message cannot be read: {exc}") from exc


def suggested(mail: InboundMail) -> dict[str, str]:
    """The new customer and case as the mail names them: From's name and address, the subject
    (from the headers alone: a page view never parses a whole large message)."""
    head = BytesParser(policy=policy.default).parsebytes(mail.raw or b"", headersonly=True)
    try:
        name = accounts.person_name(parseaddr(str(head.get("From", "")))[0], "")
    except (ServiceError, ValueError, TypeError):
        name = ""
    return {"name": name, "email": mail.sender, "title": mail_posting.mail_title(mail.subject)}


def open_case(mail: InboundMail, staff: User, who: User | intake.NewCustomer,
              category_id: int, title: str) -> Case:
    """One step: the sender becomes a new customer, or another address of one found, and the
    mail opens their case; a person-written mail is acknowledged, automatic mail never."""
    try:
        return _open_case(mail, staff, who, category_id, title)
    except ServiceError:
        db.session.rollback()  # undo a customer or address taken on before the refusal
        raise


def _open_case(mail: InboundMail, staff: User, who: User | intake.NewCustomer,
               category_id: int, title: str) -> Case:
    parsed = _readable(mail)
    category = intake.category_for(staff, category_id)
    body, files = mail_posting.mail_body(parsed)
    if not body:
        raise ServiceError("The message has no text and no usable attachment.")
    cases.check_opening(title, body)
    customer = intake.take_on(staff, who) if isinstance(who, intake.NewCustomer) else who
    if customer is who:
        _add_address(customer, staff, parsed.sender)
    mail.status, mail.handled_by_id = PROCESSED, staff.id
    mail.reason = f"Opened a case for {customer.name}, by {staff.name}."
    case = cases.open_case(customer, title, body, category, channel=Channel.EMAIL, files=files,
                           event_data=mail_posting.event_data(mail),
                           acknowledge=may_answer(parsed.message, parsed.sender))
    mail.case_id = case.id
    audit.record(staff, "mail_opened_case", mail, f"Inbound mail #{mail.id} from {mail.sender} "
                 f"opened {case.reference} for {customer.name}",
                 department_id=case.department_id)
    effects.commit()
    return case


def _add_address(customer: User, staff: User, address: str) -> None:
    """Remember the sender's address on the customer: as their email if they had none, else
    as another address every department sees (their sign-in address stays theirs)."""
    if address == customer.email:
        return
    taken = accounts.find_user(address)
    if taken is not None and taken.id != customer.id:
        raise ServiceError("Another account has this sender's address.", "who")
    if not customer.email:
        customer.email = address
    else:
        db.session.add(CustomerFact(customer_id=customer.id, kind="other_email", value=address,
                                    recorded_by_id=staff.id))
    audit.record(staff, "customer.email", customer, f"{customer.name}: address {address} "
                 "added from an email")


def dismiss(mail: InboundMail, staff: User) -> None:
    """Nothing to do with this mail: it leaves the list, and the raw copy stays."""
    if mail.status not in WAITING:
        raise ServiceError("This message has already been dealt with.")
    mail.status, mail.reason = DISMISSED, f"Dismissed by {staff.name}."
    mail.handled_by_id = staff.id
    audit.record(staff, "mail_dismissed", mail, f"Inbound mail #{mail.id} from {mail.sender} "
                 "dismissed")
    effects.commit()
