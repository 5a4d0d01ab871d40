"""The rows of a customer's data requests (a download or an erasure), as both kinds start them."""

from __future__ import annotations

from datetime import datetime

from ..extensions import db
from ..models import DataRequest, User
from ..models.data_requests import PENDING


def add(kind: str, customer: User, requested_by: User, due_at: datetime) -> DataRequest:
    """A new pending request of this kind, added and flushed (so it has its id)."""
    made = DataRequest(kind=kind, customer_id=customer.id, requested_by_id=requested_by.id,
                       status=PENDING, due_at=due_at, done_count=0, total_count=0, size=0,
                       attempts=0, last_error="")
    db.session.add(made)
    db.session.flush()
    return made


def asked_by(customer: User, actor: User) -> str:
    """Who acted, for the audit log: the customer themselves or a staff member."""
    return "the customer" if actor.id == customer.id else f"staff member #{actor.id}"
