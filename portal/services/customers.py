"""One history per customer: facts asked once, and every contact in every department."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import bindparam, literal, select, union_all

from ..extensions import db
from ..models import (
    FACT_KINDS,
    OPEN_STATUSES,
    STAFF_ROLES,
    Case,
    CaseEvent,
    CustomerFact,
    Department,
    EmailUpdates,
    EventKind,
    Role,
    Status,
    User,
    Visibility,
    format_reference,
    utcnow,
)
from . import access, audit, effects
from .errors import NotFound, ServiceError
from .text import clean

CONTACT_KINDS = (EventKind.OPENED, EventKind.CUSTOMER_MESSAGE, EventKind.STAFF_REPLY,
                 EventKind.CONTACT_LOGGED)


# Built once (SQLAlchemy memoises a statement's cache key): the workspace asks per load.
FACTS = select(CustomerFact).where(CustomerFact.customer_id == bindparam("customer_id"))


def facts_for(customer: User) -> list[CustomerFact]:
    order = list(FACT_KINDS)
    facts = db.session.scalars(FACTS, {"customer_id": customer.id})
    return sorted(facts, key=lambda f: (order.index(f.kind) if f.kind in order else 99, f.id))


def set_fact(customer: User, actor: User, kind: str, value: str,
             fact_id: int | None = None) -> CustomerFact:
    """Add a fact, or change one (by id) of this customer; staff changes are audited."""
    if kind not in FACT_KINDS:
        raise ServiceError(_("Choose what kind of detail this is."), "kind")
    value = clean(value, "value", 500)
    fact = db.session.get(CustomerFact, fact_id) if fact_id else None
    if fact_id and (fact is None or fact.customer_id != customer.id):
        raise NotFound()
    before = {"kind": fact.kind, "value": fact.value} if fact else {}
    if fact is None:
        fact = CustomerFact(customer_id=customer.id)
        db.session.add(fact)
    fact.kind, fact.value, fact.updated_at = kind, value, utcnow()
    fact.recorded_by_id = actor.id
    # The customer writing it is a confirmation; staff writing it needs one.
    fact.confirmed_at = utcnow() if actor.id == customer.id else None
    if actor.is_staff:
        with force_locale("en"):  # the audit log is written in English
            summary = f"{customer.name}: {FACT_KINDS[kind]}"
        audit.record(actor, "customer.fact", customer, summary, before,
                     {"kind": kind, "value": value})
    effects.commit()
    return fact


def remove_fact(customer: User, fact_id: int) -> None:
    """The customer removes one of their own facts (e.g. an old address)."""
    fact = db.session.get(CustomerFact, fact_id)
    if fact is None or fact.customer_id != customer.id:
        raise NotFound()
    db.session.delete(fact)
    effects.commit()


def set_email_updates(customer: User, choice: str) -> None:
    """Immediate or daily digest; anything else is a ServiceError."""
    try:
        customer.email_updates = EmailUpdates(choice)
    except ValueError:
        raise ServiceError(_("Choose how often we email you."), "email_updates") from None
    effects.commit()


def confirm_facts(customer: User) -> None:
    now = utcnow()
    for fact in facts_for(customer):
        fact.confirmed_at = now
    effects.commit()


def get_customer_for_staff(viewer: User, customer_id: int) -> User:
    """The customer if the viewer works any of their cases (admins: any customer)."""
    customer = db.session.get(User, customer_id)
    if customer is None or customer.role != Role.CUSTOMER:
        raise NotFound()
    if viewer.role == Role.ADMIN:
        return customer
    mine = db.session.scalar(
        access.visible_cases(viewer).where(Case.customer_id == customer.id).limit(1))
    if mine is None:
        raise NotFound()
    return customer


@dataclass
class History:
    cases: list[Case]
    events: list[CaseEvent]
    visible_case_ids: set[int] = field(default_factory=set)


def history(customer: User, viewer: User, kinds: tuple[str, ...] = (),
            department_id: int | None = None) -> History:
    """Every case and contact of the customer, newest first.

    Public contacts from every department are shown so nobody asks the customer to
    repeat themselves; internal notes only from cases the viewer may open.
    """
    cases = list(db.session.scalars(
        select(Case).where(Case.customer_id == customer.id).order_by(Case.created_at.desc())))
    visible = {c.id for c in cases if access.can_see(viewer, c)}
    query = (select(CaseEvent).join(Case).where(Case.customer_id == customer.id)
             .where((CaseEvent.visibility == Visibility.PUBLIC) | Case.id.in_(visible or {-1}))
             .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(500))
    if kinds:
        query = query.where(CaseEvent.kind.in_(kinds))
    if department_id:
        query = query.where(Case.department_id == department_id)
    return History(cases, list(db.session.scalars(query)), visible)


@dataclass(frozen=True)
class OtherCase:
    """Another case of the customer as the panel lists it: plain columns, read by the
    model's own rules (building them as cases, with what is joined to one, cost more)."""

    id: int
    title: str
    status: Status
    first_response_at: datetime | None
    last_update_at: datetime | None
    department_name: str

    reference = Case.reference
    has_been_answered = Case.has_been_answered
    status_text = Case.status_text
    status_words = Case.status_words


