"""Queue outgoing email in the current transaction; a worker delivers it later."""

from __future__ import annotations

import logging

from flask import current_app, render_template

from ..extensions import db
from ..models import OutboxMessage

log = logging.getLogger(__name__)


def clean_header(value: str, limit: int = 200) -> str:
    """Collapse CR/LF and other control characters so a header can never be split."""
    flat = "".join(ch if ch.isprintable() else " " for ch in value)
    return " ".join(flat.split())[:limit]


def queue_email(to: str, subject: str, template: str, case_id: int | None = None, **ctx) -> None:
    """Add a message to the outbox; the caller's commit makes it real."""
    body = render_template(f"email/{template}.txt", **ctx)
    message = OutboxMessage(
        to_address=clean_header(to, 254),
        subject=clean_header(subject),
        body_text=body,
        case_id=case_id,
    )
    db.session.add(message)
    if current_app.config.get("ENV_NAME") == "development":
        # Until the email channel delivers, developers read the mail here.
        log.warning("Outbox → %s: %s\n%s", message.to_address, message.subject, body)
