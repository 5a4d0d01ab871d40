"""Keyset pagination for long lists: a cursor of (sort value, id) instead of OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
import operator
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

from flask import request, url_for
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    TypeDecorator,
    and_,
    asc,
    bindparam,
    desc,
    literal,
    or_,
    tuple_,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.expression import ColumnClause, FunctionElement
from sqlalchemy.types import TypeEngine
from werkzeug.datastructures import MultiDict

from ..extensions import db

T = TypeVar("T")
AFTER_VALUE, AFTER_KEY = "after_value", "after_key"  # a position, as PageStatements' parameters
MAX_CURSOR_LENGTH = 200
INT64 = range(-(2**63), 2**63)  # SQLite refuses bigger integers with an error, not a miss
INT32 = range(-(2**31), 2**31)  # `Integer` is int4 on PostgreSQL: past it, an error too


class InvalidCursor(ValueError):  # noqa: N818 - reads better at call sites
    """The cursor in the URL was not made by this helper for this ordering."""


class unindexed(FunctionElement):  # noqa: N801 - used like a column function
    """The column as it is, but on SQLite written `+column`, which its planner cannot look up
    in an index: a keyset page filtered on it then walks the sort column's index and stops
    after a page, instead of fetching every match through the filter's index and sorting
    them all (the staff queue: 3.9 ms → 0.1 ms of SQLite CPU at 10k cases). PostgreSQL
    plans this well by itself and gets the plain column."""

    inherit_cache = True

    def __init__(self, column: InstrumentedAttribute | ColumnClause) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _plain(element: unindexed, compiler, **kw) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _not_looked_up(element: unindexed, compiler, **kw) -> str:
    return "+" + compiler.process(element.clauses, **kw)


@dataclass(frozen=True)
class Keyset:
    """An ordering by one column, with a unique column to break ties."""

    column: InstrumentedAttribute
    tiebreak: InstrumentedAttribute
    descending: bool = True
    # A nullable column sorts its NULLs last in both directions, on every backend.
    nullable: bool = False

    def order_by(self) -> list[ColumnElement]:
        """The ORDER BY clauses, NULLs (if any) after every value."""
        direction = desc if self.descending else asc
        nulls_last = [self.column.is_(None)] if self.nullable else []
        return [*nulls_last, direction(self.column), direction(self.tiebreak)]

    def after(self, value: Any, key: Any) -> ColumnElement[bool]:
        """The rows that come after (value, key) in this ordering."""
        if value is None:  # already inside the trailing block of NULLs
            return and_(self.column.is_(None), self._beyond(self.tiebreak, key))
        # Typed literals, so the column's own type converts the values (UTC on SQLite).
        condition = self._beyond_row(literal(value, self.column.type),
                                     literal(key, self.tiebreak.type))
        return or_(condition, self.column.is_(None)) if self.nullable else condition

    def after_parameters(self) -> ColumnElement[bool]:
        """`after` with the position as the parameters AFTER_VALUE and AFTER_KEY, for a
        statement built once (`PageStatements`). Not for a nullable ordering: the block of
        NULLs needs another condition."""
        if self.nullable:
            raise ValueError("a nullable ordering has no one condition for every position")
        return self._beyond_row(bindparam(AFTER_VALUE, type_=self.column.type),
                                bindparam(AFTER_KEY, type_=self.tiebreak.type))

    def _beyond_row(self, value: ColumnElement, key: ColumnElement) -> ColumnElement[bool]:
        return self._beyond(tuple_(self.column, self.tiebreak), tuple_(value, key))

    def _beyond(self, left: Any, right: Any) -> ColumnElement[bool]:
        return (operator.lt if self.descending else operator.gt)(left, right)

    def position(self, item: Any) -> tuple[Any, Any]:
        """The (value, key) pair of a loaded row, for the next cursor."""
        return getattr(item, self.column.key), getattr(item, self.tiebreak.key)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def encode_cursor(value: Any, key: Any) -> str:
    """An opaque, URL-safe token for a position in a list."""
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, keyset: Keyset) -> tuple[Any, Any]:
    """The (value, key) inside a token; InvalidCursor if it does not fit this ordering."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("cursor too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        value, key = json.loads(raw)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise InvalidCursor("cursor unreadable") from exc
    return _typed(value, keyset.column, keyset.nullable), _typed(key, keyset.tiebreak, False)


def _typed(value: Any, column: InstrumentedAttribute, nullable: bool) -> Any:
    if value is None:
        if nullable:
            return None
        raise InvalidCursor("cursor value missing")
    expected = _python_type(column.type)
    if expected is datetime and isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidCursor("cursor time unreadable") from exc
        if moment.tzinfo is None:
            raise InvalidCursor("cursor time without a zone")
        return moment
    # type() rather than isinstance(): a JSON true is an int to Python, never a key here.
    if type(value) is expected and (expected is not int or value in _int_range(column.type)):
        return value
    raise InvalidCursor("cursor value of the wrong type")


