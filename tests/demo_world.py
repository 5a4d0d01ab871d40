"""The demo world every page can be shown with, and the staff pages in it.

The accessibility suite (in Chromium) and the translation test (over HTTP) both go through
every staff page of this world, so a page added to one is checked by the other too.
"""

from __future__ import annotations

import io

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal import demo
from portal.extensions import db
from portal.mail import inbound
from portal.models import Case, Category, Department, FollowUp, SavedReply, Standard, User
from portal.services import api_tokens as tokens
from portal.services import attachments, cases
from tests import factories

TRIAGE_MAIL = b"""From: Someone New <stranger@example.org>
To: support@caseloop.localhost
Subject: Where is my refund?
Message-ID: <a11y-0001@example.org>
Date: Tue, 24 Nov 2026 16:00:00 +0000
Content-Type: text/plain; charset="UTF-8"

I sent the parcel back two weeks ago and have heard nothing since.
"""


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def case_of(email: str) -> Case:
    """Their story's case: the newest (Mr Johnson also has an older one, resolved)."""
    return db.session.scalar(select(Case).join(User, Case.customer_id == User.id)
                             .where(User.email == email).order_by(Case.id.desc()))


def build() -> None:
    """The demo stories plus files on Ravi's case, a triage email and an API token."""
    demo.load()
    ravi = case_of("ravi@example.com")
    files = attachments.check_uploads([
        FileStorage(io.BytesIO(b"Order 55-18734, paid 12 March."), filename="receipt.txt"),
        FileStorage(io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), filename="dashboard.png"),
    ])
    cases.add_customer_message(ravi, ravi.customer, "Here is the receipt and a photo.",
                               files=files)
    inbound.ingest(TRIAGE_MAIL)
    tokens.create(user("admin@staff.example.com"), "Recall system", "write", [])
    factories.customer("Nina Newcomer", "nina@example.com")
    db.session.commit()


def _id(model, *where) -> int:
    return db.session.scalar(select(model.id).where(*where).order_by(model.id))


def staff_pages() -> list[tuple[str, str]]:
    """(name, url) of every staff page a signed-in admin sees in the world above."""
    dana = case_of("dana@example.com")
    ids = {
        "customer": dana.customer_id,
        "staff": user("tom@staff.example.com").id,
        "department": _id(Department),
        "category": _id(Category),
        "standard": _id(Standard),
        "follow_up": _id(FollowUp),
        "saved_reply": _id(SavedReply, SavedReply.department_id.is_not(None)),
    }
    dana, mei = dana.reference, case_of("mei@example.com").reference
    return [
        ("staff-account-security", "/admin/account/security"),
        ("staff-feedback", "/admin/feedback"),
        ("staff-feedback-comments", "/admin/feedback/comments"),
        ("staff-queue", "/admin/cases"),
        ("staff-queue-filtered", "/admin/cases?status=resolved&status=new&q=recall&sort=updated"),
        ("staff-queue-waiting", "/admin/cases?view=waiting"),
        ("staff-workspace", f"/admin/cases/{dana}"),
        ("staff-workspace-promises", f"/admin/cases/{mei}"),
        # The handoff's person list without JavaScript: the workspace, department chosen.
        ("staff-workspace-handoff-people",
         f"/admin/cases/{dana}/handoff/people?department={ids['department']}"),
        ("staff-customer-history", f"/admin/customers/{ids['customer']}"),
        ("staff-new-case-find", "/admin/new-case?q=dana"),
        ("staff-new-case-form", "/admin/new-case/details?name=Sam+Okafor"),
        ("staff-new-case-for-customer", f"/admin/new-case/details?customer={ids['customer']}"),
        ("staff-promises", "/admin/promises"),
        ("staff-saved-replies", "/admin/saved-replies"),
        ("staff-saved-reply", f"/admin/saved-replies/{ids['saved_reply']}"),
        ("staff-follow-ups", "/admin/follow-ups"),
        ("staff-follow-up", f"/admin/follow-ups/{ids['follow_up']}"),
        ("staff-dashboard", "/admin/dashboard"),
        ("staff-inbox", "/admin/inbox"),
        ("staff-inbox-mail", "/admin/inbox/1"),
        ("staff-outbox", "/admin/outbox"),
        ("staff-audit-log", "/admin/audit"),
        ("staff-settings-staff", "/admin/settings/staff"),
        ("staff-settings-staff-new", "/admin/settings/staff/new"),
        ("staff-settings-security", "/admin/settings/security"),
        ("staff-settings-staff-edit", f"/admin/settings/staff/{ids['staff']}"),
        ("staff-settings-departments", "/admin/settings/departments"),
        ("staff-settings-department", f"/admin/settings/departments/{ids['department']}"),
        ("staff-settings-department-hours",
         f"/admin/settings/departments/{ids['department']}/hours"),
        ("staff-settings-categories", "/admin/settings/categories"),
        ("staff-settings-category", f"/admin/settings/categories/{ids['category']}"),
        ("staff-settings-standards", "/admin/settings/standards"),
        ("staff-settings-standard", f"/admin/settings/standards/{ids['standard']}"),
        ("staff-api-tokens", "/admin/settings/api-tokens"),
        ("staff-api-token-new", "/admin/settings/api-tokens/new"),
        ("staff-webhook-new", "/admin/settings/api-tokens/webhooks/new"),
        ("staff-404", "/admin/cases/CL-999999"),
    ]