class Author(NamedTuple):
    name: str
    is_staff: bool


@dataclass(frozen=True)
class Contact:
    """A contact as the panel lists it: when, what, by whom, on which case."""

    created_at: datetime
    kind: EventKind
    data: dict | None
    case_id: int
    author: Author | None

    contact_label = CaseEvent.contact_label

    @property
    def reference(self) -> str:
        return format_reference(self.case_id)


@dataclass
class BeforeContact:
    facts: list[CustomerFact]
    other_cases: list[OtherCase]
    last_contacts: list[Contact]


# Both built once, the customer and case as parameters (SQLAlchemy memoises a statement's
# cache key): the panel is on every workspace load.
_CUSTOMER, _CASE = bindparam("customer_id"), bindparam("case_id")


def _latest_other_cases(still_open: bool):
    """The customer's five latest other cases that are (or are not) open: each read along
    the (customer, last activity) index, where ordering by "open first" sorted every case of
    a customer with thousands (10 ms on PostgreSQL at 1M cases, 0.3 ms this way)."""
    is_open = Case.status.in_(OPEN_STATUSES)
    return (
        select(Case.id, Case.title, Case.status, Case.first_response_at, Case.last_update_at,
               Department.name, Case.last_activity_at, literal(still_open).label("still_open"))
        .join(Department, Department.id == Case.department_id)
        .where(Case.customer_id == _CUSTOMER, Case.id != _CASE,
               is_open if still_open else ~is_open)
        .order_by(Case.last_activity_at.desc()).limit(5).subquery())


_OTHERS = union_all(*(select(_latest_other_cases(still_open)) for still_open in (True, False))
                    ).subquery()
OTHER_CASES = (
    select(_OTHERS.c.id, _OTHERS.c.title, _OTHERS.c.status, _OTHERS.c.first_response_at,
           _OTHERS.c.last_update_at, _OTHERS.c.name)
    .order_by(_OTHERS.c.still_open.desc(), _OTHERS.c.last_activity_at.desc()).limit(5))
# The last contacts are looked for in the customer's most recently active cases only: for a
# customer with thousands of cases (a fleet, a company) every case's events were sorted on
# each load (60-100 ms on PostgreSQL at 1M cases). Every public event moves its case's last
# activity (timeline.record), so the latest contacts are in these cases unless dozens of
# them moved since by public events that are not contacts alone.
RECENT_CASES_LOOKED_AT = 50
_RECENT_CASES = (select(Case.id).where(Case.customer_id == _CUSTOMER)
                 .order_by(Case.last_activity_at.desc()).limit(RECENT_CASES_LOOKED_AT))
LAST_CONTACTS = (
    select(CaseEvent.created_at, CaseEvent.kind, CaseEvent.data, CaseEvent.case_id,
           User.name, User.role)
    .outerjoin(User, User.id == CaseEvent.author_id)
    .where(CaseEvent.case_id.in_(_RECENT_CASES.scalar_subquery()),
           CaseEvent.kind.in_(CONTACT_KINDS), CaseEvent.visibility == Visibility.PUBLIC)
    .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(5))


def before_contact(case: Case) -> BeforeContact:
    """What to know before contacting this customer: facts, other cases, last contacts."""
    values = {"customer_id": case.customer_id, "case_id": case.id}
    others = [OtherCase(*row) for row in db.session.execute(OTHER_CASES, values)]
    contacts = [Contact(at, kind, data, case_id,
                        None if role is None else Author(name, role in STAFF_ROLES))
                for at, kind, data, case_id, name, role in db.session.execute(LAST_CONTACTS,
                                                                             values)]
    return BeforeContact(facts_for(case.customer), others, contacts)
