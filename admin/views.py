"""What admin views share: one way to show a service's refusal next to its field, a lookup
that turns NotFound into 404, and the page of a refused form (422)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, flash, render_template
from flask_wtf import FlaskForm

from portal.services.errors import NotFound, ServiceError

T = TypeVar("T")


def refuse(form: FlaskForm, exc: ServiceError, fallback: str | None = None) -> None:
    """Show a service's refusal next to its field (or `fallback`'s when it names none), else
    as a message at the top: a hidden field has nowhere to show it."""
    name = exc.field or fallback
    target = getattr(form, name, None) if name else None
    if target is None or target.type == "HiddenField":
        flash(exc.message, "error")
    else:
        target.errors = [*target.errors, exc.message]


def found(getter: Callable[[int], T], ident: int) -> T:
    """What `getter` finds, or 404."""
    try:
        return getter(ident)
    except NotFound:
        abort(404)


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """The form's page; after a POST the input was refused, so 422."""
    return render_template(template, form=form, **context), 422 if form.is_submitted() else 200
