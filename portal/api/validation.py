"""Reading JSON bodies and query strings field by field, collecting every error at once."""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import current_app, request

from ..services.errors import ServiceError
from ..services.text import clean, storable
from .errors import ApiError, field_error, renamed

E = TypeVar("E", bound=enum.Enum)
V = TypeVar("V", bound=Callable[..., Any])
MAX_ID = 2**31 - 1  # ids are 32-bit; SQLite fails (not misses) past 64 bits


def parse_moment(raw: str) -> datetime | None:
    """An ISO 8601 time with a zone, in UTC; None when it is not one."""
    try:
        moment = datetime.fromisoformat(raw)
        return moment.astimezone(UTC) if moment.tzinfo else None
    except (ValueError, OverflowError):
        return None


# Category names are at most this long (models.Category.name); longer is no category's name.
CATEGORY_NAME_MOST = 80


def category_value(value: Any) -> bool:
    """Whether `value` can name a category: an id in range, or storable text of a name's length."""
    if isinstance(value, str):
        return 0 < len(value.strip()) <= CATEGORY_NAME_MOST and storable(value)
    return type(value) is int and 1 <= value <= MAX_ID


class Body:
    """A JSON object from the request; each reader returns a value or notes an error.

    An optional field that is null counts as absent.
    """

    def __init__(self, allowed: Iterable[str]):
        if not request.is_json:
            raise ApiError(415, "Send a JSON object with Content-Type: application/json.")
        try:
            data = request.get_json(silent=True)
        except RecursionError:
            data = None
        if not isinstance(data, dict):
            raise ApiError(400, "The body must be a JSON object.")
        self.data: dict[str, Any] = data
        self.errors: list[dict[str, str]] = []
        self.prefix: tuple[str | int, ...] = ()
        # Unknown fields are refused rather than ignored: a typo must not pass silently.
        for name in sorted(set(data) - set(allowed)):
            self.fail(name, "Unknown field.")

    @classmethod
    def nested(cls, data: dict[str, Any], parent: Body, prefix: tuple[str | int, ...]) -> Body:
        """A reader over an object inside the body; its errors join the parent's."""
        reader = cls.__new__(cls)
        reader.data, reader.errors, reader.prefix = data, parent.errors, prefix
        return reader

    def fail(self, name: str | tuple[str | int, ...], detail: str) -> None:
        """Note an error at this field (or path below this reader), to be raised by check()."""
        path = name if isinstance(name, tuple) else (name,)
        self.errors.append(field_error(self.prefix + path, detail))

    def check(self) -> None:
        """Raise every error found so far as one 422."""
        if self.errors:
            raise ApiError(422, "Some fields are missing or invalid.", self.errors)

    @contextmanager
    def checked(self, **names: str) -> Iterator[None]:
        """Raise the body's errors found so far; then run the service call in the block, its
        refusal reported under the API's name for the field (see errors.renamed)."""
        self.check()
        with renamed(**names):
            yield

    def text(self, name: str, limit: int, required: bool = True) -> str:
        """Trimmed text under the limit; NUL bytes and lone surrogates are refused."""
        value = self.data.get(name)
        if value is None and not required:
            return ""
        if not isinstance(value, str):
            self.fail(name, "Required: a string." if value is None else "Must be a string.")
            return ""
        try:  # clean() refuses NUL bytes and lone surrogates too
            return clean(value, name, limit, required)
        except ServiceError as exc:
            self.fail(name, exc.message)
            return ""

    def category(self, name: str = "category") -> int | str:
        """A category's id or its name (text, refused when unstorable or too long)."""
        value = self.data.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return self.integer(name) or 0
        return self.text(name, CATEGORY_NAME_MOST)

    def boolean(self, name: str, default: bool) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if not isinstance(value, bool):
            self.fail(name, "Must be true or false.")
            return default
        return value

    def choice(self, name: str, kind: type[E], allowed: Iterable[E] | None = None,
               default: E | None = None) -> E | None:
        """A member of the enum, from its value; optional when a default is given."""
        value = self.data.get(name)
        if value is None and default is not None:
            return default
        members = list(allowed or kind)
        for member in members:
            if value == member.value:
                return member
        self.fail(name, "Must be one of: " + ", ".join(str(m.value) for m in members) + ".")
        return None

    def integer(self, name: str, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value is None and not required:
            return None
        # type() rather than isinstance(): true and false are ints to Python.
        if type(value) is not int or not 1 <= value <= MAX_ID:
            self.fail(name, f"Must be a whole number from 1 to {MAX_ID}.")
            return None
        return value

    def moment(self, name: str) -> datetime | None:
        value = self.data.get(name)
        moment = parse_moment(value) if isinstance(value, str) and storable(value) else None
        if moment is None:
            self.fail(name, "Must be a date and time with a zone, like 2026-12-01T17:00:00Z.")
        return moment

    def items(self, name: str, most: int) -> list[Any]:
        value = self.data.get(name)
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > most:
            self.fail(name, f"Must be a list of at most {most} items.")
            return []
        return value

    def required_items(self, name: str, most: int, missing: str,
                       valid: Callable[[Any], bool], wrong: str) -> list[Any]:
        """A list of one to `most` items, each `valid`: `missing` when none, `wrong` at each
        item that is not."""
        value = self.items(name, most)
        if not value:
            self.fail(name, missing)
        for index, item in enumerate(value):
            if not valid(item):
                self.fail((name, index), wrong)
        return value


def accepts(*names: str) -> Callable[[V], V]:
    """Declare the query parameters a view reads; any other is refused with 400."""

    def mark(view: V) -> V:
        view.query_params = frozenset(names)  # type: ignore[attr-defined]
        return view

    return mark


def refuse_unknown_query() -> None:
    """400 for query parameters the view does not read, as for unknown body fields."""
    view = current_app.view_functions.get(request.endpoint or "")
    unknown = sorted(set(request.args) - getattr(view, "query_params", frozenset()))
    if unknown:
        raise ApiError(400, "Unknown query parameters: " + ", ".join(unknown)[:200] + ".",
                       [field_error(name, "Unknown query parameter.") for name in unknown])


def query_text(name: str, limit: int) -> str | None:
    """A query parameter as text, or None when absent; 400 when unusable."""
    value = request.args.get(name)
    if value is None:
        return None
    if not value or len(value) > limit or not storable(value):
        raise ApiError(400, f"The {name} parameter is not usable.",
                       [field_error(name, f"1 to {limit} characters, without NUL.")])
    return value


def query_int(name: str, low: int = 1, high: int = MAX_ID) -> int | None:
    value = query_text(name, 12)
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
        raise ApiError(400, f"The {name} parameter must be a number.",
                       [field_error(name, f"A whole number from {low} to {high}.")])
    return int(value)


def query_moment(name: str) -> datetime | None:
    value = query_text(name, 40)
    if value is None:
        return None
    moment = parse_moment(value)
    if moment is None:
        raise ApiError(400, f"The {name} parameter must be a time with a zone.",
                       [field_error(name, "ISO 8601 with a zone, like 2026-12-01T17:00:00Z.")])
    return moment


def query_choice(name: str, kind: type[E]) -> E | None:
    value = query_text(name, 40)
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in kind)
        raise ApiError(400, f"The {name} parameter is not one of the allowed values.",
                       [field_error(name, f"One of: {allowed}.")]) from None
