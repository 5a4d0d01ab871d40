"""The domain model; importing this package registers every table."""

from .base import utcnow
from .cases import (
    OPEN_STATUSES,
    STATUS_TEXT,
    Case,
    Priority,
    Status,
    format_reference,
    parse_reference,
)
from .departments import Category, Department
from .events import Attachment, CaseEvent, Channel, EventKind, Visibility
from .outbox import OutboxMessage
from .tokens import AuthToken
from .users import STAFF_ROLES, Role, User

__all__ = [
    "OPEN_STATUSES",
    "STAFF_ROLES",
    "STATUS_TEXT",
    "Attachment",
    "AuthToken",
    "Case",
    "CaseEvent",
    "Category",
    "Channel",
    "Department",
    "EventKind",
    "OutboxMessage",
    "Priority",
    "Role",
    "Status",
    "User",
    "Visibility",
    "format_reference",
    "parse_reference",
    "utcnow",
]
