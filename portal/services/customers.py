"""One history per customer: facts asked once, and every contact in every department."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from ..extensions import db
from ..models import (
    FACT_KINDS,
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CustomerFact,
    EmailUpdates,
    EventKind,
    Role,
    User,
    Visibility,
    utcnow,
)
from . import access, audit, effects
from .errors import NotFound, ServiceError
from .text import clean

CONTACT_KINDS = (EventKind.OPENED, EventKind.CUSTOMER_MESSAGE, EventKind.STAFF_REPLY,
                 EventKind.CONTACT_LOGGED)


def facts_for(customer: User) -> list[CustomerFact]:
    order = list(FACT_KINDS)
    facts = db.session.scalars(select(CustomerFact).where(CustomerFact.customer_id == customer.id))
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


@dataclass
class BeforeContact:
    facts: list[CustomerFact]
    other_cases: list[Case]
    last_contacts: list[CaseEvent]


def before_contact(case: Case) -> BeforeContact:
    """What to know before contacting this customer: facts, other cases, last contacts."""
    customer = case.customer
    # The panel shows a line per case and per contact: nothing else is loaded for them.
    others = list(db.session.scalars(
        select(Case).where(Case.customer_id == customer.id, Case.id != case.id)
        .order_by(Case.status.in_(OPEN_STATUSES).desc(), Case.last_activity_at.desc())
        .options(lazyload(Case.customer), lazyload(Case.promises), lazyload(Case.feedback),
                 lazyload(Case.references))
        .limit(5)))
    contacts = list(db.session.scalars(
        select(CaseEvent).join(Case)
        .where(Case.customer_id == customer.id, CaseEvent.kind.in_(CONTACT_KINDS),
               CaseEvent.visibility == Visibility.PUBLIC)
        .options(lazyload(CaseEvent.attachments))
        .order_by(CaseEvent.created_at.desc(), CaseEvent.id.desc()).limit(5)))
    return BeforeContact(facts_for(customer), others, contacts)
