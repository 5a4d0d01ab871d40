"""What admin views share: a lookup that turns NotFound into 404, a query argument that must be
one of a few (else 400),
and (the same as the customer's, from portal/web/form_input.py) a form's save-or-refuse step,
one way to show a service's refusal next to its field and the page of a refused form (422)."""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any, TypeVar

from flask import abort, request

from portal.services.errors import NotFound
from portal.web.form_input import Saved, form_page, refuse, saved

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
