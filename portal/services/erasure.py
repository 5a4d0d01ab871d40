"""Deleting a customer's account: erasure by anonymisation, after a grace period.

The customer confirms by typing their email address (staff, on the customer's request,
type it too); the erasure waits ERASURE_GRACE_DAYS, during which the customer can sign in
and keep their account (or staff cancel it). Then the minute job (`minute_job.tick` →
`run_due`) anonymises the account: the cases, their statuses, times, statistics, staff
replies and internal notes stay; the name, email address, facts, files and everything
the customer wrote go, their sessions end and the account cannot be used again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update

from portal.web.lazy_text import lazy_gettext as _l

from ..extensions import db
from ..i18n import in_language
from ..models import (
    Attachment,
    AuditEntry,
    AuthToken,
    Case,
    CaseEvent,
    CaseNotificationChoice,
    CaseParticipant,
    CustomerEscalation,
    CustomerFact,
    DataRequest,
    DigestItem,
    Feedback,
    OrganisationMember,
    OutboxMessage,
    ProblemFollower,
    RecoveryCode,
    ReplyReaction,
    TwoFactor,
    User,
    Visibility,
    utcnow,
)
from ..models.api import ApiCustomerLink
from ..models.data_requests import CANCELLED, DONE, ERASURE, EXPORT, PENDING, WORKING
from ..models.mail import InboundMail
from ..web.formatting import fulltime
from ..web.urls import external_url
from . import attachments, audit, data_export, data_requests, effects, leased_jobs, outbox
from .errors import NotFound, ServiceError

log = logging.getLogger(__name__)
REMOVED = "[removed at the customer's request]"
FORMER = "Former customer"
LEASE_SECONDS = 600


def confirmation_matches(customer: User, typed: str) -> bool:
    expected = customer.email or customer.name
    return bool(typed) and typed.strip().casefold() == expected.strip().casefold()


def pending(customer: User) -> DataRequest | None:
    """The erasure waiting out its grace period, if any."""
    return db.session.scalar(select(DataRequest).where(
        DataRequest.kind == ERASURE, DataRequest.customer_id == customer.id,
        DataRequest.status.in_((PENDING, WORKING))))


def request_erasure(customer: User, actor: User, typed: str,
                    now: datetime | None = None) -> DataRequest:
    """Schedule the erasure after the grace period; the typed confirmation must match."""
    if customer.is_staff:
        raise NotFound()
    if not confirmation_matches(customer, typed):
        field = _l("your email address") if actor.id == customer.id else \
            _l("the customer's email address")
        raise ServiceError(_l("Type %(what)s exactly as shown to confirm.", what=field),
                           "confirm")
    waiting = pending(customer)
    if waiting is not None:
        return waiting
    now = now or utcnow()
    due = now + timedelta(days=current_app.config["ERASURE_GRACE_DAYS"])
    made = data_requests.add(ERASURE, customer, actor, due)
    by = data_requests.asked_by(customer, actor)
    audit.record(actor, "erasure.requested", customer,
                 f"Erasure of customer #{customer.id} requested by {by}, due {due:%Y-%m-%d}",
                 after={"request": made.id, "due_at": due.isoformat()})
    if customer.email:
        with in_language(customer.language):
            when = fulltime(due, customer)
        outbox.queue_email(customer.email, _l("Your account will be deleted"),
                           "erasure_scheduled", language=customer.language,
                           name=customer.name, when=when,
                           url=external_url("customer.profile") + "#your-data")
    effects.commit()
    return made


def cancel(customer: User, actor: User) -> bool:
    """Keep the account: the waiting erasure is cancelled. False when none was waiting."""
    waiting = db.session.scalar(select(DataRequest).where(
        DataRequest.kind == ERASURE, DataRequest.customer_id == customer.id,
        DataRequest.status == PENDING))
    if waiting is None:
        return False
    waiting.status, waiting.finished_at = CANCELLED, utcnow()
    by = data_requests.asked_by(customer, actor)
    audit.record(actor, "erasure.cancelled", customer,
                 f"Erasure of customer #{customer.id} cancelled by {by}",
                 after={"request": waiting.id})
    effects.commit()
    return True


def run_due(now: datetime | None = None) -> list[int]:
    """Erase every account whose grace period is over; returns the customers' ids."""
    now = now or utcnow()
    owner = leased_jobs.new_owner()
    due = and_(DataRequest.kind == ERASURE,
               or_(and_(DataRequest.status == PENDING, DataRequest.due_at <= now),
                   and_(DataRequest.status == WORKING, DataRequest.lease_until < now)))
    leased_jobs.claim(DataRequest, due, {"status": WORKING, "claimed_by": owner,
                                         "lease_until": now + timedelta(seconds=LEASE_SECONDS)},
                      limit=20)
    rows = list(db.session.execute(select(DataRequest.id, DataRequest.customer_id).where(
        DataRequest.claimed_by == owner, DataRequest.status == WORKING)))
    erased = []
    for request_id, customer_id in rows:
        customer = db.session.get(User, customer_id)
        anonymise(customer)
        row = db.session.get(DataRequest, request_id)
        row.status, row.finished_at = DONE, utcnow()
        row.claimed_by = row.lease_until = None
        audit.record(None, "erasure.done", customer,
                     f"Customer #{customer_id}'s personal data erased on request",
                     after={"request": request_id})
        effects.commit()
        erased.append(customer_id)
    return erased


