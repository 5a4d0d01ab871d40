"""Finding things for a token: every lookup is scoped to the token's departments."""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Case, Category, Role, User, parse_reference
from ..models.api import ApiCustomerLink, ApiToken
from ..services import accounts
from ..services.errors import NotFound, ServiceError
from ..services.headers import clean_header
from .validation import MAX_ID


class StaffAddress(ServiceError):
    """The address belongs to a staff account, which is never turned into a customer."""

    def __init__(self) -> None:
        super().__init__("That address belongs to a staff account, not a customer.", "email")


def find_case(token: ApiToken, reference: str) -> Case:
    """The case if the token covers its department; NotFound otherwise (no hint it exists)."""
    case_id = parse_reference(reference) if len(reference) <= 20 else None
    case = db.session.get(Case, case_id) if case_id and case_id <= MAX_ID else None
    if case is None or not token.covers(case.department_id):
        raise NotFound()
    return case


def find_customer(token: ApiToken, customer_id: str) -> User:
    """A customer this token serves (see `serves`); NotFound otherwise, as if there were none."""
    # A link the token made (external_id) is no licence: a token could link any address it
    # guesses, and then read that customer's name.
    valid = customer_id.isascii() and customer_id.isdigit() and len(customer_id) <= 10
    user = db.session.get(User, int(customer_id)) if valid and int(customer_id) <= MAX_ID \
        else None
    if user is None or user.role != Role.CUSTOMER or not serves(token, user):
        raise NotFound()
    return user


def serves(token: ApiToken, user: User) -> bool:
    """True when the token covers every department, or the customer has a case in one of its."""
    if not token.department_ids:
        return True
    return bool(db.session.scalar(select(exists().where(
        Case.customer_id == user.id, Case.department_id.in_(token.department_ids)))))


def external_id(token: ApiToken, user: User) -> str | None:
    """The newest id this token's system gave the customer, if any."""
    return db.session.scalar(
        select(ApiCustomerLink.external_id)
        .where(ApiCustomerLink.token_id == token.id, ApiCustomerLink.customer_id == user.id)
        .order_by(ApiCustomerLink.id.desc()).limit(1))


def match_customer(email: str, name: str) -> tuple[User, bool]:
    """The customer with this address, created when new; True when it was created."""
    address = accounts.normalise_email(email)
    user = accounts.find_user(address)
    created = False
    if user is None:
        try:
            user = accounts.create_user(address, clean_header(name, 120), Role.CUSTOMER,
                                        verified=False)
            created = True
        except (ServiceError, IntegrityError):
            # A parallel request created the same address first: the unique index refused ours.
            db.session.rollback()
            user = accounts.find_user(address)
    if user is None or user.role != Role.CUSTOMER:
        raise StaffAddress()
    return user, created


def link_customer(token: ApiToken, user: User, external: str) -> None:
    """Remember the other system's id for this customer; refused when it names someone else."""
    link = db.session.scalar(select(ApiCustomerLink).where(
        ApiCustomerLink.token_id == token.id, ApiCustomerLink.external_id == external))
    if link is not None and link.customer_id != user.id:
        raise ServiceError("This external id already belongs to another customer.",
                           "external_id")
    if link is None:
        db.session.add(ApiCustomerLink(token_id=token.id, customer_id=user.id,
                                       external_id=external))
        db.session.commit()


def category(token: ApiToken, value: int | str) -> Category:
    """An active category by id or by name (any case) in the token's departments."""
    query = select(Category).where(Category.active)
    if isinstance(value, int):
        query = query.where(Category.id == value)
    else:
        query = query.where(func.lower(Category.name) == value.lower())
    found = db.session.scalar(query)
    if found is None or not token.covers(found.department_id):
        raise ServiceError("There is no such category for this token.", "category")
    return found


def staff_member(email: str) -> User | None:
    """An active staff member by email, or None."""
    user = accounts.find_user(email)
    return user if user is not None and user.is_staff and user.active else None
