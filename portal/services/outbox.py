"""Queue outgoing email in the current transaction; a worker delivers it later."""

from __future__ import annotations

import logging
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import LazyString
from jinja2 import TemplateNotFound
from sqlalchemy import Select, func, select

from ..extensions import db
from ..i18n import in_language
from ..models import Case, OutboxMessage, Role, User, utcnow
from ..models.outbox import FAILED, PENDING
from . import access, audit, effects, notification_prefs
from .errors import NotFound, ServiceError
from .headers import clean_header
from .mail_addresses import mail_domain, reply_address

log = logging.getLogger(__name__)


def queue_email(
    to: str,
    subject: str | LazyString,
    template: str,
    case_id: int | None = None,
    replies_from: User | None = None,
    language: str | None = None,
    recipient: User | None = None,
    **ctx,
) -> OutboxMessage:
    """Add a message to the outbox; the caller's commit makes it real.

    Subject, text and HTML are in `language`, the recipient's (User.language), else the
    default: never in the language of whoever's request sent the email. So pass a
    translatable subject lazily (`lazy_gettext`): it is translated here.
    With `replies_from` (the case's customer) the Reply-To carries a signed case token,
    so their answer lands on the case. Mail to a customer (`recipient`) carries their signed
    "Manage notifications" link and the List-Unsubscribe one-click address.
    """
    links = notification_prefs.links_for(recipient, case_id)
    ctx["recipient"] = recipient  # the templates greet them (a colleague on the case, say)
    if links:
        ctx["manage_url"] = links[0]
    with in_language(language):
        subject = str(subject)
        body = render_template(f"email/{template}.txt", **ctx)
        if links:
            body = body.rstrip("\n") + "\n\n" + render_template("email/_manage.txt", **ctx)
        html = _render_html(template, body, ctx)
    message = OutboxMessage(
        to_address=clean_header(to, 254),
        subject=clean_header(subject),
        body_text=body,
        body_html=html,
        case_id=case_id,
        message_id=make_msgid(domain=mail_domain()),
        list_unsubscribe=links[1] if links else None,
    )
    if case_id is not None:
        _thread(message, case_id)
        if replies_from is not None:
            message.reply_to = reply_address(case_id, replies_from.id)
    db.session.add(message)
    if current_app.config.get("ENV_NAME") == "development":
        # Developers without a mail server read the mail here.
        log.warning("Outbox → %s: %s\n%s", message.to_address, message.subject, body)
    return message


def _render_html(template: str, text: str, ctx: dict) -> str:
    """The HTML part from email/<template>.html (autoescaped), else the text escaped."""
    try:
        return render_template(f"email/{template}.html", **ctx)
    except TemplateNotFound:
        return render_template("email/_text.html", text=text)


def case_root_id(case_id: int) -> str:
    """A fixed Message-ID every mail about a case refers to, so clients thread them."""
    return f"<case-{case_id}@{mail_domain()}>"


def _thread(message: OutboxMessage, case_id: int) -> None:
    """Point at the last mail this person got about the case, and at the case's root."""
    previous = db.session.scalar(
        select(OutboxMessage.message_id)
        .where(OutboxMessage.case_id == case_id, OutboxMessage.to_address == message.to_address,
               OutboxMessage.message_id.is_not(None))
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    root = case_root_id(case_id)
    message.in_reply_to = previous or root
    message.thread_references = f"{root} {previous}" if previous else root


def outbox_for_case(case_id: int) -> list[OutboxMessage]:
    """Every message queued about a case, oldest first, with its delivery state."""
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.case_id == case_id).order_by(OutboxMessage.id)
    ))


def _visible_to(staff: User, query: Select) -> Select:
    """The query limited to mail this staff member may see: admins all, others their cases'."""
    # Account mail (sign-in links, resets, invitations) is about no case: admins only.
    if staff.role == Role.ADMIN:
        return query
    case_ids = access.visible_cases(staff).with_only_columns(Case.id)
    return query.where(OutboxMessage.case_id.in_(case_ids))


def recent(staff: User, status: str | None = None, limit: int = 100) -> list[OutboxMessage]:
    """The newest messages this staff member may see, optionally of one delivery status."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return list(db.session.scalars(_visible_to(staff, query)))


def counts(staff: User) -> dict[str, int]:
    """How many of the messages this staff member may see are in each delivery status."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    return {status: count for status, count in db.session.execute(_visible_to(staff, query))}


def retry(message_id: int, staff: User) -> None:
    """Send a failed message again; NotFound if not theirs to see, ServiceError if not failed."""
    message = db.session.scalar(
        _visible_to(staff, select(OutboxMessage).where(OutboxMessage.id == message_id)))
    if message is None:
        raise NotFound()
    if message.status != FAILED:
        raise ServiceError("Only a failed message can be sent again.")
    message.status, message.attempts, message.next_attempt_at = PENDING, 0, utcnow()
    audit.record(staff, "mail_retried", message, f"Email #{message.id} to "
                 f"{message.to_address} queued again after: {message.last_error[:150]}")
    effects.commit()
