"""Staff open a case for a caller, a visitor or a letter writer: find them, or take them on."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from ..extensions import db
from ..models import (
    Case,
    CaseReference,
    Category,
    Channel,
    CustomerFact,
    Role,
    User,
)
from ..models.api import ApiCustomerLink
from . import accounts, audit, cases
from .attachments import CheckedFile
from .errors import NotFound, ServiceError, one_of
from .text import clean

# How a person reached us; the API and the web have their own ways in.
CHANNELS = (Channel.PHONE, Channel.IN_PERSON, Channel.LETTER, Channel.EMAIL)
MAX_PHONE = 40
FOUND = 20
_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class NewCustomer:
    """Who to take on: a name always, an email address or a phone number if they gave one."""

    name: str
    email: str = ""
    phone: str = ""


def find_customers(query: str) -> list[User]:
    """Active customers whose name, email, phone or other detail, or whose case's outside
    reference (a recall code, another system's id), contains the words; by name."""
    query = " ".join(query.split())[:100]
    if len(query) < 2:
        return []
    facts = select(CustomerFact.customer_id).where(_fact_matches(query))
    refs = (select(Case.customer_id).join(CaseReference, CaseReference.case_id == Case.id)
            .where(CaseReference.value.icontains(query, autoescape=True)))
    links = select(ApiCustomerLink.customer_id).where(
        ApiCustomerLink.external_id.icontains(query, autoescape=True))
    return list(db.session.scalars(
        select(User).where(User.role == Role.CUSTOMER, User.active, or_(
            User.name.icontains(query, autoescape=True),
            User.email.icontains(query, autoescape=True),
            User.id.in_(facts), User.id.in_(refs), User.id.in_(links)))
        .order_by(User.name, User.id).limit(FOUND)))


def _fact_matches(query: str):
    """A detail containing the words; a phone number however it was spaced or dashed."""
    digits = _NOT_DIGITS.sub("", query)
    found = CustomerFact.value.icontains(query, autoescape=True)
    if len(digits) >= 4 and len(digits) * 2 >= len(query.replace(" ", "")):
        stored = CustomerFact.value
        for mark in (" ", "-", "(", ")", ".", "/", "+"):
            stored = func.replace(stored, mark, "")
        found = or_(found, (CustomerFact.kind == "phone") & stored.contains(digits))
    return found


def phone_of(customer: User) -> str:
    """The phone number on record for the customer, or ""."""
    return db.session.scalar(select(CustomerFact.value).where(
        CustomerFact.customer_id == customer.id, CustomerFact.kind == "phone")
        .order_by(CustomerFact.id.desc()).limit(1)) or ""


def get_customer(customer_id: int) -> User:
    """An active customer anyone on the staff may open a case for; NotFound otherwise."""
    customer = db.session.get(User, customer_id)
    if customer is None or customer.role != Role.CUSTOMER or not customer.active:
        raise NotFound()
    return customer


def categories_for(staff: User) -> list[Category]:
    """Active categories whose department this staff member works (admins: every one)."""
    query = select(Category).where(Category.active).order_by(Category.name, Category.id)
    if staff.role != Role.ADMIN:
        query = query.where(Category.department_id.in_(staff.department_ids or {-1}))
    return list(db.session.scalars(query))


def open_for(
    staff: User,
    customer: User | NewCustomer,
    category_id: int,
    channel: str,
    title: str,
    body: str,
    logged: bool,
    once: str | None = None,
    files: list[CheckedFile] = (),  # type: ignore[assignment]
) -> cases.Case:
    """Open a case the customer asked for by phone, in person, by letter or email, through
    the same service the portal and the API use; a new customer is created with it.

    ServiceError (with its field) for a category outside the staff member's departments,
    an unknown channel, a missing name or an email address someone already has.
    """
    category = category_for(staff, category_id)
    how = one_of(Channel, channel, CHANNELS, _("Choose how the customer reached us."), "channel")
    cases.check_opening(title, body)  # before anyone is created: nothing half-done
    new = isinstance(customer, NewCustomer)
    try:
        person = take_on(staff, customer) if new else customer
        return cases.open_case(
            person, title, body, category, channel=how, files=files, once=once,
            taken_by=cases.TakenBy(staff, logged=logged, new_account=new and bool(person.email)))
    except ServiceError:
        db.session.rollback()  # undo a customer taken on before the refusal
        raise


def category_for(staff: User, category_id: int) -> Category:
    """The category if it belongs to a department the staff member works; else ServiceError."""
    found = next((c for c in categories_for(staff) if c.id == category_id), None)
    if found is None:
        raise ServiceError(_("Choose a category of a department you work in."), "category")
    return found


def take_on(staff: User, new: NewCustomer) -> User:
    """Create the customer (audited) in the caller's transaction; their phone becomes a
    detail every department sees. ServiceError if the address belongs to someone."""
    name = accounts.person_name(new.name, "")
    if not name:
        raise ServiceError(_("Enter the customer's name."), "name")
    address = accounts.normalise_email(new.email) if new.email.strip() else None
    if address and accounts.find_user(address) is not None:
        raise ServiceError(_("Someone already has this email address: find them by it "
                             "instead."), "email")
    phone = clean(new.phone, "phone", MAX_PHONE, required=False)
    customer = User(email=address, name=name, role=Role.CUSTOMER)
    db.session.add(customer)
    db.session.flush()  # the detail and the audit row need its id
    if phone:
        db.session.add(CustomerFact(customer_id=customer.id, kind="phone", value=phone,
                                    recorded_by_id=staff.id))
    audit.record(staff, "customer.create", customer, f"Took on {name} as a customer",
                 after={"email": address, "phone": phone})
    return customer
