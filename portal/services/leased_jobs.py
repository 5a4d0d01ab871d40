"""Leases on queued work: a worker proves its claim before acting and keeps it while it acts.

Any model with `id`, `claimed_by` and `lease_until` columns can be leased this way (the mail
outbox today). A claim's owner string is unique per claim, so an owner that still matches is
proof nobody took the row over after the lease ran out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from ..database import writing
from ..extensions import db
from ..models import utcnow

log = logging.getLogger(__name__)


def renew(model: Any, row_id: int, owner: str, seconds: float, **values: Any) -> bool:
    """Extend this claim's lease (and set `values`); False when another claim has the row."""
    with writing():
        db.session.commit()  # end any read snapshot: this write must begin its own transaction
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, model.claimed_by == owner)
            .values(lease_until=utcnow() + timedelta(seconds=seconds), **values)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    return result.rowcount == 1


@contextmanager
def kept(model: Any, row_id: int, owner: str, seconds: float) -> Iterator[None]:
    """Renew the lease every third of its length while the block runs (e.g. a slow send)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, daemon=True, name=f"lease-{row_id}",
                            args=(app, stop, model, row_id, owner, seconds))
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def _heartbeat(app: Flask, stop: threading.Event, model: Any, row_id: int, owner: str,
               seconds: float) -> None:
    # A thread of its own with an app context of its own, so its own database session:
    # the worker's thread is busy talking to the network meanwhile.
    with app.app_context():
        while not stop.wait(seconds / 3):
            try:
                if not renew(model, row_id, owner, seconds):
                    log.warning("%s %s: lease lost while working on it", model.__name__, row_id)
                    return
            except SQLAlchemyError:  # e.g. the database restarting: try again next beat
                db.session.rollback()
                log.exception("%s %s: lease could not be renewed", model.__name__, row_id)
