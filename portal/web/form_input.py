"""Form bodies are read as strict UTF-8: anything else is a 400, never text stored altered.

Werkzeug turns undecodable bytes in a multipart field into U+FFFD, and an undecodable
urlencoded body into an empty form (so the person saw "write your reply first" for text
they had written). Both now stop the request before any view runs.

`refuse` is the one way every channel's views put a service's refusal next to its field,
`saved` their save-or-refuse step, and `form_page` the one way they answer a refused form (422).
`required_text` declares the staff forms' usual field: required, at most so many characters.
"""

from __future__ import annotations

import codecs
import typing as t
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl

from flask import Flask, Request, flash, render_template
from flask_wtf import FlaskForm
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser, MultiPartParser
from wtforms import Field
from wtforms.validators import DataRequired, Length

from portal.services.errors import ServiceError
from portal.web.lazy_text import lazy_gettext as _l

STRICT_UTF8 = "caseloop-strict-utf-8"
T = TypeVar("T")
TOO_LONG = _l("Keep it under %(max)d characters.")
F = TypeVar("F", bound=Field)
REFUSED = "The form was not valid UTF-8 text. Nothing was saved."


def _strict_codec(name: str) -> codecs.CodecInfo | None:
    # Werkzeug decodes multipart fields with errors="replace" and no way to ask otherwise;
    # this codec ignores the mode it is given and refuses bad bytes.
    if name.replace("_", "-") != STRICT_UTF8:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(utf8.encode, lambda data, errors="strict": utf8.decode(data),
                            name=STRICT_UTF8)


codecs.register(_strict_codec)


class _StrictMultiPartParser(MultiPartParser):
    def get_part_charset(self, headers) -> str:
        charset = super().get_part_charset(headers)
        return STRICT_UTF8 if charset.lower() == "utf-8" else charset


class StrictFormDataParser(FormDataParser):
    def _parse_urlencoded(self, stream: t.IO[bytes], mimetype: str,
                          content_length: int | None, options: dict[str, str]):
        try:
            items = parse_qsl(stream.read().decode(), keep_blank_values=True, errors="strict")
        except UnicodeDecodeError:
            raise BadRequest(REFUSED) from None
        return stream, self.cls(items), self.cls()

    def _parse_multipart(self, stream: t.IO[bytes], mimetype: str,
                         content_length: int | None, options: dict[str, str]):
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        parser = _StrictMultiPartParser(
            stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts, cls=self.cls)
        try:
            form, files = parser.parse(stream, boundary, content_length)
        except UnicodeDecodeError:
            raise BadRequest(REFUSED) from None
        return stream, form, files


def init_app(app: Flask) -> None:
    """Call after extensions that set their own request class (htmx-flask does)."""
    base: type[Request] = app.request_class
    app.request_class = type("StrictRequest", (base,),
                             {"form_data_parser_class": StrictFormDataParser})


def refuse(form: FlaskForm, exc: ServiceError, fallback: str | None = None) -> None:
    """Show a service's refusal next to its field (or `fallback`'s when it names none), else
    as a message at the top: a hidden field has nowhere to show it."""
    name = exc.field or fallback
    target = getattr(form, name, None) if name else None
    if target is None or target.type == "HiddenField":
        flash(exc.message, "error")
    else:
        target.errors = [*target.errors, exc.message]


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """The form's page; after a POST the input was refused, so 422."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200


@dataclass(frozen=True)
class Saved(Generic[T]):
    """What the service call returned; there is one only when it went through."""

    value: T


def saved(form: FlaskForm, save: Callable[[], T], fallback: str | None = None) -> Saved[T] | None:
    """Once the form validates, run `save`: what it returned, or None when the input was
    invalid or the service refused it (its refusal then shows next to its field)."""
    if not form.validate_on_submit():
        return None
    try:
        return Saved(save())
    except ServiceError as exc:
        refuse(form, exc, fallback)
        return None


def required_text(field: type[F], label: str, missing: str, most: int, **options: Any) -> F:
    """A text field that must be filled in (`missing` says so) and keep under `most`
    characters (TOO_LONG says so)."""
    return field(label, validators=[DataRequired(missing), Length(max=most, message=TOO_LONG)],
                 **options)
