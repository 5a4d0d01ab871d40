"""What admin views share: one way to show a service's refusal next to its field (the same as
the customer's, from portal/web/form_input.py), a lookup that turns NotFound into 404, a
form's save-or-refuse step, and the page of a refused form (422)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import abort, render_template
from flask_wtf import FlaskForm

from portal.services.errors import NotFound, ServiceError
from portal.web.form_input import refuse

T = TypeVar("T")

__all__ = ["Saved", "form_page", "found", "refuse", "saved"]


def found(getter: Callable[..., T | None], *args: Any) -> T:
    """What `getter(*args)` finds, or 404 (it raised NotFound or found nothing)."""
    try:
        thing = getter(*args)
    except NotFound:
        abort(404)
    if thing is None:
        abort(404)
    return thing


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


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """The form's page; after a POST the input was refused, so 422."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200