def anonymise(customer: User) -> None:
    """Remove who the customer is and what they wrote; keep the cases and the staff's work.

    Added to the caller's transaction."""
    case_ids = select(Case.id).where(Case.customer_id == customer.id).scalar_subquery()
    # Their name, address and escalation reasons, wherever a record keeps them as data.
    # (Reasons first: one may hold their name.)
    mentions = {reason: REMOVED for reason in db.session.scalars(select(
        CustomerEscalation.reason).where(CustomerEscalation.customer_id == customer.id)) if reason}
    mentions |= {text: FORMER for text in (customer.name, customer.email) if text}
    ties = _ties(customer.id)
    _remove_files(customer.id, case_ids)
    _remove_words(customer.id, case_ids)
    _remove_records(customer, case_ids)
    _scrub_mentions(customer.id, case_ids, ties, mentions)
    customer.name = FORMER
    customer.email = None
    customer.password_hash = None
    customer.timezone = customer.language = None
    customer.email_verified_at = None
    customer.active = False
    customer.session_version += 1  # every signed-in browser is signed out
    db.session.flush()
    db.session.expire_all()


def _bulk(statement) -> None:
    db.session.execute(statement.execution_options(synchronize_session=False))


def _remove_files(customer_id: int, case_ids) -> None:
    """Everything the customer sent, and every file shown to them on their cases."""
    gone = list(db.session.scalars(select(Attachment).join(CaseEvent).where(
        or_(CaseEvent.author_id == customer_id,
            and_(CaseEvent.case_id.in_(case_ids), CaseEvent.visibility == Visibility.PUBLIC)))))
    for item in gone:
        attachments.storage_path(item.storage_key).unlink(missing_ok=True)
        db.session.delete(item)


def _remove_words(customer_id: int, case_ids) -> None:
    """Their words, wherever they wrote them."""
    _bulk(update(CaseEvent).where(CaseEvent.author_id == customer_id, CaseEvent.body != "")
          .values(body=REMOVED))
    _bulk(update(Feedback).where(Feedback.customer_id == customer_id, Feedback.comment != "")
          .values(comment=REMOVED))
    _bulk(update(ReplyReaction).where(ReplyReaction.case_id.in_(case_ids),
                                      ReplyReaction.reason != "").values(reason=REMOVED))
    _bulk(update(CustomerEscalation).where(CustomerEscalation.customer_id == customer_id)
          .values(reason=REMOVED))
    # The case keeps its reference, status and times; its title was the customer's words.
    for case in db.session.scalars(select(Case).where(Case.customer_id == customer_id)):
        case.title = REMOVED
        case.search_text = case.reference


