"""Small builders for test data; each commits what it makes."""

from __future__ import annotations

import itertools

from portal.extensions import db
from portal.models import STATUS_TEXT, Case, Category, Department, Role, Status, User
from portal.services import accounts, cases

PASSWORD = "correct horse battery"  # noqa: S105
STATUS_LABELS = {status: text.label for status, text in STATUS_TEXT.items()}
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


def case(owner: User | None = None, title: str = "Recall RC-42 not booked",
         body: str = "The garage cannot see my recall.", cat: Category | None = None,
         status: Status | None = None) -> Case:
    made = cases.open_case(owner or customer(), title, body, cat or category())
    if status is not None:
        made.status = status
        db.session.commit()
    return made
