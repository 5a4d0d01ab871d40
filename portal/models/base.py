"""Helpers shared by the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, Executable, Index, TypeDecorator, inspect
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value

# The moment `frozen_at` set for this context; None reads the real clock.
_frozen: ContextVar[datetime | None] = ContextVar("caseloop_frozen_now", default=None)


def utcnow() -> datetime:
    """The time every rule reads: the real clock, or the moment a `frozen_at` block set."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Let the app read `moment` as now inside the block (the demo plays its stories at
    their own times through the real services); ValueError for a naive datetime."""
    if moment.tzinfo is None:
        raise ValueError("frozen_at needs an aware datetime")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield moment
    finally:
        _frozen.reset(token)


def load_collection(obj, name: str, statement: Executable, params: dict) -> list:
    """`obj.<name>`, read by `statement` when not loaded yet and set as what was loaded: a
    lazy load, but by a statement built once (a lazy load works its statement's cache key
    out again on every page). `statement` must select what the relationship would, in its
    order. A new object's (not in the database yet) is left to the relationship."""
    state = inspect(obj)
    if state.persistent and name in state.unloaded:
        rows = list(object_session(obj).scalars(statement, params))
        set_committed_value(obj, name, rows)
    return getattr(obj, name)


def trigram_index(name: str, column) -> Index:
    """A PostgreSQL-only GIN trigram index: serves `icontains`, which is ILIKE '%word%' there."""
    index = Index(name, column, postgresql_using="gin",
                  postgresql_ops={column.key: "gin_trgm_ops"})
    return index.ddl_if(dialect="postgresql")


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value
