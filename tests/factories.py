"""Small builders for test data; each commits what it makes."""

from __future__ import annotations

import itertools

import pyotp

from portal.extensions import db
from portal.models import (
    STATUS_TEXT,
    Case,
    Category,
    Department,
    Feedback,
    Role,
    Solved,
    Status,
    TwoFactor,
    User,
    utcnow,
)
from portal.services import accounts, cases, feedback, standards

PASSWORD = "correct horse battery"  # noqa: S105
# English words: lazy labels made plain (Playwright and assertions take str).
STATUS_LABELS = {status: str(text.label) for status, text in STATUS_TEXT.items()}
_seq = itertools.count(1)


def department(name: str | None = None) -> Department:
    dep = Department(name=name or f"Department {next(_seq)}")
    db.session.add(dep)
    db.session.commit()
    return dep


def category(dep: Department | None = None, name: str | None = None) -> Category:
    cat = Category(name=name or f"Category {next(_seq)}", department=dep or department())
    db.session.add(cat)
    db.session.commit()
    return cat


def customer(name: str = "Dana Whitfield", email: str | None = None, **kw) -> User:
    email = email or f"customer{next(_seq)}@example.com"
    return accounts.create_user(email, name, Role.CUSTOMER, PASSWORD, **kw)


def staff(role: Role = Role.AGENT, departments=(), name: str = "Tom Berger",
          email: str | None = None) -> User:
    email = email or f"staff{next(_seq)}@example.com"
    return accounts.create_user(email, name, role, PASSWORD, list(departments))


def enrol_two_factor(user: User) -> str:
    """Give a staff member a confirmed authenticator, as if they had set it up; returns the
    secret. (No code is spent, so every step of the drift window stays usable.)"""
    secret = pyotp.random_base32(32)
    db.session.add(TwoFactor(user_id=user.id, secret=secret, confirmed_at=utcnow()))
    db.session.commit()
    return secret


def case(owner: User | None = None, title: str = "Recall RC-42 not booked",
         body: str = "The garage cannot see my recall.", cat: Category | None = None,
         status: Status | None = None) -> Case:
    made = cases.open_case(owner or customer(), title, body, cat or category())
    if status is not None:
        made.status = status
        db.session.commit()
    return made


def answered(cat: Category, agent: User, solved: Solved, rating: int | None = None,
             comment: str = "", owner: User | None = None,
             title: str = "Recall RC-42 not booked") -> Feedback:
    """A case in `cat` that `agent` answered and resolved, and its customer's answer."""
    made = case(owner, title=title, cat=cat)
    cases.add_staff_reply(made, agent, "We have looked into it.")
    cases.change_status(made, agent, Status.RESOLVED, "Sorted: the work is done.")
    return feedback.answer(made, made.customer, solved, rating, comment)


def sams_late_groceries(zone: str | None = None) -> tuple[User, User, Case]:
    """Story 5's world: Sam's case in Home Delivery under a 1 h / 1 day / 3 days standard.

    Returns Sam (in `zone`), the admin who set the standard, and the case.
    """
    dep = department("Home Delivery")
    cat = category(dep, "Orders and delivery")
    admin = staff(Role.ADMIN, [], "Ada Admin", "ada@example.com")
    standards.save(admin, cat, None, 60, 24 * 60, 3 * 24 * 60)
    sam = customer("Sam Okoro", "sam@example.com")
    sam.timezone = zone
    return sam, admin, case(sam, "My groceries did not arrive", "Order 5531.", cat)