def _remove_records(customer: User, case_ids) -> None:
    """What we held about them, the ties only the living account had (their organisation,
    their places on colleagues' cases, follows and mutes), and the mail about them."""
    for model, column in ((CustomerFact, CustomerFact.customer_id),
                          (DigestItem, DigestItem.customer_id),
                          (AuthToken, AuthToken.user_id),
                          (RecoveryCode, RecoveryCode.user_id),
                          (TwoFactor, TwoFactor.user_id),
                          (ApiCustomerLink, ApiCustomerLink.customer_id),
                          (OrganisationMember, OrganisationMember.user_id),
                          (CaseParticipant, CaseParticipant.user_id),
                          (CaseNotificationChoice, CaseNotificationChoice.user_id),
                          (ProblemFollower, ProblemFollower.user_id)):
        _bulk(delete(model).where(column == customer.id))
    # Every email about their cases (to staff and colleagues too: it quoted their words).
    about = OutboxMessage.case_id.in_(case_ids)
    email = customer.email
    _bulk(delete(OutboxMessage).where(or_(about, OutboxMessage.to_address == email)
                                      if email else about))
    if email:
        _bulk(update(InboundMail).where(InboundMail.sender == email)
              .values(raw=b"", sender="", subject=REMOVED, text=REMOVED))
    # Downloads of their data: the files hold everything above.
    for export in db.session.scalars(select(DataRequest).where(
            DataRequest.kind == EXPORT, DataRequest.customer_id == customer.id,
            DataRequest.file_key.is_not(None))):
        data_export.remove_file(export)


def _ties(customer_id: int) -> dict[str, list[int]]:
    """The colleagues' cases the customer is on (CC) and their organisation, by id."""
    return {"case": list(db.session.scalars(select(CaseParticipant.case_id).where(
                CaseParticipant.user_id == customer_id))),
            "organisation": list(db.session.scalars(select(
                OrganisationMember.organisation_id).where(
                OrganisationMember.user_id == customer_id)))}


def _scrub_mentions(customer_id: int, case_ids, ties: dict[str, list[int]],
                    mentions: dict[str, str]) -> None:
    """Replace `mentions` in what records keep as data about the customer: the summaries of
    events on their cases, on the cases they were a colleague on and by them; the audit rows
    by them, about them, their cases, those cases and their organisation. Staff's own words
    (replies, notes) are kept."""
    if not mentions:
        return
    events = select(CaseEvent).where(or_(
        CaseEvent.case_id.in_(case_ids), CaseEvent.case_id.in_(ties["case"]),
        CaseEvent.author_id == customer_id))
    for event in db.session.scalars(events):
        event.data = _scrubbed(event.data, mentions)
    about = or_(AuditEntry.actor_id == customer_id,
                and_(AuditEntry.target_type == "user", AuditEntry.target_id == customer_id),
                and_(AuditEntry.target_type == "case", AuditEntry.target_id.in_(case_ids)),
                *(and_(AuditEntry.target_type == kind, AuditEntry.target_id.in_(ids))
                  for kind, ids in ties.items()))
    for entry in db.session.scalars(select(AuditEntry).where(about)):
        entry.summary = _scrubbed(entry.summary, mentions)[:300]
        entry.before = _scrubbed(entry.before, mentions)
        entry.after = _scrubbed(entry.after, mentions)


def _scrubbed(value, mentions: dict[str, str]):
    """`value` (text, or JSON made of dicts, lists and text) with every mention replaced."""
    if isinstance(value, str):
        for text, instead in mentions.items():
            value = value.replace(text, instead)
        return value
    if isinstance(value, dict):
        return {key: _scrubbed(item, mentions) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, mentions) for item in value]
    return value
