"""Staff changes to a case's details: priority, category, references, logged contacts."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import (
    CONTACT_DEFAULTS,
    Case,
    CaseEvent,
    CaseReference,
    Category,
    Channel,
    EventKind,
    Priority,
    User,
    Visibility,
)
from . import audit, case_search, effects, problem_links, timeline
from .errors import ServiceError
from .text import clean

LOGGABLE_CHANNELS = (Channel.PHONE, Channel.IN_PERSON, Channel.LETTER, Channel.EMAIL,
                     Channel.API)


def change_details(case: Case, actor: User, priority: Priority, category: Category) -> None:
    """Set priority and category; an internal timeline line and an audit row record it."""
    before = {"priority": case.priority.value,
              "category": case.category.name if case.category else None}
    after = {"priority": priority.value, "category": category.name}
    if before == after:
        raise ServiceError(_("Nothing changed."), "priority")
    case.priority, case.category = priority, category
    changes = ", ".join(f"{k} {before[k] or '—'} → {after[k]}" for k in after
                        if before[k] != after[k])
    timeline.record(case, EventKind.DETAILS_CHANGED, actor, "", visibility=Visibility.INTERNAL,
                    summary=f"Changed {changes}", before=before, after=after)
    audit.record(actor, "case.details", case, f"{case.reference}: {changes}", before, after,
                 department_id=case.department_id)
    effects.commit()


def add_reference(case: Case, actor: User | None, system: str, value: str) -> CaseReference:
    """Attach another system's reference (a recall code, an order number) to the case."""
    system = clean(system, "system", 60)
    value = clean(value, "value", 120)
    exists = db.session.scalar(select(CaseReference).where(
        CaseReference.case_id == case.id, CaseReference.system == system,
        CaseReference.value == value))
    if exists:
        raise ServiceError(_("The case already has that reference."), "value")
    ref = CaseReference(case_id=case.id, system=system, value=value)
    db.session.add(ref)
    timeline.record(case, EventKind.DETAILS_CHANGED, actor, "", visibility=Visibility.INTERNAL,
                    channel=Channel.API if actor is None or not actor.is_staff else Channel.WEB,
                    summary=f"Reference added: {system} {value}",
                    reference={"system": system, "value": value})
    case_search.add(case, f"{system} {value}")  # after record(), which locks the case row
    audit.record(actor, "case.reference", case, f"{case.reference}: {system} {value}",
                 after={"system": system, "value": value}, department_id=case.department_id)
    problem_links.link_by_reference(case, value)  # a known problem with it takes the case in
    effects.commit()
    return ref


def log_contact(
    case: Case,
    actor: User,
    channel: Channel,
    body: str,
    public: bool,
    label: str = "",
) -> CaseEvent:
    """Put a contact that happened elsewhere (a call, a visit, a letter) on the timeline."""
    if channel not in LOGGABLE_CHANNELS:
        raise ServiceError(_("Choose how the contact happened."), "channel")
    body = clean(body, "body", 20_000)
    label = clean(label, "label", 80, required=False) or CONTACT_DEFAULTS[channel]
    event = timeline.record(
        case, EventKind.CONTACT_LOGGED, actor, body, channel=channel,
        visibility=Visibility.PUBLIC if public else Visibility.INTERNAL, contact_label=label)
    audit.record(actor, "case.contact", case, f"{case.reference}: {label} logged",
                 after={"channel": channel.value, "public": public},
                 department_id=case.department_id)
    effects.commit()
    return event


def changes_since(case: Case, seen_event_id: int, viewer: User) -> list[CaseEvent]:
    """Events others added after the viewer loaded the page (their own do not count)."""
    return list(db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.id > seen_event_id,
                                (CaseEvent.author_id != viewer.id) |
                                CaseEvent.author_id.is_(None))
        .order_by(CaseEvent.id)))
