"""Inbound mail: store raw first, then put the customer's words on the right case, or in triage.

The From header alone proves nothing (anyone can write it). Mail joins an existing case only
by a valid reply link from that case's customer; without one it opens a new case only when our
own MTA vouched for the sender (DMARC or aligned DKIM, see authresults.py); the rest waits in
triage for a person.
"""

from __future__ import annotations

import logging

from flask import current_app
from itsdangerous import BadSignature
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, Category, Channel, Role, User
from ..models.mail import (
    AUTOMATIC,
    DUPLICATE,
    FROM_ONLY,
    PROCESSED,
    REPLY_LINK,
    TRIAGE,
    VOUCHED,
    InboundMail,
)
from ..services import accounts, cases, customer_access
from ..services.errors import ServiceError
from ..services.mail_addresses import read_reply_address
from ..services.mail_posting import event_data, mail_body, mail_title, post_to_case
from ..services.mail_posting import finish as _finish
from .authresults import vouched_by
from .classify import automatic_reason, may_answer
from .parse import ParsedMail, Unreadable, headers_only, parse

log = logging.getLogger(__name__)


def ingest(raw: bytes) -> InboundMail:
    """Keep the raw message, then process it; whatever happens it ends somewhere staff can see."""
    mail = InboundMail(raw=raw)
    db.session.add(mail)
    db.session.commit()  # stored before parsing: a crash below loses nothing
    try:
        _process(mail, raw)
    except Exception as exc:  # unknown trouble must not lose the message: it waits in triage
        db.session.rollback()
        log.exception("inbound mail %s could not be processed", mail.id)
        _finish(mail, TRIAGE, f"Could not be processed ({type(exc).__name__}).")
    return mail


def _process(mail: InboundMail, raw: bytes) -> None:
    limit = current_app.config["MAIL_MAX_BYTES"]
    if len(raw) > limit:
        mail.sender, mail.subject = headers_only(raw)  # so staff can tell who sent it
        return _finish(mail, TRIAGE, f"Too large to process ({len(raw):,} bytes; the limit "
                                     f"is {limit:,}). The raw message is kept.")
    try:
        parsed = parse(raw)
    except Unreadable as exc:
        return _finish(mail, TRIAGE, str(exc))
    if _is_duplicate(mail, parsed, raw):
        return None
    mail.sender, mail.subject, mail.text = parsed.sender, parsed.subject, parsed.text
    _verify_sender(mail, parsed)
    if accounts.revoke_links_in(parsed.text):
        db.session.commit()  # before anything below can roll back: the text is kept anyway
    reason = automatic_reason(parsed.message, parsed.sender)
    if reason:
        return _finish(mail, AUTOMATIC, f"{reason}: kept, never answered.")
    return _route(mail, parsed)


