"""Which changes tell the customer by email, and what the email says."""

from __future__ import annotations

from ..models import Case, User
from ..urls import external_url
from .outbox import queue_email


def case_url(case: Case) -> str:
    return external_url("customer.case_detail", reference=case.reference)


def staff_replied(case: Case, staff: User, body: str) -> None:
    queue_email(
        case.customer.email, f"[{case.reference}] New reply: {case.title}", "staff_reply",
        case_id=case.id, replies_from=case.customer, case=case, staff=staff, body=body,
        url=case_url(case),
    )


def status_changed(case: Case, explanation: str) -> None:
    queue_email(
        case.customer.email,
        f"[{case.reference}] {case.status_text.label}: {case.title}",
        "status_changed",
        case_id=case.id, replies_from=case.customer, case=case, explanation=explanation,
        url=case_url(case),
    )


def promise_changed(case: Case, promise) -> None:
    queue_email(
        case.customer.email,
        f"[{case.reference}] {'Our promise' if promise.is_open else 'About our promise'}: "
        f"{promise.what}",
        "promise", case_id=case.id, replies_from=case.customer, case=case, promise=promise,
        url=case_url(case),
    )
