"""How an email becomes words on a case: its title, its body and files, posting it as the
customer's message, and marking the mail done. The mail channel and staff triage share it."""

from __future__ import annotations

import re

from ..extensions import db
from ..mail.files import check_mail_files
from ..mail.parse import ParsedMail
from ..models import Case, Channel, User
from ..models.mail import PROCESSED, TRIAGE, InboundMail
from . import cases, effects
from .errors import ServiceError

_SUBJECT_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|wg|tr)\s*:\s*|\[CL-\d+\]\s*)+", re.IGNORECASE)
SHORTENED = "\n\n(Shortened here: the whole email is kept for our team.)"


def finish(mail: InboundMail, status: str, reason: str, case: Case | None = None) -> None:
    """Record what became of the mail (and the case it landed on), and commit."""
    mail.status, mail.reason = status, reason
    if case is not None:
        mail.case_id = case.id
    effects.commit()


def _body(parsed: ParsedMail, refused: list[str], has_files: bool) -> str:
    body = parsed.text
    if len(body) > cases.MAX_BODY - 2000:
        body = body[: cases.MAX_BODY - 2000] + SHORTENED
    if refused:
        body += "\n\n" + "\n".join(f"(Not attached: {line})" for line in refused)
    if not body.strip() and has_files:
        body = "(Sent by email with attachments only.)"
    return body.strip()


def mail_body(parsed: ParsedMail) -> tuple[str, list]:
    """The words a case gets from the mail (shortened, refused files named) and its files."""
    files, refused = check_mail_files(parsed.files)
    return _body(parsed, refused, bool(files)), files


def post_to_case(mail: InboundMail, parsed: ParsedMail, case: Case, customer: User,
                 reason: str) -> None:
    """Add the mail as the customer's message; a ServiceError sends it to triage instead."""
    files, refused = check_mail_files(parsed.files)
    body = _body(parsed, refused, bool(files))
    if not body:
        return finish(mail, TRIAGE, "The message has no text and no usable attachment.")
    # Marked processed in the same commit as the message, so it can never be posted twice.
    mail.status, mail.reason, mail.case_id = PROCESSED, reason, case.id
    try:
        landed = cases.add_customer_message(case, customer, body, channel=Channel.EMAIL,
                                            files=files, event_data=event_data(mail))
    except ServiceError as exc:
        db.session.rollback()
        return finish(mail, TRIAGE, f"Could not be added to {case.reference}: {exc.message}")
    if landed.id != case.id:
        finish(mail, PROCESSED, f"{reason} That case was closed, so follow-up "
                                 f"{landed.reference} was opened.", landed)
    return None


def event_data(mail: InboundMail) -> dict[str, dict[str, str]]:
    """What the timeline keeps of the mail, so staff see how its sender was verified."""
    return {"sender_verification": mail.verification}


def mail_title(subject: str) -> str:
    """The case title an email gives: its subject without Re:/Fwd: and reference prefixes."""
    title = _SUBJECT_PREFIX.sub("", subject).strip() or "Email without a subject"
    return title[: cases.MAX_TITLE]
