"""Organisations of customers: their domains, their members, and what members share."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Case, Organisation, OrganisationMember, SharedCase, Sharing, User
from . import audit, effects
from .errors import NotFound, ServiceError
from .headers import clean_header
from .text import clean

MAX_NAME = 120
DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def all_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(func.lower(Organisation.name))))


def get(organisation_id: int) -> Organisation:
    found = db.session.get(Organisation, organisation_id)
    if found is None:
        raise NotFound()
    return found


def clean_domains(raw: str | None) -> str:
    """Domains separated by spaces or commas, lower-cased; ServiceError (`domains`) on one
    that is not a domain."""
    domains = []
    for word in re.split(r"[\s,;]+", (raw or "").strip().lower()):
        word = word.lstrip("@")
        if not word:
            continue
        if not DOMAIN_RE.match(word):
            raise ServiceError(_("“%(domain)s” is not an email domain like example.com.",
                                 domain=word[:60]), "domains")
        if word not in domains:
            domains.append(word)
    return " ".join(domains)[:500]


def _check(name: str, sharing: str, current: Organisation | None = None) -> tuple[str, Sharing]:
    name = clean_header(clean(name, "name", MAX_NAME), MAX_NAME)
    try:
        rule = Sharing(sharing)
    except ValueError:
        raise ServiceError(_("Choose a sharing rule."), "sharing") from None
    taken = db.session.scalar(select(Organisation).where(
        func.lower(Organisation.name) == name.lower()))
    if taken is not None and taken is not current:
        raise ServiceError(_("An organisation with that name already exists."), "name")
    return name, rule


def _state(org: Organisation) -> dict:
    return {"name": org.name, "domains": org.domains, "auto_join": org.auto_join,
            "sharing": org.sharing}


def create(actor: User | None, name: str, domains: str = "", auto_join: bool = False,
           sharing: str = Sharing.PRIVATE) -> Organisation:
    name, rule = _check(name, sharing)
    org = Organisation(name=name, domains=clean_domains(domains), auto_join=auto_join,
                       sharing=rule)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organisation.created", org, f"Organisation {name} created",
                 after=_state(org))
    effects.commit()
    return org


def update(org: Organisation, actor: User | None, name: str, domains: str, auto_join: bool,
           sharing: str) -> Organisation:
    name, rule = _check(name, sharing, org)
    before = _state(org)
    org.name, org.domains, org.auto_join, org.sharing = \
        name, clean_domains(domains), auto_join, rule
    audit.record(actor, "organisation.updated", org, f"Organisation {name} changed",
                 before=before, after=_state(org))
    effects.commit()
    return org


def members(org: Organisation) -> list[User]:
    return list(db.session.scalars(
        select(User).join(OrganisationMember, OrganisationMember.user_id == User.id)
        .where(OrganisationMember.organisation_id == org.id).order_by(func.lower(User.name))))


def of(customer: User) -> Organisation | None:
    """The customer's organisation, if any."""
    member = db.session.scalar(select(OrganisationMember).where(
        OrganisationMember.user_id == customer.id)
        .options(joinedload(OrganisationMember.organisation)))
    return member.organisation if member else None


def add_member(org: Organisation, actor: User | None, email: str) -> User:
    """Put a customer (by address) in the organisation; they leave any other one.
    ServiceError (`email`) for an unknown or staff address."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower())) \
        if email.strip() else None
    if user is None or user.is_staff:
        raise ServiceError(_("No customer has that email address."), "email")
    _join(org, user, actor, f"{user.email} added to {org.name}")
    effects.commit()
    return user


def _join(org: Organisation, user: User, actor: User | None, summary: str) -> None:
    member = db.session.get(OrganisationMember, user.id)
    if member is not None and member.organisation_id == org.id:
        raise ServiceError(_("%(email)s is already a member.", email=user.email), "email")
    before = {"organisation": member.organisation.name} if member else None
    if member is None:
        member = OrganisationMember(user_id=user.id)
        db.session.add(member)
    member.organisation_id = org.id
    audit.record(actor, "organisation.member_added", org, summary, before=before,
                 after={"member": user.email, "organisation": org.name})


def remove_member(org: Organisation, actor: User | None, user_id: int) -> None:
    member = db.session.get(OrganisationMember, user_id)
    if member is None or member.organisation_id != org.id:
        raise NotFound()
    email = member.user.email
    db.session.delete(member)
    audit.record(actor, "organisation.member_removed", org, f"{email} removed from {org.name}",
                 before={"member": email})
    effects.commit()


def auto_join(user: User) -> Organisation | None:
    """A customer who just proved their address joins the organisation that owns its domain
    and allows it (none if they already have one); the caller commits."""
    if user.is_staff or not user.email or user.email_verified_at is None or of(user):
        return None
    domain = user.email.rsplit("@", 1)[-1].lower()
    for org in db.session.scalars(select(Organisation).where(Organisation.auto_join)):
        if domain in org.domain_list:
            _join(org, user, None, f"{user.email} joined {org.name} by verified domain")
            return org
    return None


# The sharing rule of a customer's organisation, one value: built once (SQLAlchemy keeps a
# statement's cache key with it), read on every case page the requester opens.
_SHARING_OF = (select(Organisation.sharing)
               .join(OrganisationMember, OrganisationMember.organisation_id == Organisation.id)
               .where(OrganisationMember.user_id == bindparam("user_id")))


def sharing_offered(customer: User, case: Case) -> bool:
    """Whether the requester may share this case: their organisation shares chosen cases."""
    if case.customer_id != customer.id:
        return False
    return db.session.scalar(_SHARING_OF, {"user_id": customer.id}) == Sharing.SHARED


def is_shared(case: Case) -> bool:
    return db.session.get(SharedCase, case.id) is not None


def set_shared(case: Case, customer: User, shared: bool) -> None:
    """Share the case with the requester's organisation, or stop; NotFound if not offered."""
    if not sharing_offered(customer, case):
        raise NotFound()
    row = db.session.get(SharedCase, case.id)
    if shared and row is None:
        db.session.add(SharedCase(case_id=case.id, shared_by_id=customer.id))
    elif not shared and row is not None:
        db.session.delete(row)
    else:
        return
    audit.record(customer, "case.shared" if shared else "case.unshared", case,
                 f"{case.reference} {'shared with' if shared else 'no longer shared with'} "
                 "the organisation", department_id=case.department_id)
    effects.case_changed(case)
    effects.commit()
