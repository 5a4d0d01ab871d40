"""What admin views share: a lookup that turns NotFound into 404, a query argument that must be
one of a few (else 400), a form's save-or-refuse step,
and (the same as the customer's, from portal/web/form_input.py) one way to show a service's
refusal next to its field and the page of a refused form (422)."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import abort, request
from flask_wtf import FlaskForm

from portal.services.errors import NotFound, ServiceError
from portal.web.form_input import form_page, refuse

T = TypeVar("T")

__all__ = ["Saved", "arg_choice", "form_page", "found", "refuse", "saved"]


def found(getter: Callable[..., T | None], *args: Any) -> T:
    """What `getter(*args)` finds, or 404 (it raised NotFound or found nothing)."""
    try:
        thing = getter(*args)
    except NotFound:
        abort(404)
    if thing is None:
        abort(404)
    return thing


def arg_choice(name: str, allowed: Container[str], default: str) -> str:
    """The query argument `name` (`default` when absent), or 400 for a value not offered."""
    value = request.args.get(name, default)
    if value not in allowed:
        abort(400)
    return value


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
