"""Helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Index, TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


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
