"""Leased jobs: queued rows a worker claims for a while, works on, and then releases or retries.

Both background senders use it: the mail worker (the outbox) and the webhook deliverer.
A claim is one conditional UPDATE that repeats the due condition, so of two workers that
pick the same row only one changes it: on PostgreSQL the candidates are also locked with
FOR UPDATE SKIP LOCKED (a second worker takes other rows), and on SQLite the write runs in
an immediate transaction (`writing()`). A row nobody releases becomes due again when its
lease runs out. Models with `claimed_by` and `lease_until` columns (the outbox) can also
prove the claim is still theirs (`renew`, `release`) and keep it during a slow send (`kept`).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import SQLAlchemyError

from ..database import writing
from ..extensions import db
from ..models import utcnow
from . import effects

log = logging.getLogger(__name__)
LONGEST_WAIT = timedelta(hours=6)


def new_owner() -> str:
    """A name for one run's claims: this host and process, and a random part of its own."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(model: Any, due: ColumnElement[bool], values: dict[str, Any], *, limit: int,
          order_by: Collection[Any] = (), skip: Collection[int] = ()) -> int:
    """Give up to `limit` due rows `values` (status, owner, lease); returns how many this won."""
    with writing():
        effects.commit()  # end any read snapshot: this write must begin its own transaction
        candidates = select(model.id).where(due).order_by(*order_by or (model.id,))
        if skip:
            candidates = candidates.where(model.id.not_in(skip))
        ids = list(db.session.scalars(
            candidates.limit(limit).with_for_update(skip_locked=True)))
        won = 0
        if ids:
            # The due condition is repeated: a row another worker claimed meanwhile is
            # re-checked after its lock is released, and then left alone.
            won = db.session.execute(
                update(model).where(model.id.in_(ids), due).values(**values)
                .execution_options(synchronize_session=False)
            ).rowcount
        effects.commit()
    return won


def renew(model: Any, row_id: int, owner: str, seconds: float, **values: Any) -> bool:
    """Extend this claim's lease (and set `values`); False when another claim has the row."""
    return _owned_update(model, row_id, owner,
                         lease_until=utcnow() + timedelta(seconds=seconds), **values)


def release(model: Any, row_id: int, owner: str, **values: Any) -> bool:
    """Record an outcome and drop the claim, but only while this claim still owns the row."""
    return _owned_update(model, row_id, owner, claimed_by=None, lease_until=None, **values)


def _owned_update(model: Any, row_id: int, owner: str, **values: Any) -> bool:
    with writing():
        effects.commit()  # see claim(): never upgrade a read snapshot to a write
        result = db.session.execute(
            update(model)
            .where(model.id == row_id, model.claimed_by == owner)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        effects.commit()
    return result.rowcount == 1


def backoff(attempts: int, first: timedelta, longest: timedelta = LONGEST_WAIT) -> timedelta:
    """The wait after this many failed attempts: 1, 2, 4, 8… times `first`, at most `longest`."""
    return min(first * 2 ** max(attempts - 1, 0), longest)


def retry_at(attempts: int, max_attempts: int, first: timedelta,
             now: datetime | None = None) -> datetime | None:
    """When to try again after a failed attempt, or None when that was the last one allowed."""
    if attempts >= max_attempts:
        return None
    return (now or utcnow()) + backoff(attempts, first)


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
