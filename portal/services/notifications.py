"""Which changes tell the customer by email, and what the email says.

Every case link signs the customer in (once, within CASE_LINK_MINUTES). A customer who
chose the daily digest gets the update collected for it instead of an email now.
"""

from __future__ import annotations

from flask import current_app

from ..extensions import db
from ..formatting import fulltime
from ..models import Case, DigestItem, EmailUpdates, User
from ..urls import external_url, site_path
from . import accounts
from .outbox import queue_email

FEEDBACK_ANSWERS = ("yes", "partly", "no")


def signed_case_token(case: Case) -> str:
    """A fresh single-use sign-in token for the case's customer that lands on the case."""
    return accounts.case_link_token(
        case.customer, site_path("customer.case_detail", reference=case.reference))


def signed_url(token: str, **preset: str) -> str:
    """The emailed link for a sign-in token; `solved=` pre-selects a feedback answer."""
    return external_url("customer.confirm_link", token=token, **preset)


def _tell(case: Case, subject: str, template: str, headline: str, detail: str,
          ask_feedback: bool = False, **ctx) -> None:
    """Email the customer now, or keep the update for their daily digest."""
    customer = case.customer
    if customer.email_updates == EmailUpdates.DAILY:
        db.session.add(DigestItem(customer_id=customer.id, case_id=case.id,
                                  headline=headline[:250], detail=detail))
        return
    token = signed_case_token(case)
    feedback_urls = {a: signed_url(token, solved=a) for a in FEEDBACK_ANSWERS} \
        if ask_feedback else None
    queue_email(
        customer.email, subject, template, case_id=case.id, replies_from=customer, case=case,
        url=signed_url(token), feedback_urls=feedback_urls,
        link_minutes=current_app.config["CASE_LINK_MINUTES"], **ctx,
    )


def staff_replied(case: Case, staff: User, body: str) -> None:
    _tell(case, f"[{case.reference}] New reply: {case.title}", "staff_reply",
          f"{staff.name} replied", body, staff=staff, body=body)


def status_changed(case: Case, explanation: str) -> None:
    from .feedback import can_ask  # feedback imports cases, which imports this module

    label = case.status_text.label
    _tell(case, f"[{case.reference}] {label}: {case.title}", "status_changed",
          f"Status: {label}", explanation or case.status_text.next_step,
          ask_feedback=can_ask(case), explanation=explanation)


def promise_changed(case: Case, promise) -> None:
    if promise.is_open:
        headline = f"We promised: {promise.what}"
        detail = f"{promise.owner.name} will see to it by " \
                 f"{fulltime(promise.due_at, case.customer)}."
    else:
        headline = f"Our promise “{promise.what}” was {promise.state.value}"
        detail = promise.outcome or ""
    _tell(case, f"[{case.reference}] {'Our promise' if promise.is_open else 'About our promise'}: "
                f"{promise.what}",
          "promise", headline, detail, promise=promise)