def _python_type(sql_type: TypeEngine) -> type:
    return _underlying(sql_type).python_type


def _int_range(sql_type: TypeEngine) -> range:
    """What an integer column holds on every backend: a literal beyond it fails the query."""
    return INT64 if isinstance(_underlying(sql_type), BigInteger) else INT32


def _underlying(sql_type: TypeEngine) -> TypeEngine:
    # A TypeDecorator (UTCDateTime) does not pass python_type on from what it wraps.
    while isinstance(sql_type, TypeDecorator):
        sql_type = sql_type.impl_instance
    return sql_type


def paginate(query: Select, keyset: Keyset, after: tuple[Any, Any] | None,
             per_page: int, parameters: dict[str, Any] | None = None) -> Page:
    """One page of the query in keyset order, starting after the given position; the
    query's `parameters`, if it has any."""
    if after is not None:
        query = query.where(keyset.after(*after))
    query = _ordered(query, keyset, per_page)
    return _page(db.session.execute(query, parameters), _one_entity(query), keyset, per_page)


@dataclass(frozen=True)
class PageStatements:
    """`paginate` for a query built once, its values (and the position after which a page
    starts) given as parameters: building a statement and SQLAlchemy's cache key for it on
    every request cost more CPU than running it did (My cases' list: 0.65 → 0.36 ms)."""

    first: Select  # the first page
    later: Select  # a page after the position AFTER_VALUE, AFTER_KEY
    keyset: Keyset
    per_page: int
    one_entity: bool

    @classmethod
    def of(cls, query: Select, keyset: Keyset, per_page: int) -> PageStatements:
        ordered = _ordered(query, keyset, per_page)
        return cls(ordered, ordered.where(keyset.after_parameters()), keyset, per_page,
                   _one_entity(ordered))

    def where(self, *conditions: ColumnElement[bool]) -> PageStatements:
        """These statements narrowed further (new statements: not for every request)."""
        return replace(self, first=self.first.where(*conditions),
                       later=self.later.where(*conditions))

    def read(self, after: tuple[Any, Any] | None, parameters: dict[str, Any]) -> Page:
        """The page after `after` (None: the first), the query's own values in `parameters`."""
        if after is None:
            result = db.session.execute(self.first, parameters)
        else:
            result = db.session.execute(
                self.later, {**parameters, AFTER_VALUE: after[0], AFTER_KEY: after[1]})
        return _page(result, self.one_entity, self.keyset, self.per_page)


def _ordered(query: Select, keyset: Keyset, per_page: int) -> Select:
    # One extra row tells whether another page exists, without a COUNT.
    return query.order_by(None).order_by(*keyset.order_by()).limit(per_page + 1)


def _one_entity(query: Select) -> bool:
    # One entity pages objects; several columns page rows (their keyset columns by name).
    return len(query.column_descriptions) == 1


def _page(result: Any, one_entity: bool, keyset: Keyset, per_page: int) -> Page:
    rows = list(result.scalars() if one_entity else result)
    items = rows[:per_page]
    next_cursor = encode_cursor(*keyset.position(items[-1])) if len(rows) > per_page else None
    return Page(items=items, next_cursor=next_cursor)


def url_keeping(endpoint: str, names: Sequence[str], **extra: Any) -> str:
    """A link to endpoint keeping this request's named query parameters, and no others.

    Only known names pass, so a crafted `_external`/`_scheme` never reaches url_for.
    """
    kept = {name: request.args[name] for name in names if request.args.get(name)}
    return url_for(endpoint, **kept, **extra)


def url_with(**changes: str | list[str] | None) -> str:
    """This request's URL with some query parameters replaced (None removes one)."""
    return link_with(request.endpoint or "", request.args, request.view_args, **changes)


def link_with(endpoint: str, args: MultiDict[str, str], view_args: dict[str, Any] | None = None,
              **changes: str | list[str] | None) -> str:
    """The endpoint's URL at these query parameters, some replaced (a form posted from a
    page links back to that page's URL this way).

    The query string is encoded here, not passed to url_for as keywords: a crafted
    `_external`/`_scheme` parameter would otherwise steer the link off the site.
    """
    params = {k: v for k, v in args.lists() if k not in changes}
    for name, value in changes.items():
        if value is not None:
            params[name] = value if isinstance(value, list) else [value]
    pairs = [(k, v) for k, values in params.items() for v in values if v != ""]
    path = url_for(endpoint, **(view_args or {}))
    query = urlencode(pairs)
    return f"{path}?{query}" if query else path
