"""The JSON shapes of the API: one function per resource, the same shape everywhere.

The API answers with them and webhook deliveries (webhook_outbox) carry them; they read
models only, so every layer may use them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..models import (
    Case,
    CaseEvent,
    CaseParticipant,
    CustomerEscalation,
    Feedback,
    Organisation,
    Promise,
    User,
)


def moment(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def customer(user: User, external_id: str | None = None) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "name": user.name,
            "external_id": external_id, "created_at": moment(user.created_at)}


def customer_receipt(email: str, external_id: str | None) -> dict[str, Any]:
    """What creating a customer answers: the same fields whether the address was known."""
    return {"email": email, "external_id": external_id or None}


def case(item: Case) -> dict[str, Any]:
    return {
        "reference": item.reference,
        "title": item.title,
        "status": item.status.value,
        "status_label": item.status_text.label,
        "next_step": item.status_text.next_step,
        "priority": item.priority.value,
        "department": {"id": item.department.id, "name": item.department.name},
        "category": {"id": item.category.id, "name": item.category.name}
        if item.category else None,
        "customer": {"id": item.customer.id, "email": item.customer.email,
                     "name": item.customer.name},
        "references": [{"system": r.system, "value": r.value} for r in item.references],
        "created_at": moment(item.created_at),
        "last_activity_at": moment(item.last_activity_at),
        "resolved_at": moment(item.resolved_at),
        "closed_at": moment(item.closed_at),
        "version": item.version,
    }


def case_detail(item: Case, escalations: list[CustomerEscalation]) -> dict[str, Any]:
    """One case as GET /cases/{reference} gives it: the list shape and its escalations."""
    return case(item) | {"escalations": [customer_escalation(e) for e in escalations]}


def customer_escalation(item: CustomerEscalation) -> dict[str, Any]:
    """A customer's "This is taking too long": why, the manager who owns the answer, by when
    (the public promise it made) and whether that promise was kept."""
    answer = item.promise
    return {
        "id": item.id,
        "reason": item.reason,
        "manager": _person(item.manager),
        "answer_due_at": moment(answer.due_at) if answer else None,
        "answer_state": answer.state.value if answer else None,
        "business_day": item.business_day.isoformat(),
        "created_at": moment(item.created_at),
    }


def event(item: CaseEvent) -> dict[str, Any]:
    author = item.author
    return {
        "id": item.id,
        "kind": item.kind.value,
        "channel": item.channel.value,
        "public": item.is_public,
        "author": {"name": author.name, "staff": author.is_staff} if author else None,
        "body": item.body,
        "data": item.data or {},
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size}
                        for a in item.attachments],
        "created_at": moment(item.created_at),
    }


def promise(item: Promise) -> dict[str, Any]:
    return {
        "id": item.id,
        "what": item.what,
        "owner": _person(item.owner),
        # Set when the promise waits in a department's queue (owner null) after a handoff.
        "owner_department": item.owner_department.name if item.owner_department else None,
        "due_at": moment(item.due_at),
        "public": item.public,
        "state": item.state.value,
        "outcome": item.outcome,
        "created_at": moment(item.created_at),
        "closed_at": moment(item.closed_at),
        "resolved_by": _person(item.resolved_by),
    }


def _person(user) -> dict[str, str] | None:
    return {"name": user.name, "email": user.email} if user is not None else None


def feedback(item: Feedback) -> dict[str, Any]:
    return {
        "id": item.id,
        "resolution_round": item.resolution_round,
        "solved": item.solved.value,
        "rating": item.rating,
        "comment": item.comment,
        "created_at": moment(item.created_at),
    }


def organisation(org: Organisation, members: list[User] | None = None) -> dict[str, Any]:
    """An organisation; with `members`, each one's id, name and email."""
    shape: dict[str, Any] = {"id": org.id, "name": org.name, "domains": org.domain_list,
                             "auto_join": org.auto_join, "sharing": org.sharing.value,
                             "created_at": moment(org.created_at)}
    if members is not None:
        shape["members"] = [{"id": m.id, "name": m.name, "email": m.email} for m in members]
    return shape


def participant(item: CaseParticipant) -> dict[str, Any]:
    """A colleague on a case (CC)."""
    return {"id": item.id, "customer": {"id": item.user.id, "name": item.user.name,
                                        "email": item.user.email},
            "added_by": item.added_by.name if item.added_by else None,
            "created_at": moment(item.created_at)}