def _body_of(raw: bytes) -> bytes:
    """Everything after the headers: relays add Received lines, the content stays the same."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        if separator in raw:
            return raw.split(separator, 1)[1]
    return raw


def _is_duplicate(mail: InboundMail, parsed: ParsedMail, raw: bytes) -> bool:
    """Claim the Message-ID; a second copy is recorded as such and processed no further."""
    if not parsed.message_id:
        return False
    query = select(InboundMail).where(InboundMail.message_id == parsed.message_id)
    original = db.session.scalar(query)
    if original is None:
        mail.message_id = parsed.message_id
        try:
            db.session.commit()
            return False
        except IntegrityError:  # the same message arriving twice at once
            db.session.rollback()
            original = db.session.scalar(query)
    mail.sender, mail.subject = parsed.sender, parsed.subject
    if original is None or _body_of(original.raw) != _body_of(raw):
        # Same ID, other words: an error or a trick; a person decides.
        _finish(mail, TRIAGE, f"Same Message-ID as inbound #{original.id if original else '?'} "
                              "but different content.")
    else:
        mail.raw = b""  # the first copy keeps the raw message: stored once
        _finish(mail, DUPLICATE, f"Same message as inbound #{original.id}; processed once.")
    return True


def _verify_sender(mail: InboundMail, parsed: ParsedMail) -> None:
    """Note whether our own MTA vouched for the From address; a reply link may prove more later."""
    trusted = current_app.config.get("MAIL_TRUST_AUTHENTICATION_RESULTS", "")
    vouched = vouched_by(parsed.message, parsed.sender, trusted)
    mail.verified_by, mail.verified_detail = vouched or (FROM_ONLY, "")


def _route(mail: InboundMail, parsed: ParsedMail) -> None:
    """A reply (signed token in the address) goes to its case; new mail opens a new case when
    its sender is vouched for, else it waits in triage. A subject never picks the case."""
    try:
        token = next((t for t in map(read_reply_address, parsed.recipients) if t), None)
    except BadSignature:
        return _finish(mail, TRIAGE, "Reply address with an invalid token.")
    if token is not None:
        return _reply(mail, parsed, *token)
    customer = accounts.find_user(parsed.sender)
    problem = _customer_problem(customer)
    if problem:
        return _finish(mail, TRIAGE, problem)
    if mail.verified_by not in VOUCHED:
        return _finish(mail, TRIAGE, "No reply link, and nothing vouches for the From address "
                                     "(anyone can write it): add it to the customer's case "
                                     "if it is really from them.")
    return _open_case(mail, parsed, customer)  # type: ignore[arg-type]


def _customer_problem(customer: User | None) -> str | None:
    if customer is None:
        return "Unknown sender: no customer account has this address."
    if customer.role != Role.CUSTOMER:
        return "Sent from a staff address: staff answer in Caseloop."
    if not customer.active:
        return "The customer's account is deactivated."
    return None


def _reply(mail: InboundMail, parsed: ParsedMail, case_id: int, customer_id: int) -> None:
    case = db.session.get(Case, case_id)
    customer = db.session.get(User, customer_id)
    # The requester, or a colleague on the case: each replies under their own name.
    if case is None or customer is None or not customer_access.may_reply(customer, case):
        return _finish(mail, TRIAGE, "The reply token names a case that does not match.")
    sender = accounts.find_user(parsed.sender)
    if sender is None or sender.id != customer.id:
        return _finish(mail, TRIAGE, f"Sender {parsed.sender} is not the customer of "
                                     f"{case.reference}, although the reply token is valid.")
    problem = _customer_problem(customer)
    if problem:
        return _finish(mail, TRIAGE, problem)
    mail.verified_by, mail.verified_detail = REPLY_LINK, ""
    return post_to_case(mail, parsed, case, customer, f"Reply to {case.reference}.")


def _open_case(mail: InboundMail, parsed: ParsedMail, customer: User) -> None:
    """A new case, even if the subject names or resembles an open one: only a reply link
    from the customer joins a case, so a forged sender cannot speak on an existing case."""
    title = mail_title(parsed.subject)
    category = default_category()
    if category is None:
        return _finish(mail, TRIAGE, "No active category to open a case in.")
    body, files = mail_body(parsed)
    if not body:
        return _finish(mail, TRIAGE, "The message has no text and no usable attachment.")
    mail.status, mail.reason = PROCESSED, "Opened a new case."
    try:
        case = cases.open_case(customer, title[: cases.MAX_TITLE], body, category,
                               channel=Channel.EMAIL, files=files, event_data=event_data(mail),
                               acknowledge=may_answer(parsed.message, parsed.sender))
    except ServiceError as exc:
        db.session.rollback()
        return _finish(mail, TRIAGE, f"Could not open a case: {exc.message}")
    return _finish(mail, PROCESSED, f"Opened {case.reference}.", case)


def default_category() -> Category | None:
    """MAIL_DEFAULT_CATEGORY by name if it is active, else the first active category."""
    name = current_app.config.get("MAIL_DEFAULT_CATEGORY")
    query = select(Category).where(Category.active).order_by(Category.id).limit(1)
    if name:
        named = db.session.scalar(query.where(Category.name == name))
        if named is not None:
            return named
    return db.session.scalar(query)
