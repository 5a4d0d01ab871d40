"""Record staff changes for the audit log (added to the caller's transaction)."""

from __future__ import annotations

from typing import Any

from ..extensions import db
from ..models import AuditEntry, User


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copies: enums as their values, everything else as text."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None or isinstance(value, bool | int | float | str):
            out[key] = value
        elif hasattr(value, "value"):
            out[key] = value.value
        elif isinstance(value, list | tuple | set):
            out[key] = sorted(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


def record(
    actor: User | None,
    action: str,
    target: Any,
    summary: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    department_id: int | None = None,
) -> AuditEntry:
    """Add one audit row; the service that made the change commits it with the change."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=type(target).__name__.lower(),
        target_id=getattr(target, "id", None),
        department_id=department_id,
        summary=summary[:300],
        before=_plain(before or {}),
        after=_plain(after or {}),
    )
    db.session.add(entry)
    return entry
